/**
 * Planning many tenants at once (the fleet tool, benchmarks): joint allocation so no two tenants
 * share an address, and the cross-tenant checks a single tenant cannot make.
 */
import type { ClusterFacts } from "./cluster";
import { PlanError, type Problem, Problems } from "./errors";
import { INTERCONNECT_SUBNET } from "./names";
import type { ClusterNetworkSpec, TenantSpec } from "./spec";
import { checkClusterSpec, checkPeeringPair, checkServiceIps, checkTenant, crossTenantRules } from "./rules";
import { type AddressClaims, ClaimIndex, type TenantPlan, allocationKey, planTenant } from "./tenant-plan";

export interface FleetPlan {
  facts: ClusterFacts;
  tenants: TenantPlan[];
  /** Every address held after this plan (input claims plus new allocations). */
  claims: AddressClaims;
}

/**
 * Plans every tenant. `claims` are addresses already held (read from the cluster, or the claims of
 * a previous plan): their holders keep them, so adding or removing a tenant never moves another.
 * `kubernetesServiceIps` are the cluster IPs of Service default/kubernetes, for API-server access.
 */
export function planFleet(
  cluster: ClusterNetworkSpec,
  tenants: TenantSpec[],
  claims: AddressClaims = {},
  kubernetesServiceIps?: string[],
): FleetPlan {
  const p = new Problems();
  const facts = checkClusterSpec(p, cluster, "cluster");
  if (facts?.apiServer && kubernetesServiceIps)
    facts.apiServer.serviceIps = checkServiceIps(p, facts.apiServer, kubernetesServiceIps, "cluster.apiServerAccess");
  const seenTenant = new Map<string, number>();
  const namespaceOwner = new Map<string, string>();
  tenants.forEach((t, i) => {
    const name = t?.tenant;
    if (seenTenant.has(name))
      crossTenantRules.refuse(
        p,
        "tenants.name",
        `tenants[${i}].tenant`,
        name,
        `is declared twice (also tenants[${seenTenant.get(name)}])`,
      );
    seenTenant.set(name, i);
    (t?.namespaces ?? []).forEach((ns, j) => {
      const owner = namespaceOwner.get(ns?.name);
      if (owner !== undefined && owner !== name)
        crossTenantRules.refuse(
          p,
          "tenants.namespace",
          `tenants[${name}].namespaces[${j}].name`,
          ns.name,
          `belongs to tenant ${owner}`,
        );
      else namespaceOwner.set(ns?.name, name);
    });
  });
  // A scraper namespace carries one tenant's PodDefaults: it is nobody else's.
  tenants.forEach((t) => {
    const ns = t?.monitoring?.scraperNamespace;
    const owner = ns === undefined ? undefined : namespaceOwner.get(ns);
    if (owner !== undefined && owner !== t.tenant)
      crossTenantRules.refuse(
        p,
        "tenants.namespace",
        `tenants[${t.tenant}].monitoring.scraperNamespace`,
        ns,
        `belongs to tenant ${owner}`,
      );
    else if (ns !== undefined && owner === undefined) namespaceOwner.set(ns, t.tenant);
  });
  checkPeeringPairs(p, tenants);
  // Fleet-level problems do not stop here: every tenant's own problems are reported with them.

  // Static addresses are held by their owners before anything is allocated.
  const held: AddressClaims = JSON.parse(JSON.stringify(claims));
  const hold = (range: string, address: string, key: string, path: string) => {
    held[range] ??= {};
    const r = held[range];
    const holder = r[address];
    // A clash inside one tenant is reported by the tenant's own checks, with better words.
    if (holder !== undefined && holder !== key && holder.split("/")[0] !== key.split("/")[0])
      crossTenantRules.refuse(p, "tenants.static-address", path, address, `is also claimed by ${holder}`);
    else if (holder === undefined) r[address] = key;
  };
  for (const t of tenants) {
    if (t.natGateway?.interconnectIp)
      hold(
        INTERCONNECT_SUBNET,
        t.natGateway.interconnectIp,
        allocationKey.interconnect(t.tenant),
        `tenants[${t.tenant}].natGateway.interconnectIp`,
      );
    for (const e of t.eips ?? []) {
      for (const f of ["v4ip", "v6ip"] as const) {
        const a = e?.[f];
        if (a) hold(e.pool, a, allocationKey.eip(t.tenant, e.name), `tenants[${t.tenant}].eips[${e.name}].${f}`);
      }
    }
  }

  // Parsed once for the whole fleet; each tenant's addresses are added as it is planned.
  const index = new ClaimIndex(held);
  // The new claims in the order made, written into `held` when the plan's claims are first read:
  // validating a whole file (the fleet tool) never reads them, and an object keyed by 20 000
  // addresses costs 5% of planning them.
  const made: [range: string, address: string, key: string][] = [];
  const claim = (range: string, address: string, key: string) => {
    made.push([range, address, key]);
    index.add(range, address, key);
  };
  const problems: Problem[] = [...p.list];
  const fleetPaths = new Set(problems.map((x) => x.path));
  const reported = new Set<string>();
  const plans: TenantPlan[] = [];
  for (const t of [...tenants].sort((a, b) => (a.tenant < b.tenant ? -1 : 1))) {
    try {
      if (!facts) {
        // Without valid cluster facts a tenant cannot be planned, but its spec can be checked.
        const own = new Problems();
        checkTenant(own, t, undefined);
        own.throwIfAny(`tenant ${t?.tenant}`);
        continue;
      }
      const plan = planTenant(t, facts, index);
      plans.push(plan);
      if (plan.addresses.interconnectIp)
        for (const a of plan.addresses.interconnectIp.split(","))
          claim(INTERCONNECT_SUBNET, a, allocationKey.interconnect(t.tenant));
      for (const [name, e] of Object.entries(plan.addresses.eips)) {
        for (const a of [e.v4ip, e.v6ip]) if (a) claim(e.pool, a, allocationKey.eip(t.tenant, name));
      }
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      for (const x of e.problems) {
        const path = `tenants[${t.tenant}].${x.path}`;
        // A field the fleet-level checks refused (a static address another tenant holds) is said once;
        // a tenant declared twice is planned twice.
        const key = `${path}\n${x.message}`;
        if (fleetPaths.has(path) || reported.has(key)) continue;
        reported.add(key);
        problems.push({ ...x, path });
      }
    }
  }
  if (problems.length > 0) throw new PlanError("the fleet", problems);
  const plan = { facts: facts as ClusterFacts, tenants: plans } as FleetPlan;
  return Object.defineProperty(plan, "claims", {
    enumerable: true,
    configurable: true,
    get() {
      for (const [range, address, key] of made) {
        held[range] ??= {};
        held[range][address] = key;
      }
      // From now on a plain property, as if it had been set from the start.
      Object.defineProperty(plan, "claims", { value: held, enumerable: true, writable: true, configurable: true });
      return held;
    },
  });
}

/** Every tenant's peering halves against the other tenant's, where both are in the fleet. */
function checkPeeringPairs(p: Problems, tenants: TenantSpec[]): void {
  const byName = new Map(tenants.map((t) => [t?.tenant, t]));
  for (const t of tenants) {
    for (const half of t?.peerings ?? []) {
      const other = byName.get(half?.tenant);
      if (other) checkPeeringPair(p, t, other, `tenants[${t.tenant}].peerings[${half.tenant}]`);
    }
  }
}
