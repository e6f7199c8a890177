/**
 * One address range with its gateway and exclusions — the shape shared by the interconnect network,
 * EIP pools and tenant subnets — once checked (rules/address-range.ts parseNetwork).
 */
import { type Address, type AddressRange, type Cidr, type Family, contains } from "./net";

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

/** Do two networks share an address? */
export function networksOverlap(a: Network, b: Network): Cidr | undefined {
  for (const x of a.cidrs)
    for (const y of b.cidrs) if (x.family === y.family && x.first <= y.last && y.first <= x.last) return y;
  return undefined;
}
