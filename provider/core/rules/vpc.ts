/** Rules of the tenant's Vpc: static routes, route tables, policy routes, peerings. */
import type { Problems } from "../errors";
import { type Address, type Cidr, familyName, formatAddress, overlaps, parseAddress, parseCidr } from "../net";
import { TENANT_NAME_MAX, dnsLabelProblem, namePartProblem } from "../names";
import { PolicyRouteAction, RoutePolicy, type TenantSpec, type VpcPeeringSpec } from "../spec";
import { type CheckedPeering, type CheckedSubnet, type TenantModel, item } from "../tenant-model";
import { nonCanonicalAddress, nonCanonicalCidr } from "./address-range";
import { ruleSet } from "./rule";

const VALIDATE_VPC = "pkg/util/validator.go ValidateVpc";
const VPC_CONTROLLER = "pkg/controller/vpc.go handleAddOrUpdateVpc";
/** Router policies Kube-OVN adds itself (pkg/util/const.go *PolicyPriority). */
export const RESERVED_POLICY_PRIORITIES = new Map([
  [29000, "GatewayRouterPolicyPriority"],
  [29090, "EgressGatewayDropPolicyPriority"],
  [29100, "EgressGatewayPolicyPriority"],
  [29150, "EgressGatewayLocalPolicyPriority"],
  [29250, "NorthGatewayRoutePolicyPriority"],
  [29400, "U2OSubnetPolicyPriority"],
  [29500, "OvnICPolicyPriority"],
  [30000, "NodeRouterPolicyPriority"],
  [30050, "U2OPhysicalGatewayPolicyPriority"],
  [30060, "U2OSameSubnetPolicyPriority"],
  [30100, "NodeLocalDNSPolicyPriority"],
]);
/**
 * Kube-OVN's main route table has the empty name (util.MainRouteTable); OVN treats any other string,
 * `main` included, as a table of its own, so that word would silently make a second table.
 */
export const RESERVED_ROUTE_TABLES = new Set(["main"]);

export const vpcRules = ruleSet("Vpc", {
  "vpc.staticRoutes.cidr.invalid": {
    field: "staticRoutes[].cidr",
    refuses: "a malformed CIDR (a bare address too)",
    upstream: `${VALIDATE_VPC}: a malformed one refused; a bare address accepted as a host route`,
  },
  "vpc.staticRoutes.cidr.host-bits": {
    field: "staticRoutes[].cidr",
    refuses: "host bits set; the message names the network address",
    upstream: `${VALIDATE_VPC} accepts it; pkg/ovs AddLogicalRouterStaticRoute: OVN stores it as written, the route matches by its prefix`,
  },
  "vpc.staticRoutes.cidr.not-canonical": {
    field: "staticRoutes[].cidr",
    refuses: "an IPv6 CIDR not in canonical form; the message names it",
    upstream: "accepted; OVN NB compares prefixes as text, so a second form of one route is a second route",
  },
  "vpc.staticRoutes.nextHopIP.invalid": {
    field: "staticRoutes[].nextHopIP",
    refuses: "a malformed address",
    upstream: `${VALIDATE_VPC}: refused ("invalid next hop IP")`,
  },
  "vpc.staticRoutes.nextHopIP.not-canonical": {
    field: "staticRoutes[].nextHopIP",
    refuses: "an IPv6 next hop not in canonical form; the message names it",
    upstream: "accepted and kept as written, while the controller prints its own addresses canonically",
  },
  "vpc.staticRoutes.nextHopIP.unreachable": {
    field: "staticRoutes[].nextHopIP",
    refuses: "a next hop no subnet of the tenant contains",
    upstream: "accepted; OVN has no route to the next hop and drops the traffic",
  },
  "vpc.staticRoutes.nextHopIP.family": {
    field: "staticRoutes[].nextHopIP",
    refuses: "a next hop of the other family than the cidr",
    upstream: "accepted by ValidateVpc; ovn-nbctl lr-route-add refuses it, the Vpc is left unhandled",
  },
  "vpc.staticRoutes.policy": {
    field: "staticRoutes[].policy",
    refuses: "a policy other than policyDst, policySrc",
    upstream: `${VALIDATE_VPC}: refused ("unknown policy type")`,
  },
  "vpc.staticRoutes.twice": {
    field: "staticRoutes[].cidr",
    refuses: "the same cidr and policy twice in one table",
    upstream:
      "pkg/ovs AddLogicalRouterStaticRoute: one route per table, policy and prefix; the second replaces the first",
  },
  "vpc.staticRoutes.default-route": {
    field: "staticRoutes[].cidr",
    refuses: "a default route next to the NAT gateway's own",
    upstream: `${VPC_CONTROLLER}: the two default routes replace each other (one per table, policy and prefix)`,
  },
  "vpc.routeTable.name": {
    field: "staticRoutes[].routeTable, subnets[].routeTable",
    refuses: "a table name that is not a DNS-1123 label, or main",
    upstream: "any string; the empty one is the main table and main would be a second table",
  },
  "vpc.routeTable.subnet-source-route": {
    field: "staticRoutes[].cidr",
    refuses: "a source route for a subnet's own CIDR in that subnet's table",
    upstream: `${VPC_CONTROLLER}: Kube-OVN's own source route of the subnet and ours replace each other`,
  },
  "vpc.routeTable.unrouted": {
    field: "subnets[].routeTable",
    refuses: "a subnet bound to a table no static route names",
    upstream:
      "pkg/controller/subnet.go reconcileRouteTableForSubnet: accepted, routes as the main table (a typo, most likely)",
  },
  "vpc.routeTable.unbound": {
    field: "staticRoutes[].routeTable",
    refuses: "a route in a table no subnet is bound to",
    upstream: "accepted, applies to no traffic",
  },
  "vpc.routeTable.shadowed": {
    field: "staticRoutes[].cidr",
    refuses: "a table route the main table routes first (same cidr and policy)",
    upstream: "accepted, never used (OVN looks up the main table first)",
  },
  "vpc.policyRoutes.priority.range": {
    field: "policyRoutes[].priority",
    refuses: "a priority outside 0-32767",
    upstream: "CRD schema and OVN NB Logical_Router_Policy.priority (0-32767): refused by the API server",
  },
  "vpc.policyRoutes.priority.reserved": {
    field: "policyRoutes[].priority",
    refuses: "a priority Kube-OVN gives its own router policies",
    upstream:
      "pkg/util/const.go *PolicyPriority: accepted; ours interleaves with the controller's policies of the same priority and may be deleted with them",
  },
  "vpc.policyRoutes.match": {
    field: "policyRoutes[].match",
    refuses: "an empty match",
    upstream: "pkg/ovs AddLogicalRouterPolicy: ovn-nbctl refuses an empty match; the Vpc is left unhandled",
  },
  "vpc.policyRoutes.action": {
    field: "policyRoutes[].action",
    refuses: "an action other than allow, drop, reroute",
    upstream: `${VALIDATE_VPC}: refused ("unknown policy action")`,
  },
  "vpc.policyRoutes.nextHopIP.invalid": {
    field: "policyRoutes[].nextHopIP",
    refuses: "a reroute without a valid next hop",
    upstream: `${VALIDATE_VPC}: refused ("invalid next hop ips")`,
  },
  "vpc.policyRoutes.nextHopIP.unreachable": {
    field: "policyRoutes[].nextHopIP",
    refuses: "a next hop no subnet of the tenant contains",
    upstream: "accepted; the rerouted traffic is dropped",
  },
  "vpc.policyRoutes.nextHopIP.unused": {
    field: "policyRoutes[].nextHopIP",
    refuses: "a next hop on allow or drop",
    upstream: `${VPC_CONTROLLER}: silently cleared`,
  },
  "vpc.policyRoutes.twice": {
    field: "policyRoutes[].match",
    refuses: "the same priority and match twice",
    upstream: "pkg/ovs: one policy per priority and match; the second replaces the first",
  },
  "vpc.peerings.list": {
    field: "peerings",
    refuses: "a value that is not a list of objects",
    upstream: "CRD schema (spec.vpcPeerings: array of objects): refused by the API server",
  },
  "vpc.peerings.tenant": {
    field: "peerings[].tenant",
    refuses: "a tenant name that is not one, this tenant, or one peered twice",
    upstream: `${VPC_CONTROLLER}: a peering with itself or twice with one VPC makes clashing router ports`,
  },
  "vpc.peerings.localConnectIP.invalid": {
    field: "peerings[].localConnectIP",
    refuses: "not an address with its prefix",
    upstream: `${VALIDATE_VPC} (CheckCidrs): refused`,
  },
  "vpc.peerings.localConnectIP.not-host": {
    field: "peerings[].localConnectIP",
    refuses: "the network or broadcast address of its link",
    upstream: "accepted; the router port takes an address no peer can use",
  },
  "vpc.peerings.localConnectIP.not-canonical": {
    field: "peerings[].localConnectIP",
    refuses: "an IPv6 address not in canonical form; the message names it",
    upstream: "accepted and kept as written, while the peer's routes name the canonical form",
  },
  "vpc.peerings.localConnectIP.overlap": {
    field: "peerings[].localConnectIP",
    refuses: "a link overlapping a subnet of the tenant or another peering's link",
    upstream: "accepted; the router has two connected routes for one range",
  },
  "vpc.peerings.remoteConnectIP": {
    field: "peerings[].remoteConnectIP",
    refuses: "a missing (on links wider than /30), malformed or off-link peer address, or the local one",
    upstream: "not a field upstream: it is the next hop of our static routes to the peer (see staticRoutes rules)",
  },
  "vpc.peerings.remoteCidrs.invalid": {
    field: "peerings[].remoteCidrs[]",
    refuses: "a missing list, a malformed CIDR, host bits set, or the link's other family",
    upstream: "become static routes: ValidateVpc refuses a malformed one; the rest as the staticRoutes rules",
  },
  "vpc.peerings.remoteCidrs.clash": {
    field: "peerings[].remoteCidrs[]",
    refuses: "a CIDR overlapping the tenant's own subnets or the API-server range, or routed elsewhere already",
    upstream: "accepted; one route replaces the other, or traffic meant to stay local leaves",
  },
});
const R = vpcRules;

/** Why `name` cannot name a route table, or undefined. Upstream takes any string; we keep to labels. */
function routeTableProblem(name: unknown): string | undefined {
  const problem = dnsLabelProblem(name, 63);
  if (problem) return `${problem}; omit routeTable for the main table`;
  if (RESERVED_ROUTE_TABLES.has(name as string))
    return "is not Kube-OVN's main table (that one has no name): omit routeTable for the main table";
  return undefined;
}

export function checkRoutes(
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
    if (!cidr) R.refuse(p, "vpc.staticRoutes.cidr.invalid", `${path}.cidr`, r?.cidr, "is not a valid CIDR");
    else if (cidr.hostBitsSet)
      R.refuse(
        p,
        "vpc.staticRoutes.cidr.host-bits",
        `${path}.cidr`,
        r.cidr,
        `has host bits set; the network address is ${cidr.text}`,
      );
    else if (nonCanonicalCidr(r.cidr, cidr))
      R.refuse(
        p,
        "vpc.staticRoutes.cidr.not-canonical",
        `${path}.cidr`,
        r.cidr,
        `is not in canonical form; write ${cidr.text}`,
      );
    if (!hop)
      R.refuse(p, "vpc.staticRoutes.nextHopIP.invalid", `${path}.nextHopIP`, r?.nextHopIP, "is not a valid IP address");
    else if (nonCanonicalAddress(r.nextHopIP, hop))
      R.refuse(
        p,
        "vpc.staticRoutes.nextHopIP.not-canonical",
        `${path}.nextHopIP`,
        r.nextHopIP,
        `is not in canonical form; write ${hop.text}`,
      );
    else if (!inVpc(hop))
      R.refuse(
        p,
        "vpc.staticRoutes.nextHopIP.unreachable",
        `${path}.nextHopIP`,
        r.nextHopIP,
        "is not reachable: no subnet of this tenant contains it",
      );
    if (cidr && hop && cidr.family !== hop.family)
      R.refuse(
        p,
        "vpc.staticRoutes.nextHopIP.family",
        `${path}.nextHopIP`,
        r.nextHopIP,
        `is ${familyName(hop.family)} but cidr ${r.cidr} is ${familyName(cidr.family)}`,
      );
    const policy = r?.policy ?? RoutePolicy.Destination;
    if (!Object.values(RoutePolicy).includes(policy))
      R.refuse(
        p,
        "vpc.staticRoutes.policy",
        `${path}.policy`,
        r.policy,
        `must be one of ${Object.values(RoutePolicy).join(", ")}`,
      );
    const table = typeof r?.routeTable === "string" ? r.routeTable : "";
    const key = `${table}/${cidr?.text}/${policy}`;
    if (cidr && seen.has(key))
      R.refuse(
        p,
        "vpc.staticRoutes.twice",
        `${path}.cidr`,
        r.cidr,
        `is routed twice (same cidr and policy${table ? `, route table ${table}` : ""})`,
      );
    seen.add(key);
  });
  const seenPolicy = new Set<string>();
  (spec.policyRoutes ?? []).forEach((r, i) => {
    const path = `policyRoutes[${i}]`;
    if (!Number.isInteger(r?.priority) || r.priority < 0 || r.priority > 32767)
      R.refuse(
        p,
        "vpc.policyRoutes.priority.range",
        `${path}.priority`,
        r?.priority,
        "must be an integer from 0 to 32767",
      );
    else if (RESERVED_POLICY_PRIORITIES.has(r.priority))
      R.refuse(
        p,
        "vpc.policyRoutes.priority.reserved",
        `${path}.priority`,
        r.priority,
        `is the priority Kube-OVN gives its own router policies (${RESERVED_POLICY_PRIORITIES.get(r.priority)}); pick another`,
      );
    if (typeof r?.match !== "string" || r.match.trim() === "")
      R.refuse(p, "vpc.policyRoutes.match", `${path}.match`, r?.match, "must be an OVN match expression");
    if (!Object.values(PolicyRouteAction).includes(r?.action))
      R.refuse(
        p,
        "vpc.policyRoutes.action",
        `${path}.action`,
        r?.action,
        `must be one of ${Object.values(PolicyRouteAction).join(", ")}`,
      );
    if (r?.action === PolicyRouteAction.Reroute) {
      const hop = parseAddress(r.nextHopIP as string);
      if (!hop)
        R.refuse(
          p,
          "vpc.policyRoutes.nextHopIP.invalid",
          `${path}.nextHopIP`,
          r.nextHopIP,
          "is required for reroute and must be a valid IP address",
        );
      else if (!inVpc(hop))
        R.refuse(
          p,
          "vpc.policyRoutes.nextHopIP.unreachable",
          `${path}.nextHopIP`,
          r.nextHopIP,
          "is not reachable: no subnet of this tenant contains it",
        );
    } else if (r?.nextHopIP !== undefined) {
      // Kube-OVN clears it silently for allow/drop; we refuse rather than lose it.
      R.refuse(
        p,
        "vpc.policyRoutes.nextHopIP.unused",
        `${path}.nextHopIP`,
        r.nextHopIP,
        `is only used by reroute, not ${r.action}`,
      );
    }
    const key = `${r?.priority}/${r?.match}`;
    if (seenPolicy.has(key))
      R.refuse(
        p,
        "vpc.policyRoutes.twice",
        `${path}.match`,
        r?.match,
        `is declared twice with priority ${r?.priority}`,
      );
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
      R.refuse(
        p,
        "vpc.routeTable.subnet-source-route",
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
    if (problem) R.refuse(p, "vpc.routeTable.name", `staticRoutes[${i}].routeTable`, r.routeTable, problem);
    else routed.add(r.routeTable);
  });
  const bound = new Set<string>();
  (spec.subnets ?? []).forEach((s, i) => {
    if (s?.routeTable === undefined) return;
    const path = `${item("subnets", i, s.name)}.routeTable`;
    const problem = routeTableProblem(s.routeTable);
    if (problem) R.refuse(p, "vpc.routeTable.name", path, s.routeTable, problem);
    else {
      bound.add(s.routeTable);
      if (!routed.has(s.routeTable))
        R.refuse(
          p,
          "vpc.routeTable.unrouted",
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
      R.refuse(
        p,
        "vpc.routeTable.unbound",
        `${path}.routeTable`,
        r.routeTable,
        "is the route table of no subnet (subnets[].routeTable); the route would apply to no traffic",
      );
    const cidr = parseCidr(r.cidr);
    const shadow = cidr ? main.get(`${cidr.text}/${r.policy ?? RoutePolicy.Destination}`) : undefined;
    if (shadow !== undefined)
      R.refuse(
        p,
        "vpc.routeTable.shadowed",
        `${path}.cidr`,
        r.cidr,
        `is also routed by ${shadow} in the main table, which OVN looks up first: this route would never be used`,
      );
  });
}

/** The NAT gateway's default route against the tenant's own static routes (vpc.staticRoutes.default-route). */
export function checkDefaultRouteClash(p: Problems, spec: TenantSpec, family: 4 | 6): void {
  const dflt = family === 4 ? "0.0.0.0/0" : "::/0";
  (spec.staticRoutes ?? []).forEach((r, i) => {
    if (r?.cidr === dflt && (r.policy ?? RoutePolicy.Destination) === RoutePolicy.Destination) {
      R.refuse(
        p,
        "vpc.staticRoutes.default-route",
        `staticRoutes[${i}].cidr`,
        r.cidr,
        r.routeTable === undefined
          ? "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it yourself"
          : `is also routed by the NAT gateway's default route in the main table, which OVN looks up first: the route in table ${r.routeTable} would never be used; set natGateway.defaultRoute to false to route it yourself`,
      );
    }
  });
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
  if (link.family === 4 && link.prefix === 30)
    return local.value === link.first + 1n ? link.first + 2n : link.first + 1n;
  if (link.prefix === (link.family === 4 ? 31 : 127)) return local.value === link.first ? link.last : link.first;
  return undefined;
}

/** Parses one peering half; every problem is recorded under `path`. */
export function checkPeering(p: Problems, path: string, x: VpcPeeringSpec): CheckedPeering | undefined {
  const before = p.list.length;
  const local = parseInterfaceAddress(x.localConnectIP);
  const at = `${path}.localConnectIP`;
  if (!local) {
    R.refuse(
      p,
      "vpc.peerings.localConnectIP.invalid",
      at,
      x.localConnectIP,
      'must be the router address with its prefix, e.g. "169.254.0.1/30"',
    );
  } else if (!local.link.hostBitsSet && local.link.prefix < (local.link.family === 4 ? 31 : 127)) {
    R.refuse(
      p,
      "vpc.peerings.localConnectIP.not-host",
      at,
      x.localConnectIP,
      "is the network address of its link; give the router's own address",
    );
  } else if (local.link.family === 4 && local.link.prefix <= 30 && local.address.value === local.link.last) {
    R.refuse(p, "vpc.peerings.localConnectIP.not-host", at, x.localConnectIP, "is the broadcast address of its link");
  } else if (nonCanonicalAddress(x.localConnectIP.split("/")[0], local.address)) {
    R.refuse(
      p,
      "vpc.peerings.localConnectIP.not-canonical",
      at,
      x.localConnectIP,
      `is not in canonical form; write ${local.address.text}/${local.link.prefix}`,
    );
  }
  let remote: Address | undefined;
  const rat = `${path}.remoteConnectIP`;
  if (local && x.remoteConnectIP === undefined) {
    const v = peerOf(local.link, local.address);
    if (v === undefined)
      R.refuse(
        p,
        "vpc.peerings.remoteConnectIP",
        rat,
        x.remoteConnectIP,
        `is required unless the link is a /30 or /31 (here ${local.link.text})`,
      );
    else remote = parseAddress(formatAddress(local.link.family, v));
  } else if (x.remoteConnectIP !== undefined) {
    remote = parseAddress(x.remoteConnectIP);
    if (!remote) R.refuse(p, "vpc.peerings.remoteConnectIP", rat, x.remoteConnectIP, "is not a valid IP address");
    else if (
      local &&
      (remote.family !== local.link.family || remote.value < local.link.first || remote.value > local.link.last)
    ) {
      R.refuse(p, "vpc.peerings.remoteConnectIP", rat, x.remoteConnectIP, `is outside the link ${local.link.text}`);
    } else if (local && remote.value === local.address.value)
      R.refuse(p, "vpc.peerings.remoteConnectIP", rat, x.remoteConnectIP, "is the local address of the link");
  }
  const remoteCidrs: Cidr[] = [];
  if (!Array.isArray(x.remoteCidrs) || x.remoteCidrs.length === 0)
    R.refuse(
      p,
      "vpc.peerings.remoteCidrs.invalid",
      `${path}.remoteCidrs`,
      x.remoteCidrs,
      "must list the other tenant's CIDRs to route through the link",
    );
  (Array.isArray(x.remoteCidrs) ? x.remoteCidrs : []).forEach((text, j) => {
    const c = parseCidr(text);
    const cat = `${path}.remoteCidrs[${j}]`;
    if (!c) R.refuse(p, "vpc.peerings.remoteCidrs.invalid", cat, text, "is not a valid CIDR");
    else if (c.hostBitsSet)
      R.refuse(p, "vpc.peerings.remoteCidrs.invalid", cat, text, `has host bits set; the network address is ${c.text}`);
    else if (local && c.family !== local.link.family)
      R.refuse(
        p,
        "vpc.peerings.remoteCidrs.invalid",
        cat,
        text,
        `is ${familyName(c.family)} but the link ${local.link.text} is ${familyName(local.link.family)}`,
      );
    else remoteCidrs.push(c);
  });
  if (p.list.length > before || !local || !remote) return undefined;
  return { spec: x, link: local.link, local: local.address, remote, remoteCidrs };
}

export function checkPeerings(p: Problems, spec: TenantSpec, model: TenantModel, vpcKnown: boolean): void {
  if (spec.peerings === undefined) return;
  if (!Array.isArray(spec.peerings)) {
    R.refuse(p, "vpc.peerings.list", "peerings", spec.peerings, "must be a list");
    return;
  }
  const seen = new Set<string>();
  const userRoutes = new Set(
    (spec.staticRoutes ?? [])
      .filter((r) => (r?.policy ?? RoutePolicy.Destination) === RoutePolicy.Destination)
      .map((r) => parseCidr(r?.cidr)?.text),
  );
  const routed = new Map<string, string>();
  spec.peerings.forEach((x, i) => {
    const path = item("peerings", i, x?.tenant);
    if (!x || typeof x !== "object") {
      R.refuse(p, "vpc.peerings.list", path, x, "must be an object");
      return;
    }
    const nameProblem = namePartProblem(x.tenant, TENANT_NAME_MAX);
    if (nameProblem) R.refuse(p, "vpc.peerings.tenant", `${path}.tenant`, x.tenant, nameProblem);
    else if (x.tenant === spec.tenant)
      R.refuse(p, "vpc.peerings.tenant", `${path}.tenant`, x.tenant, "is this tenant; a VPC does not peer with itself");
    else if (seen.has(x.tenant)) R.refuse(p, "vpc.peerings.tenant", `${path}.tenant`, x.tenant, "is peered twice");
    seen.add(x.tenant);
    const c = checkPeering(p, path, x);
    if (!c) return;
    const at = `${path}.localConnectIP`;
    for (const [name, s] of model.subnets) {
      if (s.net.cidrs.some((n) => overlaps(n, c.link)))
        R.refuse(
          p,
          "vpc.peerings.localConnectIP.overlap",
          at,
          x.localConnectIP,
          `overlaps subnet ${name} (${s.net.cidrBlock})`,
        );
    }
    for (const other of model.peerings) {
      if (overlaps(other.link, c.link))
        R.refuse(
          p,
          "vpc.peerings.localConnectIP.overlap",
          at,
          x.localConnectIP,
          `shares its link with the peering with ${other.spec.tenant} (${other.link.text})`,
        );
    }
    c.remoteCidrs.forEach((r, j) => {
      const rp = `${path}.remoteCidrs[${j}]`;
      const clash = (message: string) => R.refuse(p, "vpc.peerings.remoteCidrs.clash", rp, r.text, message);
      if (vpcKnown)
        for (const [name, s] of model.subnets)
          if (s.net.cidrs.some((n) => overlaps(n, r)))
            clash(`overlaps this tenant's subnet ${name} (${s.net.cidrBlock})`);
      const api = model.apiServer?.net.cidrs.find((a) => overlaps(a, r));
      if (api)
        clash(
          `overlaps the cluster's API-server attachment range ${api.text}, which pods with access reach through their extra NIC`,
        );
      if (r.prefix === 0 && spec.natGateway && spec.natGateway.defaultRoute !== false)
        clash("clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it here");
      else if (userRoutes.has(r.text)) clash("is also routed by staticRoutes");
      else if (routed.has(r.text)) clash(`is also routed to ${routed.get(r.text)}`);
      routed.set(r.text, `the peering with ${x.tenant}`);
    });
    model.peerings.push(c);
  });
}
