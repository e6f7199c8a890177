/**
 * Parsing and checking of one address range with its gateway and exclusions — the shape shared by
 * the interconnect network, EIP pools and tenant subnets.
 */
import type { Problems } from "./errors";
import {
  type Address,
  type AddressRange,
  type Cidr,
  type Family,
  contains,
  familyName,
  parseAddressList,
  parseCidrList,
  parseRange,
  rangeInside,
} from "./net";
import { defaultGateway, joinCidrs, normaliseExcludeIps, protocolOf } from "./normalize";

export interface NetworkInput {
  cidr: string;
  gateway?: string;
  excludeIps?: string[];
}

export interface Network {
  cidrs: Cidr[];
  gateways: Address[];
  /** User exclusions (without the gateway). */
  excluded: AddressRange[];
  /** Normalised spec values, as the controller would store them. */
  cidrBlock: string;
  gateway: string;
  excludeIps: string[];
  protocol: string;
}

export function cidrOfFamily(net: Network, family: Family): Cidr | undefined {
  return net.cidrs.find((c) => c.family === family);
}

/** Is the address inside one of the network's CIDRs? */
export function networkContains(net: Network, addr: Address): boolean {
  return net.cidrs.some((c) => contains(c, addr));
}

/**
 * Checks one network and returns its parsed form, or undefined when it is too broken to reason
 * about further (every problem found is recorded either way).
 */
export function parseNetwork(
  p: Problems,
  path: string,
  input: NetworkInput,
  gatewayRequired: boolean,
): Network | undefined {
  const cidrs = parseCidrList(input.cidr);
  if (!cidrs) {
    p.add(`${path}.cidr`, input.cidr, 'is not a valid CIDR (IPv4, IPv6, or dual stack written "v4cidr,v6cidr")');
    return undefined;
  }
  let ok = true;
  for (const c of cidrs) {
    if (c.hostBitsSet) {
      p.add(`${path}.cidr`, input.cidr, `has host bits set; the network address is ${c.text}`);
      ok = false;
    }
  }

  let gateways: Address[];
  if (input.gateway === undefined || input.gateway === "") {
    if (gatewayRequired) {
      p.add(`${path}.gateway`, input.gateway, "is required");
      ok = false;
    }
    gateways = parseAddressList(defaultGateway(cidrs)) ?? [];
  } else {
    const parsed = parseAddressList(input.gateway);
    gateways = parsed ?? [];
    if (!parsed) {
      p.add(`${path}.gateway`, input.gateway, 'is not a valid IP address (dual stack: "v4,v6")');
      ok = false;
    } else {
      for (const g of parsed) {
        const c = cidrs.find((x) => x.family === g.family);
        if (!c) {
          p.add(
            `${path}.gateway`,
            input.gateway,
            `is ${familyName(g.family)} but ${path}.cidr ${JSON.stringify(input.cidr)} has no ${familyName(g.family)} range`,
          );
          ok = false;
        } else if (!contains(c, g)) {
          p.add(`${path}.gateway`, input.gateway, `is outside ${c.text}`);
          ok = false;
        } else if (c.family === 4 && c.prefix <= 30 && (g.value === c.first || g.value === c.last)) {
          p.add(
            `${path}.gateway`,
            input.gateway,
            `is the ${g.value === c.first ? "network" : "broadcast"} address of ${c.text}`,
          );
          ok = false;
        }
      }
      for (const c of cidrs) {
        if (!parsed.some((g) => g.family === c.family)) {
          p.add(`${path}.gateway`, input.gateway, `has no ${familyName(c.family)} address for ${c.text}`);
          ok = false;
        }
      }
    }
  }

  const excluded: AddressRange[] = [];
  (input.excludeIps ?? []).forEach((entry, i) => {
    const r = parseRange(entry);
    if (!r) {
      p.add(`${path}.excludeIps[${i}]`, entry, 'is not an address or a range "a..b" (a <= b, one family)');
      ok = false;
      return;
    }
    const c = cidrs.find((x) => x.family === r.family);
    if (!c || !rangeInside(r, c)) {
      // Kube-OVN drops such entries silently; we refuse them so nothing declared is lost.
      p.add(`${path}.excludeIps[${i}]`, entry, `is outside ${joinCidrs(cidrs)}`);
      ok = false;
      return;
    }
    excluded.push(r);
  });

  if (!ok) return undefined;
  return {
    cidrs,
    gateways,
    excluded,
    cidrBlock: joinCidrs(cidrs),
    gateway: gateways.map((g) => g.text).join(","),
    excludeIps: normaliseExcludeIps(excluded, gateways),
    protocol: protocolOf(cidrs),
  };
}

/** Do two networks share an address? */
export function networksOverlap(a: Network, b: Network): Cidr | undefined {
  for (const x of a.cidrs)
    for (const y of b.cidrs) if (x.family === y.family && x.first <= y.last && y.first <= x.last) return y;
  return undefined;
}
