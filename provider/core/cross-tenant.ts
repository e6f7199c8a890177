/**
 * Checks between tenants that one tenant's own rules cannot make: no two tenants share a name, a
 * namespace, a static EIP address or a static interconnect address. Overlapping subnet CIDRs are
 * fine: every tenant has its own VPC.
 */
import type { Problems } from "./errors";
import type { TenantSpec } from "./spec";

/** Adds a problem (paths relative to `spec`) for everything `spec` takes that one of `others` already has. */
export function checkAgainstTenants(p: Problems, spec: TenantSpec, others: TenantSpec[]): void {
  for (const o of others) {
    if (o.tenant === spec.tenant) {
      p.add("tenant", spec.tenant, "is declared twice: another TenantNetwork has the same tenant name");
      continue;
    }
    const theirs = new Set((o.namespaces ?? []).map((n) => n?.name));
    (spec.namespaces ?? []).forEach((n, i) => {
      if (theirs.has(n?.name)) p.add(`namespaces[${n.name || i}].name`, n.name, `belongs to tenant ${o.tenant}`);
    });
    const theirEips = new Map<string, string>();
    for (const e of o.eips ?? []) for (const a of [e?.v4ip, e?.v6ip]) if (a) theirEips.set(`${e.pool}/${a}`, e.name);
    (spec.eips ?? []).forEach((e, i) => {
      for (const f of ["v4ip", "v6ip"] as const) {
        const holder = e?.[f] && theirEips.get(`${e.pool}/${e[f]}`);
        if (holder)
          p.add(`eips[${e.name || i}].${f}`, e[f], `is also the address of tenant ${o.tenant}'s EIP ${holder}`);
      }
    });
    const ic = spec.natGateway?.interconnectIp;
    if (ic && ic === o.natGateway?.interconnectIp)
      p.add("natGateway.interconnectIp", ic, `is also tenant ${o.tenant}'s interconnect address`);
  }
}

/** Adds a problem for each of `spec`'s namespaces that the cluster shows as another tenant's (`owners`: namespace -> tenant). */
export function checkNamespaceOwners(p: Problems, spec: TenantSpec, owners: Map<string, string>): void {
  (spec.namespaces ?? []).forEach((n, i) => {
    const owner = owners.get(n?.name);
    if (owner !== undefined && owner !== spec.tenant)
      p.add(`namespaces[${n.name || i}].name`, n.name, `belongs to tenant ${owner} in the cluster`);
  });
}
