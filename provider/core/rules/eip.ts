/** Rules of the tenant's IptablesEIPs. */
import type { ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { type Address, type Family, familyName, parseAddress } from "../net";
import { cidrOfFamily, networkContains } from "../network";
import type { TenantSpec } from "../spec";
import { objectNames, reservedNames } from "../names";
import { type TenantModel, item } from "../tenant-model";
import { type Naming, checkNames } from "./names";
import { nonCanonicalAddress } from "./address-range";
import { ruleSet } from "./rule";

const HOOK = "pkg/webhook/vpc_nat_gateway.go ValidateIptablesEIP";

export const eipRules = ruleSet("IptablesEIP", {
  "eip.pool.unknown": {
    field: "eips[].pool",
    refuses: "a pool the cluster network does not declare",
    upstream: `${HOOK}: refused when the external Subnet does not exist`,
  },
  "eip.pool.ipv4": {
    field: "eips[].pool",
    refuses: "a pool without an IPv4 range",
    upstream:
      'pkg/controller/vpc_nat_gw_eip.go handleAddIptablesEip: refused ("subnet ... does not support ipv4"); the iptables NAT gateway\'s EIPs and rules are IPv4',
  },
  "eip.address.invalid": {
    field: "eips[].v4ip, eips[].v6ip",
    refuses: "a malformed address, or one of the other family",
    upstream: `${HOOK}: refused ("v4ip ... is not a valid")`,
  },
  "eip.address.not-canonical": {
    field: "eips[].v6ip",
    refuses: "an IPv6 address not in canonical form; the message names it",
    upstream: `${HOOK} (ContainsUppercase): upper case refused; other forms kept as written`,
  },
  "eip.address.family": {
    field: "eips[].v4ip, eips[].v6ip",
    refuses: "an address of a family the pool has no range of",
    upstream: `${HOOK} (CIDRContainIP): refused`,
  },
  "eip.address.outside": {
    field: "eips[].v4ip, eips[].v6ip",
    refuses: "an address outside its pool",
    upstream: `${HOOK}: refused ("is not in the range of subnet")`,
  },
  "eip.address.reserved": {
    field: "eips[].v4ip, eips[].v6ip",
    refuses: "the pool's gateway, network or broadcast address",
    upstream: "pkg/ipam: the controller's IPAM refuses it; the EIP never gets an address",
  },
  "eip.address.twice": {
    field: "eips[].v4ip, eips[].v6ip",
    refuses: "an address another EIP of the tenant has",
    upstream: "pkg/ipam: the second EIP waits for an address held by the first forever",
  },
});
const R = eipRules;

export function checkEips(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
  naming: Naming,
): void {
  checkNames(p, "eips", spec.eips, naming("IptablesEIP", objectNames.eip), reservedNames("eips", false));
  const fixed = new Map<string, string>();
  (spec.eips ?? []).forEach((e, i) => {
    const path = item("eips", i, e?.name);
    const pool = cluster?.pools.get(e?.pool);
    if (!pool) {
      if (cluster)
        R.refuse(
          p,
          "eip.pool.unknown",
          `${path}.pool`,
          e?.pool,
          `is not an EIP pool of the cluster (pools: ${[...cluster.pools.keys()].join(", ") || "none"})`,
        );
      return;
    }
    if (!cidrOfFamily(pool, 4))
      R.refuse(
        p,
        "eip.pool.ipv4",
        `${path}.pool`,
        e.pool,
        `has no IPv4 range (${pool.cidrBlock}); Kube-OVN's iptables NAT gateway gives every EIP an IPv4 address`,
      );
    const statics: Partial<Record<Family, Address>> = {};
    for (const [field, family] of [
      ["v4ip", 4],
      ["v6ip", 6],
    ] as const) {
      const text = e[field];
      if (text === undefined) continue;
      const at = `${path}.${field}`;
      const a = parseAddress(text);
      const c = cidrOfFamily(pool, family);
      if (!a || a.family !== family)
        R.refuse(p, "eip.address.invalid", at, text, `is not a valid ${familyName(family)} address`);
      else if (nonCanonicalAddress(text, a))
        R.refuse(p, "eip.address.not-canonical", at, text, `is not in canonical form; write ${a.text}`);
      else if (!c)
        R.refuse(
          p,
          "eip.address.family",
          at,
          text,
          `cannot be used: pool ${e.pool} has no ${familyName(family)} range`,
        );
      else if (!networkContains(pool, a))
        R.refuse(p, "eip.address.outside", at, text, `is outside pool ${e.pool} (${c.text})`);
      else if (pool.gateways.some((g) => g.value === a.value))
        R.refuse(p, "eip.address.reserved", at, text, `is the gateway of pool ${e.pool}`);
      else if (family === 4 && c.prefix <= 30 && (a.value === c.first || a.value === c.last))
        R.refuse(p, "eip.address.reserved", at, text, `is the network or broadcast address of ${c.text}`);
      else if (fixed.has(`${e.pool}/${a.text}`))
        R.refuse(p, "eip.address.twice", at, text, `is also the address of EIP ${fixed.get(`${e.pool}/${a.text}`)}`);
      else {
        fixed.set(`${e.pool}/${a.text}`, e.name);
        statics[family] = a;
      }
    }
    model.staticEips.set(e.name, statics);
  });
}
