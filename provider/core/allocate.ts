/**
 * Deterministic, stable address allocation.
 *
 * Each request has a key (e.g. `acme/web` for tenant acme's EIP web). Its preferred address is
 * derived from a hash of the key, and it walks the range from there to the first free address.
 * So an address depends only on the key, the range, and what is already taken: the same tenant
 * gets the same address on every run, and another tenant appearing or disappearing cannot move it
 * unless the two compete for the same free address — which `claims` settles: an address already
 * held (e.g. found in the cluster) always stays with its holder.
 */
import { hash } from "node:crypto";
import { type AddressRange, type Cidr, type Family, addressText, usableBounds } from "./net";

export interface AllocationRequest {
  /** Stable identity of the request, independent of display names. */
  key: string;
  /** A static address the user asked for (already validated to be inside the range). */
  fixed?: bigint;
}

export interface AllocationResult {
  /** key -> address text */
  addresses: Map<string, string>;
  /** Keys that found no free address. */
  exhausted: string[];
  /** Number of addresses the range could hand out in total. */
  capacity: bigint;
}

/** Addresses a range never hands out, plus those already held (by key). */
export interface RangeUsage {
  /** Excluded ranges (excludeIps, gateway). */
  excluded: AddressRange[];
  /** Address value -> key holding it. Only read, so one map can serve many calls. */
  claims?: ReadonlyMap<bigint, string>;
  /**
   * The same claims by key (key -> address value), derived from `claims` when absent. Callers
   * allocating many times against a growing set of claims keep it, instead of a rebuild per call.
   */
  holders?: ReadonlyMap<string, bigint>;
}

/** Position in [0, size) derived from the key; sha256 so it is spread evenly and the same everywhere. */
export function preferredOffset(key: string, size: bigint): bigint {
  // The first 8 bytes of the digest, big-endian. A one-shot hash to hex costs half of
  // createHash().update().digest() (and of hash() to a Buffer, whose encoding name takes a slow path).
  return BigInt(`0x${hash("sha256", key, "hex").slice(0, 16)}`) % size;
}

/**
 * Allocates one address per request inside `cidr`. Requests are served in a fixed order
 * (fixed addresses first, then keys holding a claim, then the rest by key) so the result does not
 * depend on the order the caller listed them in.
 */
export function allocate(cidr: Cidr, requests: AllocationRequest[], usage: RangeUsage): AllocationResult {
  const { first, last } = usableBounds(cidr);
  const size = last - first + 1n;
  const family: Family = cidr.family;
  const excluded: AddressRange[] = [];
  for (const r of usage.excluded) if (r.family === family) excluded.push(r);
  const claimed: ReadonlyMap<bigint, string> = usage.claims ?? NO_CLAIMS;
  const held = usage.holders ?? holdersOf(claimed);
  // Taken by this call; claims are consulted in place (copying them made fleets quadratic).
  const taken = new Map<bigint, string>();
  const addresses = new Map<string, string>();
  const exhausted: string[] = [];

  const rank = (r: AllocationRequest) => (r.fixed !== undefined ? 0 : held.has(r.key) ? 1 : 2);
  const ordered =
    requests.length < 2
      ? requests
      : [...requests].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const capacity = size - BigInt(countExcluded(excluded, first, last));
  let free = capacity - BigInt(claimed.size);
  for (const req of ordered) {
    if (req.fixed !== undefined) {
      taken.set(req.fixed, req.key);
      addresses.set(req.key, addressText(family, req.fixed));
      continue;
    }
    const mine = held.get(req.key);
    if (mine !== undefined) {
      addresses.set(req.key, addressText(family, mine));
      continue;
    }
    if (free <= 0n) {
      exhausted.push(req.key);
      continue;
    }
    // Walk at most the whole range once from the preferred address, wrapping at its end; `free` > 0
    // guarantees a hit unless claims overlap exclusions. Numbers only: an address is printed once found.
    let v = first + preferredOffset(req.key, size);
    let found = false;
    for (let n = 0n; n < size; n++) {
      if (!claimed.has(v) && !taken.has(v) && !inRanges(excluded, v)) {
        found = true;
        break;
      }
      v = v === last ? first : v + 1n;
    }
    if (!found) {
      exhausted.push(req.key);
      continue;
    }
    taken.set(v, req.key);
    free--;
    addresses.set(req.key, addressText(family, v));
  }
  return { addresses, exhausted, capacity };
}

const NO_CLAIMS: ReadonlyMap<bigint, string> = new Map();

function inRanges(ranges: AddressRange[], v: bigint): boolean {
  for (const r of ranges) if (v >= r.first && v <= r.last) return true;
  return false;
}

/** key -> address of `claims`; a key listed twice keeps its last address. */
export function holdersOf(claims: ReadonlyMap<bigint, string>): Map<string, bigint> {
  const held = new Map<string, bigint>();
  for (const [value, key] of claims) held.set(key, value);
  return held;
}

/** How many addresses of [first, last] the (possibly overlapping) excluded ranges cover. */
function countExcluded(ranges: AddressRange[], first: bigint, last: bigint): number {
  const clipped: { a: bigint; b: bigint }[] = [];
  for (const r of ranges) {
    const a = r.first < first ? first : r.first;
    const b = r.last > last ? last : r.last;
    if (a <= b) clipped.push({ a, b });
  }
  if (clipped.length > 1) clipped.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
  let total = 0n;
  let end = first - 1n;
  for (const r of clipped) {
    const a = r.a > end ? r.a : end + 1n;
    if (r.b >= a) total += r.b - a + 1n;
    if (r.b > end) end = r.b;
  }
  return Number(total);
}
