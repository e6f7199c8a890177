/**
 * Rules between tenants that one tenant's own rules cannot make: no two tenants share a name, a
 * namespace, a static EIP address or a static interconnect address, and peering halves match.
 * Overlapping subnet CIDRs are fine: every tenant has its own VPC. Checked wherever the tenants are
 * known together: a fleet (provider/core/fleet.ts), the TenantNetworks of one program, the cluster.
 */
import { Problems } from "../errors";
import { overlaps } from "../net";
import type { TenantSpec } from "../spec";
import { parseNetwork } from "./address-range";
import { ruleSet } from "./rule";
import { checkPeering } from "./vpc";

export const crossTenantRules = ruleSet("Tenant", {
  "tenants.name": {
    field: "tenant",
    refuses: "a tenant name another tenant of the program or fleet has",
    upstream:
      "one Vpc, NAT gateway and namespace set per name: the second tenant would overwrite or adopt the first's objects",
  },
  "tenants.namespace": {
    field: "namespaces[].name, monitoring.scraperNamespace",
    refuses: "a namespace another tenant has (in the program, the fleet, or the cluster's namespace owner)",
    upstream:
      "pkg/controller/namespace.go: a namespace bound to two tenants' subnets takes addresses from the first listed; the other VPC's pods land in a foreign network",
  },
  "tenants.static-address": {
    field: "eips[].v4ip, eips[].v6ip, natGateway.interconnectIp",
    refuses: "a static address another tenant has (or has claimed)",
    upstream: "pkg/ipam: the second IptablesEIP or NAT gateway pod waits for an address held by the first forever",
  },
  "tenants.peering-pair": {
    field: "peerings[].tenant, localConnectIP, remoteConnectIP, remoteCidrs[]",
    refuses:
      "a half without its mirror, halves on different links or with crossed addresses, or a routed CIDR the peer does not hold",
    upstream:
      "pkg/controller/vpc.go handleAddOrUpdateVpc: each Vpc's vpcPeerings makes its router port; a half alone or mismatched links accepted, no traffic passes",
  },
});
const R = crossTenantRules;

/** Adds a problem (paths relative to `spec`) for everything `spec` takes that one of `others` already has. */
export function checkAgainstTenants(p: Problems, spec: TenantSpec, others: TenantSpec[]): void {
  for (const o of others) {
    if (o.tenant === spec.tenant) {
      R.refuse(
        p,
        "tenants.name",
        "tenant",
        spec.tenant,
        "is declared twice: another TenantNetwork has the same tenant name",
      );
      continue;
    }
    const theirs = new Set((o.namespaces ?? []).map((n) => n?.name));
    (spec.namespaces ?? []).forEach((n, i) => {
      if (theirs.has(n?.name))
        R.refuse(p, "tenants.namespace", `namespaces[${n.name || i}].name`, n.name, `belongs to tenant ${o.tenant}`);
    });
    const theirEips = new Map<string, string>();
    for (const e of o.eips ?? []) for (const a of [e?.v4ip, e?.v6ip]) if (a) theirEips.set(`${e.pool}/${a}`, e.name);
    (spec.eips ?? []).forEach((e, i) => {
      for (const f of ["v4ip", "v6ip"] as const) {
        const holder = e?.[f] && theirEips.get(`${e.pool}/${e[f]}`);
        if (holder)
          R.refuse(
            p,
            "tenants.static-address",
            `eips[${e.name || i}].${f}`,
            e[f],
            `is also the address of tenant ${o.tenant}'s EIP ${holder}`,
          );
      }
    });
    const ic = spec.natGateway?.interconnectIp;
    if (ic && ic === o.natGateway?.interconnectIp)
      R.refuse(
        p,
        "tenants.static-address",
        "natGateway.interconnectIp",
        ic,
        `is also tenant ${o.tenant}'s interconnect address`,
      );
  }
}

/** Adds a problem for each of `spec`'s namespaces that the cluster shows as another tenant's (`owners`: namespace -> tenant). */
export function checkNamespaceOwners(p: Problems, spec: TenantSpec, owners: Map<string, string>): void {
  (spec.namespaces ?? []).forEach((n, i) => {
    const owner = owners.get(n?.name);
    if (owner !== undefined && owner !== spec.tenant)
      R.refuse(
        p,
        "tenants.namespace",
        `namespaces[${n.name || i}].name`,
        n.name,
        `belongs to tenant ${owner} in the cluster`,
      );
  });
}

/**
 * Each side of a peering declares its half (tenants may live in different stacks). Wherever both
 * tenants are known (a fleet, one program), `self`'s half toward `other` must match: the mirror half
 * present, one link, each side's remote address the other's local one, and the routed CIDRs inside
 * the other tenant's subnets. `path` names `self`'s half. A malformed half is reported by its
 * tenant's own checks.
 */
export function checkPeeringPair(p: Problems, self: TenantSpec, other: TenantSpec, path: string): void {
  const halves = (t: TenantSpec) => (Array.isArray(t?.peerings) ? t.peerings : []);
  const half = halves(self).find((x) => x?.tenant === other?.tenant);
  if (!half || typeof other?.tenant !== "string") return;
  const mirror = halves(other).find((x) => x?.tenant === self.tenant);
  if (!mirror) {
    R.refuse(
      p,
      "tenants.peering-pair",
      `${path}.tenant`,
      half.tenant,
      `declares no peering with ${self.tenant}; add the mirror half to tenant ${half.tenant}`,
    );
    return;
  }
  const scratch = new Problems();
  const a = checkPeering(scratch, path, half);
  const b = checkPeering(scratch, path, mirror);
  if (!a || !b) return;
  if (a.link.text !== b.link.text)
    R.refuse(
      p,
      "tenants.peering-pair",
      `${path}.localConnectIP`,
      half.localConnectIP,
      `is on link ${a.link.text} but tenant ${half.tenant}'s half is on ${b.link.text}`,
    );
  else if (a.remote.value !== b.local.value)
    R.refuse(
      p,
      "tenants.peering-pair",
      `${path}.remoteConnectIP`,
      a.remote.text,
      `is not tenant ${half.tenant}'s localConnectIP ${b.local.text}`,
    );
  const subnets = (Array.isArray(other.subnets) ? other.subnets : []).flatMap(
    (s) => parseNetwork(scratch, "", s, false)?.cidrs ?? [],
  );
  a.remoteCidrs.forEach((c, j) => {
    if (!subnets.some((s) => overlaps(s, c)))
      R.refuse(
        p,
        "tenants.peering-pair",
        `${path}.remoteCidrs[${j}]`,
        c.text,
        `routes to no subnet of tenant ${half.tenant}`,
      );
  });
}
