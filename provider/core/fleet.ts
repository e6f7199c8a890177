/**
 * Planning many tenants at once (the fleet tool, benchmarks): joint allocation so no two tenants
 * share an address, and the cross-tenant checks a single tenant cannot make.
 */
import { ClusterFacts, checkClusterSpec } from "./cluster";
import { PlanError, Problem, Problems } from "./errors";
import { INTERCONNECT_SUBNET } from "./names";
import { ClusterNetworkSpec, TenantSpec } from "./spec";
import { AddressClaims, ClaimIndex, TenantPlan, allocationKey, planTenant } from "./tenant-plan";

export interface FleetPlan {
    facts: ClusterFacts;
    tenants: TenantPlan[];
    /** Every address held after this plan (input claims plus new allocations). */
    claims: AddressClaims;
}

/**
 * Plans every tenant. `claims` are addresses already held (read from the cluster, or the claims of
 * a previous plan): their holders keep them, so adding or removing a tenant never moves another.
 */
export function planFleet(cluster: ClusterNetworkSpec, tenants: TenantSpec[], claims: AddressClaims = {}): FleetPlan {
    const p = new Problems();
    const facts = checkClusterSpec(p, cluster, "cluster");
    const seenTenant = new Map<string, number>();
    const namespaceOwner = new Map<string, string>();
    tenants.forEach((t, i) => {
        const name = t?.tenant;
        if (seenTenant.has(name)) p.add(`tenants[${i}].tenant`, name, `is declared twice (also tenants[${seenTenant.get(name)}])`);
        seenTenant.set(name, i);
        (t?.namespaces ?? []).forEach((ns, j) => {
            const owner = namespaceOwner.get(ns?.name);
            if (owner !== undefined && owner !== name) p.add(`tenants[${name}].namespaces[${j}].name`, ns.name, `belongs to tenant ${owner}`);
            else namespaceOwner.set(ns?.name, name);
        });
    });
    p.throwIfAny("the fleet");

    // Static addresses are held by their owners before anything is allocated.
    const held: AddressClaims = JSON.parse(JSON.stringify(claims));
    const hold = (range: string, address: string, key: string, path: string) => {
        const r = (held[range] ??= {});
        const holder = r[address];
        // A clash inside one tenant is reported by the tenant's own checks, with better words.
        if (holder !== undefined && holder !== key && holder.split("/")[0] !== key.split("/")[0]) p.add(path, address, `is also claimed by ${holder}`);
        else if (holder === undefined) r[address] = key;
    };
    for (const t of tenants) {
        if (t.natGateway?.interconnectIp) hold(INTERCONNECT_SUBNET, t.natGateway.interconnectIp, allocationKey.interconnect(t.tenant), `tenants[${t.tenant}].natGateway.interconnectIp`);
        for (const e of t.eips ?? []) {
            for (const f of ["v4ip", "v6ip"] as const) {
                const a = e?.[f];
                if (a) hold(e.pool, a, allocationKey.eip(t.tenant, e.name), `tenants[${t.tenant}].eips[${e.name}].${f}`);
            }
        }
    }
    p.throwIfAny("the fleet");

    // Parsed once for the whole fleet; each tenant's addresses are added as it is planned.
    const index = new ClaimIndex(held);
    const claim = (range: string, address: string, key: string) => {
        (held[range] ??= {})[address] = key;
        index.add(range, address, key);
    };
    const problems: Problem[] = [];
    const plans: TenantPlan[] = [];
    for (const t of [...tenants].sort((a, b) => (a.tenant < b.tenant ? -1 : 1))) {
        try {
            const plan = planTenant(t, facts as ClusterFacts, index);
            plans.push(plan);
            if (plan.addresses.interconnectIp) for (const a of plan.addresses.interconnectIp.split(",")) claim(INTERCONNECT_SUBNET, a, allocationKey.interconnect(t.tenant));
            for (const [name, e] of Object.entries(plan.addresses.eips)) {
                for (const a of [e.v4ip, e.v6ip]) if (a) claim(e.pool, a, allocationKey.eip(t.tenant, name));
            }
        } catch (e) {
            if (!(e instanceof PlanError)) throw e;
            problems.push(...e.problems.map((x) => ({ ...x, path: `tenants[${t.tenant}].${x.path}` })));
        }
    }
    if (problems.length > 0) throw new PlanError("the fleet", problems);
    return { facts: facts as ClusterFacts, tenants: plans, claims: held };
}
