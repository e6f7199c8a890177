/**
 * Address and CIDR handling for the planner. ip-num parses and validates every address; ranges and
 * the planner's hot paths work on the numbers it yields. This module adapts it to Kube-OVN's
 * conventions: dual-stack values are written "v4,v6" in one string, excludeIps entries are "a" or
 * "a..b", and IPv6 is printed in its compressed form.
 */
import { IPv4, IPv6, Validator, collapseIPv6Number } from "ip-num";

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** Network address as a number. */
  first: bigint;
  /** Last address as a number. */
  last: bigint;
  prefix: number;
  /** Canonical text: network address (compressed for IPv6) and prefix, e.g. 10.0.1.0/24. */
  text: string;
  /** True when the text the user wrote had host bits set (10.0.1.7/24). */
  hostBitsSet: boolean;
}

export interface Address {
  family: Family;
  value: bigint;
  text: string;
}

/** An inclusive address range, e.g. one excludeIps entry. */
export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
}

/**
 * Parsed values by their text, frozen since every caller shares them. A fleet repeats the same
 * texts in every tenant (subnet CIDRs, LAN addresses) and reads back each address it allocated,
 * and an ip-num parse costs microseconds. Emptied when full, so a long-lived process stays bounded.
 */
class ParseCache<T extends object> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly limit: number) {}

  get(text: string, parse: (text: string) => T | undefined): T | undefined {
    const hit = this.entries.get(text);
    if (hit !== undefined) return hit;
    const value = parse(text);
    // Invalid text is not kept: it is rare, and an error path need not be fast.
    if (value !== undefined) this.remember(text, value);
    return value;
  }

  /** Records the parse of `text` when it is not known yet. */
  remember(text: string, value: T): void {
    if (this.entries.has(text)) return;
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(text, Object.freeze(value));
  }
}

const addresses = new ParseCache<Address>(1 << 16);
const cidrs = new ParseCache<Cidr>(1 << 16);

export function familyName(f: Family): string {
  return f === 4 ? "IPv4" : "IPv6";
}

export function formatAddress(family: Family, value: bigint): string {
  // IPv4 is printed from the number: ip-num builds octet objects through binary strings (about 1.5 µs
  // an address, several per tenant). Out-of-range values still go to ip-num, which rejects them.
  if (family === 4 && value >= 0n && value <= MAX_IPV4) {
    const v = Number(value);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  return family === 4 ? new IPv4(value).toString() : collapseIPv6Number(new IPv6(value).toString());
}

const MAX_IPV4 = 0xffffffffn;

/**
 * formatAddress for an address the planner computes and reads back (allocated addresses in the
 * fleet's claims and the objects' specs, default gateways), so its text is kept as already parsed:
 * formatAddress prints the canonical text, whose parse is this same family and value.
 */
export function addressText(family: Family, value: bigint): string {
  const text = formatAddress(family, value);
  addresses.remember(text, { family, value, text });
  return text;
}

/**
 * The address as one DNS label: IPv4 `10-0-0-1`, IPv6 all eight groups `fd00-0-0-0-0-0-0-1`
 * (compressed `::` would give labels starting or ending with '-'). One address, one label.
 */
export function addressLabel(a: Address): string {
  // From the text: ip-num prints the number 0 as "::0" but the text "::" in full.
  return (a.family === 4 ? a.text : new IPv6(a.text).toString()).replace(/[.:]/g, "-");
}

/** Parses one address; undefined when the text is not a valid IPv4 or IPv6 address. */
export function parseAddress(text: string): Address | undefined {
  if (typeof text !== "string") return undefined;
  return addresses.get(text, parseAddressText);
}

function parseAddressText(text: string): Address | undefined {
  const s = text.trim();
  if (s !== text || s === "") return undefined;
  if (!s.includes(":")) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return undefined;
    // ip-num's constructor runs its validator itself (leading zeros and octets above 255 rejected),
    // so a valid text is already canonical: four decimal octets without leading zeros.
    let ip: IPv4;
    try {
      ip = new IPv4(s);
    } catch {
      return undefined;
    }
    return { family: 4, value: ip.getValue(), text: s };
  }
  if (!Validator.isValidIPv6String(s)[0]) return undefined;
  try {
    const ip = new IPv6(s);
    return { family: 6, value: ip.getValue(), text: formatAddress(6, ip.getValue()) };
  } catch {
    return undefined;
  }
}

/** Parses one CIDR; undefined when the text is not a valid IPv4 or IPv6 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== "string") return undefined;
  return cidrs.get(text, parseCidrText);
}

function parseCidrText(text: string): Cidr | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  // Uncached: the CIDR is cached whole, and its address text is seldom read alone.
  const addr = parseAddressText(m[1]);
  if (!addr) return undefined;
  const prefix = Number(m[2]);
  if (prefix > (addr.family === 4 ? 32 : 128)) return undefined;
  // The address is parsed and validated by ip-num above; the range is plain arithmetic on its value
  // (ip-num's CidrRange builds masks through binary strings: 20 µs a CIDR).
  const hostBits = (1n << BigInt((addr.family === 4 ? 32 : 128) - prefix)) - 1n;
  const first = addr.value & ~hostBits;
  const last = first | hostBits;
  return {
    family: addr.family,
    first,
    last,
    prefix,
    text: `${formatAddress(addr.family, first)}/${prefix}`,
    hostBitsSet: first !== addr.value,
  };
}

/**
 * Parses a Kube-OVN value that holds one item, or two of different families written "v4,v6" for
 * dual stack; undefined when any part is malformed or both are of one family.
 */
function parseDual<T extends { family: Family }>(
  text: string,
  parse: (part: string) => T | undefined,
): T[] | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const parts = text.split(",").map(parse);
  if (parts.some((p) => !p) || parts.length > 2) return undefined;
  const items = parts as T[];
  if (items.length === 2 && items[0].family === items[1].family) return undefined;
  return items;
}

/** "cidr" or "cidrV4,cidrV6". */
export function parseCidrList(text: string): Cidr[] | undefined {
  return parseDual(text, parseCidr);
}

/** "address" or "addressV4,addressV6". */
export function parseAddressList(text: string): Address[] | undefined {
  return parseDual(text, parseAddress);
}

/** Parses an excludeIps entry: "a" or "a..b" (same family, a <= b). */
export function parseRange(text: string): AddressRange | undefined {
  if (typeof text !== "string") return undefined;
  const [a, b, extra] = text.split("..");
  if (extra !== undefined) return undefined;
  const first = parseAddress(a);
  const last = b === undefined ? first : parseAddress(b);
  if (!first || !last || first.family !== last.family || first.value > last.value) return undefined;
  return { family: first.family, first: first.value, last: last.value };
}

export function contains(cidr: Cidr, addr: { family: Family; value: bigint }): boolean {
  return cidr.family === addr.family && addr.value >= cidr.first && addr.value <= cidr.last;
}

export function rangeInside(range: AddressRange, cidr: Cidr): boolean {
  return range.family === cidr.family && range.first >= cidr.first && range.last <= cidr.last;
}

export function overlaps(
  a: { family: Family; first: bigint; last: bigint },
  b: { family: Family; first: bigint; last: bigint },
): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Number of addresses in a CIDR a Kube-OVN subnet can hand out (IPv4 loses network and broadcast). */
export function usableBounds(cidr: Cidr): { first: bigint; last: bigint } {
  if (cidr.family === 4 && cidr.prefix <= 30) return { first: cidr.first + 1n, last: cidr.last - 1n };
  if (cidr.family === 6 && cidr.prefix <= 126) return { first: cidr.first + 1n, last: cidr.last };
  return { first: cidr.first, last: cidr.last };
}

/** Prints one range the way Kube-OVN stores an excludeIps entry: "a", or "a..b". */
export function formatRange(r: AddressRange): string {
  return r.first === r.last
    ? formatAddress(r.family, r.first)
    : `${formatAddress(r.family, r.first)}..${formatAddress(r.family, r.last)}`;
}
