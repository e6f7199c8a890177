/** Validation of one tenant against the cluster facts. Every problem names its field and value. */
import type { ClusterFacts } from "./cluster";
import type { Problems } from "./errors";
import { type Address, type Family, familyName, parseAddress, parseCidr } from "./net";
import {
  RESERVED_VPCS,
  TENANT_NAME_MAX,
  namePartProblem,
  objectNameProblem,
  objectNames,
  reservedNames,
} from "./names";
import { cidrOfFamily, networkContains, networksOverlap, parseNetwork } from "./network";
import { NatProtocol, PolicyRouteAction, RoutePolicy, type TenantSpec } from "./spec";
import { checkApiServerAccess, checkMonitoring, checkPeerings, checkSecurityGroups } from "./tenant-check-access";
import {
  type CheckedSubnet,
  type ListNaming,
  type Naming,
  SYSTEM_NAMESPACES,
  type TenantModel,
  checkNames,
  isPort,
  item,
  routeTableProblem,
} from "./tenant-model";
export function checkTenant(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined): TenantModel | undefined {
  if (!spec || typeof spec !== "object") {
    p.add("tenant", spec, "must be an object");
    return undefined;
  }
  const t = spec.tenant;
  const tenantProblem = namePartProblem(t, TENANT_NAME_MAX);
  if (tenantProblem) p.add("tenant", t, tenantProblem);
  else if (RESERVED_VPCS.has(t)) p.add("tenant", t, "is the name of Kube-OVN's default VPC");
  const tenant = tenantProblem ? "x" : t;
  // Each list's names are checked on the cluster names they make (provider/core/names.ts).
  const naming = (kind: string, name: (tenant: string, own: string) => string): ListNaming => ({
    kind,
    name: (own) => name(tenant, own),
  });

  // Namespaces
  if (!Array.isArray(spec.namespaces)) p.add("namespaces", spec.namespaces, "must be a list (possibly empty)");
  checkNames(p, "namespaces", spec.namespaces, 63, SYSTEM_NAMESPACES);
  const namespaces = new Set((spec.namespaces ?? []).map((n) => n?.name));

  // Subnets
  const subnets = new Map<string, CheckedSubnet>();
  const namespaceSubnet = new Map<string, string>();
  if (!Array.isArray(spec.subnets) || spec.subnets.length === 0)
    p.add("subnets", spec.subnets, "must list at least one subnet");
  checkNames(
    p,
    "subnets",
    spec.subnets,
    naming("Subnet", objectNames.subnet),
    reservedNames("subnets", !!spec.monitoring),
  );
  (spec.subnets ?? []).forEach((s, i) => {
    const path = item("subnets", i, s?.name);
    if (!s || typeof s !== "object") return;
    const net = parseNetwork(p, path, s, false);
    if (!Array.isArray(s.namespaces))
      p.add(`${path}.namespaces`, s.namespaces, "must be a list of the tenant's namespaces");
    (s.namespaces ?? []).forEach((ns, j) => {
      if (!namespaces.has(ns)) {
        p.add(`${path}.namespaces[${j}]`, ns, "is not one of this tenant's namespaces (declare it under namespaces)");
      } else if (namespaceSubnet.has(ns)) {
        p.add(
          `${path}.namespaces[${j}]`,
          ns,
          `is already bound to subnet ${namespaceSubnet.get(ns)}; a namespace takes addresses from one subnet`,
        );
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
      if (gw && dst && gw.family !== dst.family)
        p.add(`${rp}.gw`, r.gw, `is ${familyName(gw.family)} but dst ${r.dst} is ${familyName(dst.family)}`);
      if (gw && home && !networkContains(home.net, gw))
        p.add(
          `${rp}.gw`,
          r.gw,
          `is not reachable: it is outside subnet ${home.spec.name} (${home.net.cidrBlock}) that namespace ${ns.name} uses`,
        );
      const key = dst?.text ?? `default/${gw?.family}`;
      if (seen.has(key)) p.add(`${rp}.dst`, r?.dst, "is routed twice in this namespace");
      seen.add(key);
    });
  });

  checkRoutes(p, spec, inVpc, subnets);

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
  checkNat(p, spec, cluster, model, inVpc, naming);
  checkApiServerAccess(p, spec, cluster, model);
  checkSecurityGroups(p, spec, model, namespaces, naming);
  checkPeerings(p, spec, model, vpcKnown);
  checkMonitoring(p, spec, cluster, model, namespaces, vpcKnown);
  if (!tenantProblem)
    for (const [kind, name] of [
      ["Vpc", objectNames.vpc(t)],
      ["VpcNatGateway", objectNames.natGateway(t)],
      ["IptablesEIP", objectNames.interconnectEip(t)],
    ]) {
      const problem = objectNameProblem(kind, name);
      if (problem) p.add("tenant", t, problem);
    }
  return model;
}

function checkRoutes(
  p: Problems,
  spec: TenantSpec,
  inVpc: (a: Address) => boolean,
  subnets: Map<string, CheckedSubnet>,
): void {
  checkRouteTables(p, spec, subnets);
  const seen = new Set<string>();
  (spec.staticRoutes ?? []).forEach((r, i) => {
    const path = `staticRoutes[${i}]`;
    const cidr = parseCidr(r?.cidr);
    const hop = parseAddress(r?.nextHopIP);
    if (!cidr) p.add(`${path}.cidr`, r?.cidr, "is not a valid CIDR");
    else if (cidr.hostBitsSet) p.add(`${path}.cidr`, r.cidr, `has host bits set; the network address is ${cidr.text}`);
    if (!hop) p.add(`${path}.nextHopIP`, r?.nextHopIP, "is not a valid IP address");
    else if (!inVpc(hop))
      p.add(`${path}.nextHopIP`, r.nextHopIP, "is not reachable: no subnet of this tenant contains it");
    if (cidr && hop && cidr.family !== hop.family)
      p.add(
        `${path}.nextHopIP`,
        r.nextHopIP,
        `is ${familyName(hop.family)} but cidr ${r.cidr} is ${familyName(cidr.family)}`,
      );
    const policy = r?.policy ?? RoutePolicy.Destination;
    if (!Object.values(RoutePolicy).includes(policy))
      p.add(`${path}.policy`, r.policy, `must be one of ${Object.values(RoutePolicy).join(", ")}`);
    const table = typeof r?.routeTable === "string" ? r.routeTable : "";
    const key = `${table}/${cidr?.text}/${policy}`;
    if (cidr && seen.has(key))
      p.add(`${path}.cidr`, r.cidr, `is routed twice (same cidr and policy${table ? `, route table ${table}` : ""})`);
    seen.add(key);
  });
  const seenPolicy = new Set<string>();
  (spec.policyRoutes ?? []).forEach((r, i) => {
    const path = `policyRoutes[${i}]`;
    if (!Number.isInteger(r?.priority) || r.priority < 0 || r.priority > 32767)
      p.add(`${path}.priority`, r?.priority, "must be an integer from 0 to 32767");
    if (typeof r?.match !== "string" || r.match.trim() === "")
      p.add(`${path}.match`, r?.match, "must be an OVN match expression");
    if (!Object.values(PolicyRouteAction).includes(r?.action))
      p.add(`${path}.action`, r?.action, `must be one of ${Object.values(PolicyRouteAction).join(", ")}`);
    if (r?.action === PolicyRouteAction.Reroute) {
      const hop = parseAddress(r.nextHopIP as string);
      if (!hop) p.add(`${path}.nextHopIP`, r.nextHopIP, "is required for reroute and must be a valid IP address");
      else if (!inVpc(hop))
        p.add(`${path}.nextHopIP`, r.nextHopIP, "is not reachable: no subnet of this tenant contains it");
    } else if (r?.nextHopIP !== undefined) {
      // Kube-OVN clears it silently for allow/drop; we refuse rather than lose it.
      p.add(`${path}.nextHopIP`, r.nextHopIP, `is only used by reroute, not ${r.action}`);
    }
    const key = `${r?.priority}/${r?.match}`;
    if (seenPolicy.has(key)) p.add(`${path}.match`, r?.match, `is declared twice with priority ${r?.priority}`);
    seenPolicy.add(key);
  });
}

/**
 * Route tables: names, and both ends of every table present. OVN routes a packet with the table of
 * the router port it entered by (the subnet's `routeTable`), after the main table: a table no subnet
 * is bound to routes nothing, a subnet bound to a table without routes routes as if unbound (a typo,
 * most likely), and a table route with the cidr and policy of a main-table route never wins.
 */
function checkRouteTables(p: Problems, spec: TenantSpec, subnets: Map<string, CheckedSubnet>): void {
  // Kube-OVN keeps a source route `<subnet cidr> via <subnet gateway>` in each subnet's table
  // (pkg/controller/vpc.go handleAddOrUpdateVpc) and one route per table, policy and prefix
  // (pkg/ovs AddLogicalRouterStaticRoute): ours for the same source and its would replace each other.
  const own = new Map<string, string>();
  for (const [name, s] of subnets) for (const c of s.net.cidrs) own.set(`${s.spec.routeTable ?? ""}/${c.text}`, name);
  (spec.staticRoutes ?? []).forEach((r, i) => {
    if ((r?.policy ?? RoutePolicy.Destination) !== RoutePolicy.Source) return;
    const cidr = parseCidr(r.cidr);
    const table = typeof r.routeTable === "string" ? r.routeTable : "";
    const subnet = cidr && own.get(`${table}/${cidr.text}`);
    if (subnet)
      p.add(
        `staticRoutes[${i}].cidr`,
        r.cidr,
        `is the CIDR of subnet ${subnet}, whose own source route via its gateway Kube-OVN keeps in ${table ? `route table ${table}` : "the main table"}; Kube-OVN holds one route per table, policy and prefix, so one would replace the other: route a narrower source range (a longer prefix) instead`,
      );
  });
  const routed = new Set<string>();
  // Main-table routes by cidr and policy, said as what routes them.
  const main = new Map<string, string>();
  for (const [name, s] of subnets)
    if (s.spec.routeTable === undefined)
      for (const c of s.net.cidrs)
        main.set(`${c.text}/${RoutePolicy.Source}`, `Kube-OVN's own source route of subnet ${name}`);
  (spec.staticRoutes ?? []).forEach((r, i) => {
    if (r?.routeTable === undefined) {
      const cidr = parseCidr(r?.cidr);
      const key = `${cidr?.text}/${r.policy ?? RoutePolicy.Destination}`;
      if (cidr && !main.has(key)) main.set(key, `staticRoutes[${i}]`);
      return;
    }
    const problem = routeTableProblem(r.routeTable);
    if (problem) p.add(`staticRoutes[${i}].routeTable`, r.routeTable, problem);
    else routed.add(r.routeTable);
  });
  const bound = new Set<string>();
  (spec.subnets ?? []).forEach((s, i) => {
    if (s?.routeTable === undefined) return;
    const path = `${item("subnets", i, s.name)}.routeTable`;
    const problem = routeTableProblem(s.routeTable);
    if (problem) p.add(path, s.routeTable, problem);
    else {
      bound.add(s.routeTable);
      if (!routed.has(s.routeTable))
        p.add(
          path,
          s.routeTable,
          `is named by no static route (staticRoutes[].routeTable${routed.size ? `: ${[...routed].sort().join(", ")}` : ""}); the subnet would route with the main table alone`,
        );
    }
  });
  (spec.staticRoutes ?? []).forEach((r, i) => {
    if (typeof r?.routeTable !== "string" || !routed.has(r.routeTable)) return;
    const path = `staticRoutes[${i}]`;
    if (!bound.has(r.routeTable))
      p.add(
        `${path}.routeTable`,
        r.routeTable,
        "is the route table of no subnet (subnets[].routeTable); the route would apply to no traffic",
      );
    const cidr = parseCidr(r.cidr);
    const shadow = cidr ? main.get(`${cidr.text}/${r.policy ?? RoutePolicy.Destination}`) : undefined;
    if (shadow !== undefined)
      p.add(
        `${path}.cidr`,
        r.cidr,
        `is also routed by ${shadow} in the main table, which OVN looks up first: this route would never be used`,
      );
  });
}

function checkNat(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
  inVpc: (a: Address) => boolean,
  naming: Naming,
): void {
  const gw = spec.natGateway;
  const needsGateway =
    (spec.eips?.length ?? 0) +
      (spec.snatRules?.length ?? 0) +
      (spec.dnatRules?.length ?? 0) +
      (spec.floatingIps?.length ?? 0) >
    0;
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
    if (!networkContains(home.net, lan))
      p.add("natGateway.lanIp", gw.lanIp, `is outside subnet ${gw.subnet} (${home.net.cidrBlock})`);
    else if (home.net.gateways.some((g) => g.value === lan.value && g.family === lan.family))
      p.add("natGateway.lanIp", gw.lanIp, `is the gateway of subnet ${gw.subnet}`);
    else model.lanIp = lan;
  }
  if (lan && gw.defaultRoute !== false) {
    const dflt = lan.family === 4 ? "0.0.0.0/0" : "::/0";
    (spec.staticRoutes ?? []).forEach((r, i) => {
      if (r?.cidr === dflt && (r.policy ?? RoutePolicy.Destination) === RoutePolicy.Destination) {
        p.add(
          `staticRoutes[${i}].cidr`,
          r.cidr,
          r.routeTable === undefined
            ? "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it yourself"
            : `is also routed by the NAT gateway's default route in the main table, which OVN looks up first: the route in table ${r.routeTable} would never be used; set natGateway.defaultRoute to false to route it yourself`,
        );
      }
    });
  }
  if (gw.interconnectIp !== undefined && cluster) {
    const a = parseAddress(gw.interconnectIp);
    const c = a && cidrOfFamily(cluster.interconnect, a.family);
    if (!a) p.add("natGateway.interconnectIp", gw.interconnectIp, "is not a valid IP address");
    else if (!c || !networkContains(cluster.interconnect, a))
      p.add(
        "natGateway.interconnectIp",
        gw.interconnectIp,
        `is outside the interconnect network ${cluster.interconnect.cidrBlock}`,
      );
    else if (cluster.interconnect.gateways.some((g) => g.value === a.value))
      p.add("natGateway.interconnectIp", gw.interconnectIp, "is the interconnect network's gateway");
    else model.interconnectIp = a;
  }
  (gw.selector ?? []).forEach((s, i) => {
    if (typeof s !== "string" || !/^[^:\s]+:\s?\S*$/.test(s))
      p.add(`natGateway.selector[${i}]`, s, 'must be "key: value"');
  });

  // EIPs
  checkNames(p, "eips", spec.eips, naming("IptablesEIP", objectNames.eip), reservedNames("eips", false));
  const fixed = new Map<string, string>();
  (spec.eips ?? []).forEach((e, i) => {
    const path = item("eips", i, e?.name);
    const pool = cluster?.pools.get(e?.pool);
    if (!pool) {
      if (cluster)
        p.add(
          `${path}.pool`,
          e?.pool,
          `is not an EIP pool of the cluster (pools: ${[...cluster.pools.keys()].join(", ") || "none"})`,
        );
      return;
    }
    const statics: Partial<Record<Family, Address>> = {};
    for (const [field, family] of [
      ["v4ip", 4],
      ["v6ip", 6],
    ] as const) {
      const text = e[field];
      if (text === undefined) continue;
      const a = parseAddress(text);
      const c = cidrOfFamily(pool, family);
      if (!a || a.family !== family) p.add(`${path}.${field}`, text, `is not a valid ${familyName(family)} address`);
      else if (!c) p.add(`${path}.${field}`, text, `cannot be used: pool ${e.pool} has no ${familyName(family)} range`);
      else if (!networkContains(pool, a)) p.add(`${path}.${field}`, text, `is outside pool ${e.pool} (${c.text})`);
      else if (pool.gateways.some((g) => g.value === a.value))
        p.add(`${path}.${field}`, text, `is the gateway of pool ${e.pool}`);
      else if (family === 4 && c.prefix <= 30 && (a.value === c.first || a.value === c.last))
        p.add(`${path}.${field}`, text, `is the network or broadcast address of ${c.text}`);
      else if (fixed.has(`${e.pool}/${a.text}`))
        p.add(`${path}.${field}`, text, `is also the address of EIP ${fixed.get(`${e.pool}/${a.text}`)}`);
      else {
        fixed.set(`${e.pool}/${a.text}`, e.name);
        statics[family] = a;
      }
    }
    model.staticEips.set(e.name, statics);
  });

  checkRules(p, spec, inVpc, naming);
}

function checkRules(p: Problems, spec: TenantSpec, inVpc: (a: Address) => boolean, naming: Naming): void {
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

  checkNames(p, "snatRules", spec.snatRules, naming("IptablesSnatRule", objectNames.snat));
  (spec.snatRules ?? []).forEach((r, i) => {
    const path = item("snatRules", i, r?.name);
    eipRef(`${path}.eip`, r?.eip);
    const c = parseCidr(r?.internalCIDR);
    if (!c) p.add(`${path}.internalCIDR`, r?.internalCIDR, "is not a single valid CIDR (one per rule)");
    else if (c.hostBitsSet)
      p.add(`${path}.internalCIDR`, r.internalCIDR, `has host bits set; the network address is ${c.text}`);
    else if (c.family !== 4)
      p.add(`${path}.internalCIDR`, r.internalCIDR, "must be an IPv4 CIDR (Kube-OVN's iptables NAT rules are IPv4)");
    else if (
      !inVpc({ family: c.family, value: c.first, text: "" }) ||
      !inVpc({ family: c.family, value: c.last, text: "" })
    ) {
      p.add(`${path}.internalCIDR`, r.internalCIDR, "is outside the tenant's VPC");
    }
    use(r?.eip, `snatRules[${r?.name}]`);
  });

  checkNames(p, "dnatRules", spec.dnatRules, naming("IptablesDnatRule", objectNames.dnat));
  const forwarded = new Map<string, string>();
  (spec.dnatRules ?? []).forEach((r, i) => {
    const path = item("dnatRules", i, r?.name);
    eipRef(`${path}.eip`, r?.eip);
    if (!Object.values(NatProtocol).includes(r?.protocol))
      p.add(`${path}.protocol`, r?.protocol, `must be one of ${Object.values(NatProtocol).join(", ")}`);
    if (!isPort(r?.externalPort))
      p.add(`${path}.externalPort`, r?.externalPort, "must be a port number from 1 to 65535");
    if (!isPort(r?.internalPort))
      p.add(`${path}.internalPort`, r?.internalPort, "must be a port number from 1 to 65535");
    internal(`${path}.internalIp`, r?.internalIp);
    const key = `${r?.eip}/${r?.protocol}/${r?.externalPort}`;
    if (forwarded.has(key))
      p.add(
        `${path}.externalPort`,
        r.externalPort,
        `is already forwarded by ${forwarded.get(key)} on EIP ${r.eip}/${r.protocol}`,
      );
    else forwarded.set(key, `dnatRules[${r?.name}]`);
    use(r?.eip, `dnatRules[${r?.name}]`);
  });

  checkNames(p, "floatingIps", spec.floatingIps, naming("IptablesFIPRule", objectNames.fip));
  const fipTargets = new Map<string, string>();
  (spec.floatingIps ?? []).forEach((r, i) => {
    const path = item("floatingIps", i, r?.name);
    eipRef(`${path}.eip`, r?.eip);
    internal(`${path}.internalIp`, r?.internalIp);
    if (fipTargets.has(r?.internalIp))
      p.add(`${path}.internalIp`, r.internalIp, `already has floating IP ${fipTargets.get(r.internalIp)}`);
    fipTargets.set(r?.internalIp, r?.name);
    use(r?.eip, `floatingIps[${r?.name}]`);
  });
  // Upstream: an EIP bound to a FIP may not serve any other rule.
  (spec.floatingIps ?? []).forEach((r, i) => {
    const others = (usedBy.get(r?.eip) ?? []).filter((u) => u !== `floatingIps[${r?.name}]`);
    if (others.length > 0)
      p.add(
        `${item("floatingIps", i, r?.name)}.eip`,
        r.eip,
        `is also used by ${others.join(", ")}; an EIP with a floating IP serves no other rule`,
      );
  });
}
