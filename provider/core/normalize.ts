/**
 * The form the Kube-OVN controller rewrites specs into (v1.16.2; see docs/upstream-behaviour.md).
 * We emit exactly that form, so a preview after the controller touched an object shows no change.
 */
import { type AddressRange, type Cidr, addressText, formatAddress, formatRange } from "./net";

export function protocolOf(cidrs: Cidr[]): string {
  if (cidrs.length === 2) return "Dual";
  return cidrs[0].family === 4 ? "IPv4" : "IPv6";
}

/**
 * The gateway Kube-OVN picks when none is given: the first address after the network address.
 * Printed with addressText, since the planner parses it right back.
 */
export function defaultGateway(cidrs: Cidr[]): string {
  return cidrs
    .map((c) => addressText(c.family, c.prefix >= (c.family === 4 ? 31 : 127) ? c.first : c.first + 1n))
    .join(",");
}

/**
 * excludeIps as the controller stores them (pkg/controller/subnet.go formatExcludeIPs): sorted as
 * strings, then each gateway appended unless an entry already holds it. The controller also merges
 * overlapping entries; we do not: the rules refuse them (subnet.excludeIps.overlap), so the entries
 * here are apart already and nothing the user wrote is rewritten.
 */
export function normaliseExcludeIps(excluded: AddressRange[], gateways: { family: 4 | 6; value: bigint }[]): string[] {
  const entries = excluded.map(formatRange);
  for (const g of gateways) {
    if (!excluded.some((r) => r.family === g.family && g.value >= r.first && g.value <= r.last))
      entries.push(formatAddress(g.family, g.value));
  }
  return entries.sort();
}

export function joinCidrs(cidrs: Cidr[]): string {
  return cidrs.map((c) => c.text).join(",");
}
