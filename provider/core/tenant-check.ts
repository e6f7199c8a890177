/** Validation of one tenant against the cluster facts. Every problem names its field and value. */
import { ApiServerFacts, ClusterFacts } from "./cluster";
import { Problems } from "./errors";
import { Address, Cidr, Family, familyName, formatAddress, overlaps, parseAddress, parseCidr } from "./net";
import { NAT_GATEWAY_NAME_MAX, RESERVED_VPCS, TENANT_NAME_MAX, dnsLabelProblem, objectNames } from "./names";
import { Network, cidrOfFamily, networkContains, networksOverlap, parseNetwork } from "./network";
import {
    NatProtocol,
    PolicyRouteAction,
    RoutePolicy,
    SecurityGroupPolicy,
    SecurityGroupProtocol,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    TenantSpec,
    TenantSubnetSpec,
    VpcPeeringSpec,
} from "./spec";

export interface CheckedSubnet {
    spec: TenantSubnetSpec;
    net: Network;
}

/** What the planner needs beyond the spec itself, known to be consistent. */
export interface TenantModel {
    spec: TenantSpec;
    subnets: Map<string, CheckedSubnet>;
    /** Namespace -> subnet it is bound to. */
    namespaceSubnet: Map<string, string>;
    eipPools: Map<string, Network>;
    /** Static addresses by EIP name and family. */
    staticEips: Map<string, Partial<Record<Family, Address>>>;
    lanIp?: Address;
    interconnectIp?: Address;
    uplinkPool?: string;
    /** The cluster's API-server attachment network, when some namespace asks for it. */
    apiServer?: ApiServerFacts;
    /** Namespaces whose pods get the API-server attachment. */
    apiServerNamespaces: Set<string>;
    securityGroups: CheckedSecurityGroup[];
    peerings: CheckedPeering[];
    monitoring?: CheckedMonitoring;
}

export interface CheckedRule {
    rule: SecurityGroupRuleSpec;
    ipVersion: "ipv4" | "ipv6";
    ports?: [number, number];
}

export interface CheckedSecurityGroup {
    spec: SecurityGroupSpec;
    ingress: CheckedRule[];
    egress: CheckedRule[];
}

export interface CheckedPeering {
    spec: VpcPeeringSpec;
    /** The link network and both router addresses on it. */
    link: Cidr;
    local: Address;
    remote: Address;
    remoteCidrs: Cidr[];
}

export interface CheckedMonitoring {
    net: Network;
    ports: [number, number][];
    /** Tenant namespaces whose pods are scraped. */
    namespaces: string[];
}

const SYSTEM_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
/** Subnet and security-group names the monitoring mode takes (`<tenant>-monitoring`, `<tenant>-monitoring-open`). */
const MONITORING_NAMES = new Set(["monitoring", "monitoring-open"]);
const RESERVED_EIP_NAMES = new Set(["interconnect"]);

/** A readable path segment: the item's name when it has one, else its index. */
function item(list: string, i: number, name: unknown): string {
    return `${list}[${typeof name === "string" && name !== "" ? name : i}]`;
}

function checkNames(p: Problems, list: string, items: { name?: unknown }[] | undefined, maxLength: number, reserved = new Set<string>()): void {
    const seen = new Set<string>();
    (items ?? []).forEach((it, i) => {
        const path = `${item(list, i, it?.name)}.name`;
        const problem = dnsLabelProblem(it?.name, maxLength);
        if (problem) p.add(path, it?.name, problem);
        else if (reserved.has(it.name as string)) p.add(path, it.name, "is reserved");
        else if (seen.has(it.name as string)) p.add(path, it.name, `is declared twice in ${list}`);
        seen.add(it?.name as string);
    });
}

function isPort(n: unknown): boolean {
    return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

export function checkTenant(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined): TenantModel | undefined {
    if (!spec || typeof spec !== "object") {
        p.add("tenant", spec, "must be an object");
        return undefined;
    }
    const t = spec.tenant;
    const tenantProblem = dnsLabelProblem(t, TENANT_NAME_MAX);
    if (tenantProblem) p.add("tenant", t, tenantProblem);
    else if (RESERVED_VPCS.has(t)) p.add("tenant", t, "is the name of Kube-OVN's default VPC");
    const tenant = tenantProblem ? "x" : t;
    // Object names are `<tenant>-<name>` etc. and must stay DNS labels (63 characters).
    const room = (prefix: string) => 63 - objectNames.eip(tenant, "").length - prefix.length;

    // Namespaces
    if (!Array.isArray(spec.namespaces)) p.add("namespaces", spec.namespaces, "must be a list (possibly empty)");
    checkNames(p, "namespaces", spec.namespaces, 63, SYSTEM_NAMESPACES);
    const namespaces = new Set((spec.namespaces ?? []).map((n) => n?.name));

    // Subnets
    const subnets = new Map<string, CheckedSubnet>();
    const namespaceSubnet = new Map<string, string>();
    if (!Array.isArray(spec.subnets) || spec.subnets.length === 0) p.add("subnets", spec.subnets, "must list at least one subnet");
    checkNames(p, "subnets", spec.subnets, room(""), spec.monitoring ? MONITORING_NAMES : undefined);
    (spec.subnets ?? []).forEach((s, i) => {
        const path = item("subnets", i, s?.name);
        if (!s || typeof s !== "object") return;
        const net = parseNetwork(p, path, s, false);
        if (!Array.isArray(s.namespaces)) p.add(`${path}.namespaces`, s.namespaces, "must be a list of the tenant's namespaces");
        (s.namespaces ?? []).forEach((ns, j) => {
            if (!namespaces.has(ns)) {
                p.add(`${path}.namespaces[${j}]`, ns, "is not one of this tenant's namespaces (declare it under namespaces)");
            } else if (namespaceSubnet.has(ns)) {
                p.add(`${path}.namespaces[${j}]`, ns, `is already bound to subnet ${namespaceSubnet.get(ns)}; a namespace takes addresses from one subnet`);
            } else namespaceSubnet.set(ns, s.name);
        });
        if (s.allowSubnets !== undefined) {
            if (!s.private) p.add(`${path}.allowSubnets`, s.allowSubnets, "has no effect unless private is true");
            s.allowSubnets.forEach((c, j) => {
                if (!parseCidr(c)) p.add(`${path}.allowSubnets[${j}]`, c, "is not a valid CIDR");
            });
        }
        if (!net) return;
        for (const [other, o] of subnets) {
            const hit = networksOverlap(net, o.net);
            if (hit) p.add(`${path}.cidr`, s.cidr, `overlaps subnet ${other} (${hit.text}) in the same VPC`);
        }
        if (cluster) {
            const ic = networksOverlap(net, cluster.interconnect);
            if (ic) p.add(`${path}.cidr`, s.cidr, `overlaps the interconnect network ${ic.text}`);
            for (const [pool, pn] of cluster.pools) {
                const hit = networksOverlap(net, pn);
                if (hit) p.add(`${path}.cidr`, s.cidr, `overlaps EIP pool ${pool} (${hit.text})`);
            }
        }
        if (typeof s.name === "string" && !subnets.has(s.name)) subnets.set(s.name, { spec: s, net });
    });
    // With a broken subnet the VPC's extent is unknown: skip reachability checks rather than
    // bury the real problem under follow-on ones.
    const declared = new Set((spec.subnets ?? []).map((s) => s?.name));
    const vpcKnown = [...declared].every((n) => subnets.has(n));
    const inVpc = (a: Address) => !vpcKnown || [...subnets.values()].some((s) => networkContains(s.net, a));

    // Namespace routes: the next hop must be in the namespace's own subnet.
    (spec.namespaces ?? []).forEach((ns, i) => {
        const path = item("namespaces", i, ns?.name);
        if (ns?.name && !namespaceSubnet.has(ns.name) && Array.isArray(spec.subnets) && spec.subnets.length > 0) {
            p.add(`${path}`, ns.name, "is bound to no subnet; its pods would take addresses from the default subnet");
        }
        const home = subnets.get(namespaceSubnet.get(ns?.name) ?? "");
        const seen = new Set<string>();
        (ns?.routes ?? []).forEach((r, j) => {
            const rp = `${path}.routes[${j}]`;
            const gw = parseAddress(r?.gw);
            const dst = r?.dst === undefined ? undefined : parseCidr(r.dst);
            if (!gw) p.add(`${rp}.gw`, r?.gw, "is not a valid IP address");
            if (r?.dst !== undefined && !dst) p.add(`${rp}.dst`, r.dst, "is not a valid CIDR");
            else if (dst?.hostBitsSet) p.add(`${rp}.dst`, r.dst, `has host bits set; the network address is ${dst.text}`);
            if (gw && dst && gw.family !== dst.family) p.add(`${rp}.gw`, r.gw, `is ${familyName(gw.family)} but dst ${r.dst} is ${familyName(dst.family)}`);
            if (gw && home && !networkContains(home.net, gw)) p.add(`${rp}.gw`, r.gw, `is not reachable: it is outside subnet ${home.spec.name} (${home.net.cidrBlock}) that namespace ${ns.name} uses`);
            const key = dst?.text ?? `default/${gw?.family}`;
            if (seen.has(key)) p.add(`${rp}.dst`, r?.dst, "is routed twice in this namespace");
            seen.add(key);
        });
    });

    checkRoutes(p, spec, inVpc);

    // NAT gateway, EIPs and rules
    const model: TenantModel = {
        spec,
        subnets,
        namespaceSubnet,
        eipPools: cluster?.pools ?? new Map(),
        staticEips: new Map(),
        apiServerNamespaces: new Set(),
        securityGroups: [],
        peerings: [],
    };
    checkNat(p, spec, cluster, model, inVpc, room);
    checkApiServerAccess(p, spec, cluster, model);
    checkSecurityGroups(p, spec, model, namespaces, room);
    checkPeerings(p, spec, model, vpcKnown);
    checkMonitoring(p, spec, cluster, model, namespaces, vpcKnown);
    if (objectNames.natGateway(tenant).length > NAT_GATEWAY_NAME_MAX) p.add("tenant", t, `makes a NAT gateway name longer than ${NAT_GATEWAY_NAME_MAX} characters`);
    return model;
}

function checkRoutes(p: Problems, spec: TenantSpec, inVpc: (a: Address) => boolean): void {
    const seen = new Set<string>();
    (spec.staticRoutes ?? []).forEach((r, i) => {
        const path = `staticRoutes[${i}]`;
        const cidr = parseCidr(r?.cidr);
        const hop = parseAddress(r?.nextHopIP);
        if (!cidr) p.add(`${path}.cidr`, r?.cidr, "is not a valid CIDR");
        else if (cidr.hostBitsSet) p.add(`${path}.cidr`, r.cidr, `has host bits set; the network address is ${cidr.text}`);
        if (!hop) p.add(`${path}.nextHopIP`, r?.nextHopIP, "is not a valid IP address");
        else if (!inVpc(hop)) p.add(`${path}.nextHopIP`, r.nextHopIP, "is not reachable: no subnet of this tenant contains it");
        if (cidr && hop && cidr.family !== hop.family) p.add(`${path}.nextHopIP`, r.nextHopIP, `is ${familyName(hop.family)} but cidr ${r.cidr} is ${familyName(cidr.family)}`);
        const policy = r?.policy ?? RoutePolicy.Destination;
        if (!Object.values(RoutePolicy).includes(policy)) p.add(`${path}.policy`, r.policy, `must be one of ${Object.values(RoutePolicy).join(", ")}`);
        const key = `${cidr?.text}/${policy}`;
        if (cidr && seen.has(key)) p.add(`${path}.cidr`, r.cidr, "is routed twice (same cidr and policy)");
        seen.add(key);
    });
    const seenPolicy = new Set<string>();
    (spec.policyRoutes ?? []).forEach((r, i) => {
        const path = `policyRoutes[${i}]`;
        if (!Number.isInteger(r?.priority) || r.priority < 0 || r.priority > 32767) p.add(`${path}.priority`, r?.priority, "must be an integer from 0 to 32767");
        if (typeof r?.match !== "string" || r.match.trim() === "") p.add(`${path}.match`, r?.match, "must be an OVN match expression");
        if (!Object.values(PolicyRouteAction).includes(r?.action)) p.add(`${path}.action`, r?.action, `must be one of ${Object.values(PolicyRouteAction).join(", ")}`);
        if (r?.action === PolicyRouteAction.Reroute) {
            const hop = parseAddress(r.nextHopIP as string);
            if (!hop) p.add(`${path}.nextHopIP`, r.nextHopIP, "is required for reroute and must be a valid IP address");
            else if (!inVpc(hop)) p.add(`${path}.nextHopIP`, r.nextHopIP, "is not reachable: no subnet of this tenant contains it");
        } else if (r?.nextHopIP !== undefined) {
            // Kube-OVN clears it silently for allow/drop; we refuse rather than lose it.
            p.add(`${path}.nextHopIP`, r.nextHopIP, `is only used by reroute, not ${r.action}`);
        }
        const key = `${r?.priority}/${r?.match}`;
        if (seenPolicy.has(key)) p.add(`${path}.match`, r?.match, `is declared twice with priority ${r?.priority}`);
        seenPolicy.add(key);
    });
}

function checkNat(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined, model: TenantModel, inVpc: (a: Address) => boolean, room: (prefix: string) => number): void {
    const gw = spec.natGateway;
    const needsGateway = (spec.eips?.length ?? 0) + (spec.snatRules?.length ?? 0) + (spec.dnatRules?.length ?? 0) + (spec.floatingIps?.length ?? 0) > 0;
    if (!gw) {
        if (needsGateway) p.add("natGateway", gw, "is required for EIPs and NAT rules");
        return;
    }
    const home = model.subnets.get(gw.subnet);
    const declared = (spec.subnets ?? []).some((s) => s?.name === gw.subnet);
    if (!declared) p.add("natGateway.subnet", gw.subnet, "is not one of this tenant's subnets");
    const lan = parseAddress(gw.lanIp);
    if (!lan) p.add("natGateway.lanIp", gw.lanIp, "is not a valid IP address");
    else if (home) {
        if (!networkContains(home.net, lan)) p.add("natGateway.lanIp", gw.lanIp, `is outside subnet ${gw.subnet} (${home.net.cidrBlock})`);
        else if (home.net.gateways.some((g) => g.value === lan.value && g.family === lan.family)) p.add("natGateway.lanIp", gw.lanIp, `is the gateway of subnet ${gw.subnet}`);
        else model.lanIp = lan;
    }
    if (lan && gw.defaultRoute !== false) {
        const dflt = lan.family === 4 ? "0.0.0.0/0" : "::/0";
        (spec.staticRoutes ?? []).forEach((r, i) => {
            if (r?.cidr === dflt && (r.policy ?? RoutePolicy.Destination) === RoutePolicy.Destination) {
                p.add(`staticRoutes[${i}].cidr`, r.cidr, "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it yourself");
            }
        });
    }
    if (gw.interconnectIp !== undefined && cluster) {
        const a = parseAddress(gw.interconnectIp);
        const c = a && cidrOfFamily(cluster.interconnect, a.family);
        if (!a) p.add("natGateway.interconnectIp", gw.interconnectIp, "is not a valid IP address");
        else if (!c || !networkContains(cluster.interconnect, a)) p.add("natGateway.interconnectIp", gw.interconnectIp, `is outside the interconnect network ${cluster.interconnect.cidrBlock}`);
        else if (cluster.interconnect.gateways.some((g) => g.value === a.value)) p.add("natGateway.interconnectIp", gw.interconnectIp, "is the interconnect network's gateway");
        else model.interconnectIp = a;
    }
    (gw.selector ?? []).forEach((s, i) => {
        if (typeof s !== "string" || !/^[^:\s]+:\s?\S*$/.test(s)) p.add(`natGateway.selector[${i}]`, s, 'must be "key: value"');
    });

    // EIPs
    checkNames(p, "eips", spec.eips, room(""), RESERVED_EIP_NAMES);
    const pools = new Set<string>();
    const fixed = new Map<string, string>();
    (spec.eips ?? []).forEach((e, i) => {
        const path = item("eips", i, e?.name);
        const pool = cluster?.pools.get(e?.pool);
        if (!pool) {
            if (cluster) p.add(`${path}.pool`, e?.pool, `is not an EIP pool of the cluster (pools: ${[...cluster.pools.keys()].join(", ") || "none"})`);
            return;
        }
        pools.add(e.pool);
        const statics: Partial<Record<Family, Address>> = {};
        for (const [field, family] of [["v4ip", 4], ["v6ip", 6]] as const) {
            const text = e[field];
            if (text === undefined) continue;
            const a = parseAddress(text);
            const c = cidrOfFamily(pool, family);
            if (!a || a.family !== family) p.add(`${path}.${field}`, text, `is not a valid ${familyName(family)} address`);
            else if (!c) p.add(`${path}.${field}`, text, `cannot be used: pool ${e.pool} has no ${familyName(family)} range`);
            else if (!networkContains(pool, a)) p.add(`${path}.${field}`, text, `is outside pool ${e.pool} (${c.text})`);
            else if (pool.gateways.some((g) => g.value === a.value)) p.add(`${path}.${field}`, text, `is the gateway of pool ${e.pool}`);
            else if (family === 4 && c.prefix <= 30 && (a.value === c.first || a.value === c.last)) p.add(`${path}.${field}`, text, `is the network or broadcast address of ${c.text}`);
            else if (fixed.has(`${e.pool}/${a.text}`)) p.add(`${path}.${field}`, text, `is also the address of EIP ${fixed.get(`${e.pool}/${a.text}`)}`);
            else {
                fixed.set(`${e.pool}/${a.text}`, e.name);
                statics[family] = a;
            }
        }
        model.staticEips.set(e.name, statics);
    });
    if (gw.uplinkPool !== undefined) {
        if (cluster && !cluster.pools.has(gw.uplinkPool)) p.add("natGateway.uplinkPool", gw.uplinkPool, "is not an EIP pool of the cluster");
        else model.uplinkPool = gw.uplinkPool;
    } else if (pools.size > 1) {
        p.add("natGateway.uplinkPool", gw.uplinkPool, `is required: the tenant's EIPs come from several pools (${[...pools].join(", ")})`);
    } else model.uplinkPool = [...pools][0];

    checkRules(p, spec, inVpc, room);
}

function checkRules(p: Problems, spec: TenantSpec, inVpc: (a: Address) => boolean, room: (prefix: string) => number): void {
    const eips = new Set((spec.eips ?? []).map((e) => e?.name));
    const usedBy = new Map<string, string[]>();
    const use = (eip: string, rule: string) => usedBy.set(eip, [...(usedBy.get(eip) ?? []), rule]);
    const internal = (path: string, text: string) => {
        const a = parseAddress(text);
        if (!a) p.add(path, text, "is not a valid IP address");
        else if (a.family !== 4) p.add(path, text, "must be an IPv4 address (Kube-OVN's iptables NAT rules are IPv4)");
        else if (!inVpc(a)) p.add(path, text, "is outside the tenant's VPC: no subnet of this tenant contains it");
    };
    const eipRef = (path: string, eip: string) => {
        if (!eips.has(eip)) p.add(path, eip, "is not one of this tenant's EIPs");
    };

    checkNames(p, "snatRules", spec.snatRules, room("snat-"));
    (spec.snatRules ?? []).forEach((r, i) => {
        const path = item("snatRules", i, r?.name);
        eipRef(`${path}.eip`, r?.eip);
        const c = parseCidr(r?.internalCIDR);
        if (!c) p.add(`${path}.internalCIDR`, r?.internalCIDR, "is not a single valid CIDR (one per rule)");
        else if (c.hostBitsSet) p.add(`${path}.internalCIDR`, r.internalCIDR, `has host bits set; the network address is ${c.text}`);
        else if (c.family !== 4) p.add(`${path}.internalCIDR`, r.internalCIDR, "must be an IPv4 CIDR (Kube-OVN's iptables NAT rules are IPv4)");
        else if (!inVpc({ family: c.family, value: c.first, text: "" }) || !inVpc({ family: c.family, value: c.last, text: "" })) {
            p.add(`${path}.internalCIDR`, r.internalCIDR, "is outside the tenant's VPC");
        }
        use(r?.eip, `snatRules[${r?.name}]`);
    });

    checkNames(p, "dnatRules", spec.dnatRules, room("dnat-"));
    const forwarded = new Map<string, string>();
    (spec.dnatRules ?? []).forEach((r, i) => {
        const path = item("dnatRules", i, r?.name);
        eipRef(`${path}.eip`, r?.eip);
        if (!Object.values(NatProtocol).includes(r?.protocol)) p.add(`${path}.protocol`, r?.protocol, `must be one of ${Object.values(NatProtocol).join(", ")}`);
        if (!isPort(r?.externalPort)) p.add(`${path}.externalPort`, r?.externalPort, "must be a port number from 1 to 65535");
        if (!isPort(r?.internalPort)) p.add(`${path}.internalPort`, r?.internalPort, "must be a port number from 1 to 65535");
        internal(`${path}.internalIp`, r?.internalIp);
        const key = `${r?.eip}/${r?.protocol}/${r?.externalPort}`;
        if (forwarded.has(key)) p.add(`${path}.externalPort`, r.externalPort, `is already forwarded by ${forwarded.get(key)} on EIP ${r.eip}/${r.protocol}`);
        else forwarded.set(key, `dnatRules[${r?.name}]`);
        use(r?.eip, `dnatRules[${r?.name}]`);
    });

    checkNames(p, "floatingIps", spec.floatingIps, room("fip-"));
    const fipTargets = new Map<string, string>();
    (spec.floatingIps ?? []).forEach((r, i) => {
        const path = item("floatingIps", i, r?.name);
        eipRef(`${path}.eip`, r?.eip);
        internal(`${path}.internalIp`, r?.internalIp);
        if (fipTargets.has(r?.internalIp)) p.add(`${path}.internalIp`, r.internalIp, `already has floating IP ${fipTargets.get(r.internalIp)}`);
        fipTargets.set(r?.internalIp, r?.name);
        use(r?.eip, `floatingIps[${r?.name}]`);
    });
    // Upstream: an EIP bound to a FIP may not serve any other rule.
    (spec.floatingIps ?? []).forEach((r, i) => {
        const others = (usedBy.get(r?.eip) ?? []).filter((u) => u !== `floatingIps[${r?.name}]`);
        if (others.length > 0) p.add(`${item("floatingIps", i, r?.name)}.eip`, r.eip, `is also used by ${others.join(", ")}; an EIP with a floating IP serves no other rule`);
    });
}

// ---------------------------------------------------------------- access, security groups, peering

function checkApiServerAccess(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined, model: TenantModel): void {
    const flag = (path: string, v: unknown) => {
        if (v !== undefined && typeof v !== "boolean") p.add(path, v, "must be true or false");
    };
    flag("apiServerAccess", spec.apiServerAccess);
    (spec.namespaces ?? []).forEach((ns, i) => {
        flag(`${item("namespaces", i, ns?.name)}.apiServerAccess`, ns?.apiServerAccess);
        if ((ns?.apiServerAccess ?? spec.apiServerAccess) === true && typeof ns?.name === "string") model.apiServerNamespaces.add(ns.name);
    });
    if (model.apiServerNamespaces.size === 0 || !cluster) return;
    const path = spec.apiServerAccess === true ? "apiServerAccess" : `namespaces[${[...model.apiServerNamespaces][0]}].apiServerAccess`;
    const api = cluster.apiServer;
    if (!api) {
        p.add(path, true, "needs the cluster network's apiServerAccess, which the cluster does not enable");
        return;
    }
    if (api.serviceIps.length === 0) {
        p.add(path, true, "needs the kubernetes Service address, which the cluster info does not carry (pass the ClusterNetwork's info output)");
        return;
    }
    for (const [name, s] of model.subnets) {
        const hit = networksOverlap(s.net, api.net);
        if (hit) p.add(`subnets[${name}].cidr`, s.spec.cidr, `overlaps the cluster's API-server attachment range ${hit.text}`);
    }
    model.apiServer = api;
}

/** "n" or "a-b", 1 to 65535, a <= b. */
export function parsePortRange(text: unknown): [number, number] | undefined {
    const m = typeof text === "string" ? /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text) : null;
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

function checkSecurityGroups(p: Problems, spec: TenantSpec, model: TenantModel, namespaces: Set<unknown>, room: (prefix: string) => number): void {
    if (spec.securityGroups === undefined) return;
    if (!Array.isArray(spec.securityGroups)) {
        p.add("securityGroups", spec.securityGroups, "must be a list");
        return;
    }
    checkNames(p, "securityGroups", spec.securityGroups, room(""), spec.monitoring ? MONITORING_NAMES : undefined);
    const groups = new Set(spec.securityGroups.map((g) => g?.name));
    const families = new Set([...model.subnets.values()].flatMap((s) => s.net.cidrs.map((c) => c.family)));
    spec.securityGroups.forEach((g, i) => {
        const path = item("securityGroups", i, g?.name);
        if (!g || typeof g !== "object") return;
        if (!Array.isArray(g.namespaces)) p.add(`${path}.namespaces`, g.namespaces, "must be a list of the tenant's namespaces");
        (Array.isArray(g.namespaces) ? g.namespaces : []).forEach((ns, j) => {
            if (!namespaces.has(ns)) p.add(`${path}.namespaces[${j}]`, ns, "is not one of this tenant's namespaces");
        });
        if (g.allowSameGroupTraffic !== undefined && typeof g.allowSameGroupTraffic !== "boolean") p.add(`${path}.allowSameGroupTraffic`, g.allowSameGroupTraffic, "must be true or false");
        const rules = (list: "ingressRules" | "egressRules"): CheckedRule[] => {
            const out: CheckedRule[] = [];
            (g[list] ?? []).forEach((r, j) => {
                const checked = checkRule(p, `${path}.${list}[${j}]`, r, groups, families);
                if (checked) out.push(checked);
            });
            return out;
        };
        model.securityGroups.push({ spec: g, ingress: rules("ingressRules"), egress: rules("egressRules") });
    });
}

function checkRule(p: Problems, path: string, r: SecurityGroupRuleSpec, groups: Set<unknown>, families: Set<Family>): CheckedRule | undefined {
    if (!r || typeof r !== "object") {
        p.add(path, r, "must be an object");
        return undefined;
    }
    const before = p.list.length;
    if (!Number.isInteger(r.priority) || r.priority < 1 || r.priority > 16384) p.add(`${path}.priority`, r.priority, "must be an integer from 1 to 16384");
    if (!Object.values(SecurityGroupPolicy).includes(r.policy)) p.add(`${path}.policy`, r.policy, `must be one of ${Object.values(SecurityGroupPolicy).join(", ")}`);
    const protocol = r.protocol ?? SecurityGroupProtocol.All;
    if (!Object.values(SecurityGroupProtocol).includes(protocol)) p.add(`${path}.protocol`, r.protocol, `must be one of ${Object.values(SecurityGroupProtocol).join(", ")}`);
    let family: Family | undefined;
    if ((r.remoteAddress === undefined) === (r.remoteSecurityGroup === undefined)) {
        p.add(path, r, "needs exactly one of remoteAddress and remoteSecurityGroup");
    } else if (r.remoteAddress !== undefined) {
        const text = r.remoteAddress;
        const c = typeof text === "string" && text.includes("/") ? parseCidr(text) : undefined;
        const a = typeof text === "string" && !text.includes("/") ? parseAddress(text) : undefined;
        if (!c && !a) p.add(`${path}.remoteAddress`, text, "is not a valid IP address or CIDR");
        else if (c?.hostBitsSet) p.add(`${path}.remoteAddress`, text, `has host bits set; the network address is ${c.text}`);
        family = c?.family ?? a?.family;
    } else if (!groups.has(r.remoteSecurityGroup)) {
        p.add(`${path}.remoteSecurityGroup`, r.remoteSecurityGroup, "is not one of this tenant's security groups");
    }
    const named = r.ipVersion === "ipv4" ? 4 : r.ipVersion === "ipv6" ? 6 : undefined;
    if (r.ipVersion !== undefined && !named) p.add(`${path}.ipVersion`, r.ipVersion, "must be ipv4 or ipv6");
    else if (named && family && named !== family) p.add(`${path}.ipVersion`, r.ipVersion, `contradicts remoteAddress ${r.remoteAddress}`);
    family ??= named ?? (families.size === 1 ? [...families][0] : undefined);
    if (!family && r.remoteSecurityGroup !== undefined && r.ipVersion === undefined) p.add(`${path}.ipVersion`, r.ipVersion, "is required for a remoteSecurityGroup rule on a dual-stack tenant");
    let ports: [number, number] | undefined;
    if (protocol === SecurityGroupProtocol.Tcp || protocol === SecurityGroupProtocol.Udp) {
        ports = r.ports === undefined ? [1, 65535] : parsePortRange(r.ports);
        if (!ports) p.add(`${path}.ports`, r.ports, 'must be a port or a range "from-to" within 1-65535');
    } else if (r.ports !== undefined) {
        p.add(`${path}.ports`, r.ports, `only applies to tcp and udp, not ${protocol}`);
    }
    if (p.list.length > before || !family) return undefined;
    return { rule: r, ipVersion: family === 4 ? "ipv4" : "ipv6", ports };
}

/** The router address written `address/prefix`, and its link network. */
function parseInterfaceAddress(text: unknown): { address: Address; link: Cidr } | undefined {
    if (typeof text !== "string") return undefined;
    const [addr, prefix, extra] = text.split("/");
    const address = parseAddress(addr);
    const link = prefix !== undefined && extra === undefined ? parseCidr(text) : undefined;
    return address && link ? { address, link } : undefined;
}

/** The other usable address of a point-to-point link (/30, /31; /127 for IPv6). */
function peerOf(link: Cidr, local: Address): bigint | undefined {
    if (link.family === 4 && link.prefix === 30) return local.value === link.first + 1n ? link.first + 2n : link.first + 1n;
    if (link.prefix === (link.family === 4 ? 31 : 127)) return local.value === link.first ? link.last : link.first;
    return undefined;
}

/** Parses one peering half; every problem is recorded under `path`. */
export function checkPeering(p: Problems, path: string, x: VpcPeeringSpec): CheckedPeering | undefined {
    const before = p.list.length;
    const local = parseInterfaceAddress(x.localConnectIP);
    if (!local) {
        p.add(`${path}.localConnectIP`, x.localConnectIP, 'must be the router address with its prefix, e.g. "169.254.0.1/30"');
    } else if (!local.link.hostBitsSet && local.link.prefix < (local.link.family === 4 ? 31 : 127)) {
        p.add(`${path}.localConnectIP`, x.localConnectIP, "is the network address of its link; give the router's own address");
    } else if (local.link.family === 4 && local.link.prefix <= 30 && local.address.value === local.link.last) {
        p.add(`${path}.localConnectIP`, x.localConnectIP, "is the broadcast address of its link");
    }
    let remote: Address | undefined;
    if (local && x.remoteConnectIP === undefined) {
        const v = peerOf(local.link, local.address);
        if (v === undefined) p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, `is required unless the link is a /30 or /31 (here ${local.link.text})`);
        else remote = parseAddress(formatAddress(local.link.family, v));
    } else if (x.remoteConnectIP !== undefined) {
        remote = parseAddress(x.remoteConnectIP);
        if (!remote) p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, "is not a valid IP address");
        else if (local && (remote.family !== local.link.family || remote.value < local.link.first || remote.value > local.link.last)) {
            p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, `is outside the link ${local.link.text}`);
        } else if (local && remote.value === local.address.value) p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, "is the local address of the link");
    }
    const remoteCidrs: Cidr[] = [];
    if (!Array.isArray(x.remoteCidrs) || x.remoteCidrs.length === 0) p.add(`${path}.remoteCidrs`, x.remoteCidrs, "must list the other tenant's CIDRs to route through the link");
    (Array.isArray(x.remoteCidrs) ? x.remoteCidrs : []).forEach((text, j) => {
        const c = parseCidr(text);
        if (!c) p.add(`${path}.remoteCidrs[${j}]`, text, "is not a valid CIDR");
        else if (c.hostBitsSet) p.add(`${path}.remoteCidrs[${j}]`, text, `has host bits set; the network address is ${c.text}`);
        else if (local && c.family !== local.link.family) p.add(`${path}.remoteCidrs[${j}]`, text, `is ${familyName(c.family)} but the link ${local.link.text} is ${familyName(local.link.family)}`);
        else remoteCidrs.push(c);
    });
    if (p.list.length > before || !local || !remote) return undefined;
    return { spec: x, link: local.link, local: local.address, remote, remoteCidrs };
}

function checkPeerings(p: Problems, spec: TenantSpec, model: TenantModel, vpcKnown: boolean): void {
    if (spec.peerings === undefined) return;
    if (!Array.isArray(spec.peerings)) {
        p.add("peerings", spec.peerings, "must be a list");
        return;
    }
    const seen = new Set<string>();
    const userRoutes = new Set((spec.staticRoutes ?? []).filter((r) => (r?.policy ?? RoutePolicy.Destination) === RoutePolicy.Destination).map((r) => parseCidr(r?.cidr)?.text));
    const routed = new Map<string, string>();
    spec.peerings.forEach((x, i) => {
        const path = item("peerings", i, x?.tenant);
        if (!x || typeof x !== "object") return p.add(path, x, "must be an object");
        const nameProblem = dnsLabelProblem(x.tenant, TENANT_NAME_MAX);
        if (nameProblem) p.add(`${path}.tenant`, x.tenant, nameProblem);
        else if (x.tenant === spec.tenant) p.add(`${path}.tenant`, x.tenant, "is this tenant; a VPC does not peer with itself");
        else if (seen.has(x.tenant)) p.add(`${path}.tenant`, x.tenant, "is peered twice");
        seen.add(x.tenant);
        const c = checkPeering(p, path, x);
        if (!c) return;
        for (const [name, s] of model.subnets) {
            if (s.net.cidrs.some((n) => overlaps(n, c.link))) p.add(`${path}.localConnectIP`, x.localConnectIP, `overlaps subnet ${name} (${s.net.cidrBlock})`);
        }
        for (const other of model.peerings) {
            if (overlaps(other.link, c.link)) p.add(`${path}.localConnectIP`, x.localConnectIP, `shares its link with the peering with ${other.spec.tenant} (${other.link.text})`);
        }
        c.remoteCidrs.forEach((r, j) => {
            const rp = `${path}.remoteCidrs[${j}]`;
            if (vpcKnown) for (const [name, s] of model.subnets) if (s.net.cidrs.some((n) => overlaps(n, r))) p.add(rp, r.text, `overlaps this tenant's subnet ${name} (${s.net.cidrBlock})`);
            const api = model.apiServer?.net.cidrs.find((a) => overlaps(a, r));
            if (api) p.add(rp, r.text, `overlaps the cluster's API-server attachment range ${api.text}, which pods with access reach through their extra NIC`);
            if (r.prefix === 0 && spec.natGateway && spec.natGateway.defaultRoute !== false) p.add(rp, r.text, "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it here");
            else if (userRoutes.has(r.text)) p.add(rp, r.text, "is also routed by staticRoutes");
            else if (routed.has(r.text)) p.add(rp, r.text, `is also routed to ${routed.get(r.text)}`);
            routed.set(r.text, `the peering with ${x.tenant}`);
        });
        model.peerings.push(c);
    });
}

function checkMonitoring(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined, model: TenantModel, namespaces: Set<unknown>, vpcKnown: boolean): void {
    const m = spec.monitoring;
    if (m === undefined) return;
    if (!m || typeof m !== "object") return p.add("monitoring", m, "must be an object");
    const before = p.list.length;
    const nsProblem = dnsLabelProblem(m.scraperNamespace);
    if (nsProblem) p.add("monitoring.scraperNamespace", m.scraperNamespace, nsProblem);
    else if (SYSTEM_NAMESPACES.has(m.scraperNamespace)) p.add("monitoring.scraperNamespace", m.scraperNamespace, "is a system namespace; give the scraper a namespace of its own");
    else if (namespaces.has(m.scraperNamespace)) p.add("monitoring.scraperNamespace", m.scraperNamespace, "is one of this tenant's namespaces; the scraper must live outside the tenant's VPC");
    if (m.adopt !== undefined && typeof m.adopt !== "boolean") p.add("monitoring.adopt", m.adopt, "must be true or false");
    const net = parseNetwork(p, "monitoring", { cidr: m.cidr }, false);
    if (net) {
        if (vpcKnown) for (const [name, s] of model.subnets) {
            const hit = networksOverlap(net, s.net);
            if (hit) p.add("monitoring.cidr", m.cidr, `overlaps subnet ${name} (${hit.text}) in the same VPC`);
        }
        for (const x of model.peerings) if (net.cidrs.some((c) => overlaps(c, x.link))) p.add("monitoring.cidr", m.cidr, `overlaps the peering link with ${x.spec.tenant} (${x.link.text})`);
        const api = model.apiServer && networksOverlap(net, model.apiServer.net);
        if (api) p.add("monitoring.cidr", m.cidr, `overlaps the cluster's API-server attachment range ${api.text}`);
        const ranges: [string, Network | undefined][] = [["the interconnect network", cluster?.interconnect], ...[...(cluster?.pools ?? [])].map(([n, x]): [string, Network] => [`EIP pool ${n}`, x])];
        for (const [what, other] of ranges) {
            const hit = other && networksOverlap(net, other);
            if (hit) p.add("monitoring.cidr", m.cidr, `overlaps ${what} (${hit.text})`);
        }
    }
    const ports: [number, number][] = [];
    if (!Array.isArray(m.ports) || m.ports.length === 0) p.add("monitoring.ports", m.ports, "must list the metrics ports the scraper may reach");
    (Array.isArray(m.ports) ? m.ports : []).forEach((text, j) => {
        const r = parsePortRange(text);
        if (!r) p.add(`monitoring.ports[${j}]`, text, 'must be a port or a range "from-to" within 1-65535');
        else ports.push(r);
    });
    if (m.namespaces !== undefined && !Array.isArray(m.namespaces)) p.add("monitoring.namespaces", m.namespaces, "must be a list of the tenant's namespaces");
    const scraped = Array.isArray(m.namespaces) ? m.namespaces : (spec.namespaces ?? []).map((n) => n?.name);
    (Array.isArray(m.namespaces) ? m.namespaces : []).forEach((ns, j) => {
        if (!namespaces.has(ns)) p.add(`monitoring.namespaces[${j}]`, ns, "is not one of this tenant's namespaces");
    });
    if (p.list.length > before || !net) return;
    model.monitoring = { net, ports, namespaces: scraped };
}
