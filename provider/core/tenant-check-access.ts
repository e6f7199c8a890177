/** Tenant validation of what reaches beyond the VPC: API-server access, security groups, peerings, monitoring. */
import type { ClusterFacts } from "./cluster";
import type { Problems } from "./errors";
import {
  type Address,
  type Cidr,
  type Family,
  familyName,
  formatAddress,
  overlaps,
  parseAddress,
  parseCidr,
} from "./net";
import { TENANT_NAME_MAX, dnsLabelProblem, namePartProblem, objectNames, reservedNames } from "./names";
import { type Network, networksOverlap, parseNetwork } from "./network";
import { podSelectorProblems } from "./pod-selector";
import {
  RoutePolicy,
  SecurityGroupPolicy,
  SecurityGroupProtocol,
  type SecurityGroupRuleSpec,
  type TenantSpec,
  type VpcPeeringSpec,
} from "./spec";
import {
  type CheckedPeering,
  type CheckedRule,
  type Naming,
  SYSTEM_NAMESPACES,
  type TenantModel,
  checkNames,
  item,
} from "./tenant-model";

export function checkApiServerAccess(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
): void {
  const flag = (path: string, v: unknown) => {
    if (v !== undefined && typeof v !== "boolean") p.add(path, v, "must be true or false");
  };
  flag("apiServerAccess", spec.apiServerAccess);
  checkPodSelector(p, "apiServerAccessPodSelector", spec.apiServerAccessPodSelector);
  (spec.namespaces ?? []).forEach((ns, i) => {
    flag(`${item("namespaces", i, ns?.name)}.apiServerAccess`, ns?.apiServerAccess);
    const selector = `${item("namespaces", i, ns?.name)}.apiServerAccessPodSelector`;
    checkPodSelector(p, selector, ns?.apiServerAccessPodSelector);
    const access = (ns?.apiServerAccess ?? spec.apiServerAccess) === true;
    // A selector that selects for nothing is a mistake, not something to ignore.
    if (ns?.apiServerAccessPodSelector !== undefined && !access)
      p.add(selector, ns.apiServerAccessPodSelector, "needs apiServerAccess on this namespace (or the tenant)");
    if (access && typeof ns?.name === "string") model.apiServerNamespaces.add(ns.name);
  });
  if (spec.apiServerAccessPodSelector !== undefined && model.apiServerNamespaces.size === 0)
    p.add(
      "apiServerAccessPodSelector",
      spec.apiServerAccessPodSelector,
      "needs apiServerAccess on the tenant or one of its namespaces",
    );
  if (model.apiServerNamespaces.size === 0 || !cluster) return;
  const path =
    spec.apiServerAccess === true
      ? "apiServerAccess"
      : `namespaces[${[...model.apiServerNamespaces][0]}].apiServerAccess`;
  const api = cluster.apiServer;
  if (!api) {
    p.add(path, true, "needs the cluster network's apiServerAccess, which the cluster does not enable");
    return;
  }
  if (api.serviceIps.length === 0) {
    p.add(
      path,
      true,
      "needs the kubernetes Service address, which the cluster info does not carry (pass the ClusterNetwork's info output)",
    );
    return;
  }
  for (const [name, s] of model.subnets) {
    const hit = networksOverlap(s.net, api.net);
    if (hit)
      p.add(`subnets[${name}].cidr`, s.spec.cidr, `overlaps the cluster's API-server attachment range ${hit.text}`);
  }
  model.apiServer = api;
}

/** A pod selector's problems (Kubernetes LabelSelector rules), under `path`. */
function checkPodSelector(p: Problems, path: string, selector: unknown): void {
  if (selector === undefined) return;
  for (const x of podSelectorProblems(selector, false)) p.add(x.path ? `${path}.${x.path}` : path, x.value, x.message);
}

/** "n" or "a-b", 1 to 65535, a <= b. */
function parsePortRange(text: unknown): [number, number] | undefined {
  const m = typeof text === "string" ? /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text) : null;
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

export function checkSecurityGroups(
  p: Problems,
  spec: TenantSpec,
  model: TenantModel,
  namespaces: Set<unknown>,
  naming: Naming,
): void {
  if (spec.securityGroups === undefined) return;
  if (!Array.isArray(spec.securityGroups)) {
    p.add("securityGroups", spec.securityGroups, "must be a list");
    return;
  }
  checkNames(
    p,
    "securityGroups",
    spec.securityGroups,
    naming("SecurityGroup", objectNames.securityGroup),
    reservedNames("securityGroups", !!spec.monitoring),
  );
  const groups = new Set(spec.securityGroups.map((g) => g?.name));
  const families = new Set([...model.subnets.values()].flatMap((s) => s.net.cidrs.map((c) => c.family)));
  spec.securityGroups.forEach((g, i) => {
    const path = item("securityGroups", i, g?.name);
    if (!g || typeof g !== "object") return;
    if (!Array.isArray(g.namespaces))
      p.add(`${path}.namespaces`, g.namespaces, "must be a list of the tenant's namespaces");
    (Array.isArray(g.namespaces) ? g.namespaces : []).forEach((ns, j) => {
      if (!namespaces.has(ns)) p.add(`${path}.namespaces[${j}]`, ns, "is not one of this tenant's namespaces");
    });
    checkPodSelector(p, `${path}.podSelector`, g.podSelector);
    if (g.allowSameGroupTraffic !== undefined && typeof g.allowSameGroupTraffic !== "boolean")
      p.add(`${path}.allowSameGroupTraffic`, g.allowSameGroupTraffic, "must be true or false");
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

function checkRule(
  p: Problems,
  path: string,
  r: SecurityGroupRuleSpec,
  groups: Set<unknown>,
  families: Set<Family>,
): CheckedRule | undefined {
  if (!r || typeof r !== "object") {
    p.add(path, r, "must be an object");
    return undefined;
  }
  const before = p.list.length;
  if (!Number.isInteger(r.priority) || r.priority < 1 || r.priority > 16384)
    p.add(`${path}.priority`, r.priority, "must be an integer from 1 to 16384");
  if (!Object.values(SecurityGroupPolicy).includes(r.policy))
    p.add(`${path}.policy`, r.policy, `must be one of ${Object.values(SecurityGroupPolicy).join(", ")}`);
  const protocol = r.protocol ?? SecurityGroupProtocol.All;
  if (!Object.values(SecurityGroupProtocol).includes(protocol))
    p.add(`${path}.protocol`, r.protocol, `must be one of ${Object.values(SecurityGroupProtocol).join(", ")}`);
  let family: Family | undefined;
  if ((r.remoteAddress === undefined) === (r.remoteSecurityGroup === undefined)) {
    p.add(path, r, "needs exactly one of remoteAddress and remoteSecurityGroup");
  } else if (r.remoteAddress !== undefined) {
    const text = r.remoteAddress;
    const c = typeof text === "string" && text.includes("/") ? parseCidr(text) : undefined;
    const a = typeof text === "string" && !text.includes("/") ? parseAddress(text) : undefined;
    if (!c && !a) p.add(`${path}.remoteAddress`, text, "is not a valid IP address or CIDR");
    else if (c?.hostBitsSet)
      p.add(`${path}.remoteAddress`, text, `has host bits set; the network address is ${c.text}`);
    family = c?.family ?? a?.family;
  } else if (!groups.has(r.remoteSecurityGroup)) {
    p.add(`${path}.remoteSecurityGroup`, r.remoteSecurityGroup, "is not one of this tenant's security groups");
  }
  const named = r.ipVersion === "ipv4" ? 4 : r.ipVersion === "ipv6" ? 6 : undefined;
  if (r.ipVersion !== undefined && !named) p.add(`${path}.ipVersion`, r.ipVersion, "must be ipv4 or ipv6");
  else if (named && family && named !== family)
    p.add(`${path}.ipVersion`, r.ipVersion, `contradicts remoteAddress ${r.remoteAddress}`);
  family ??= named ?? (families.size === 1 ? [...families][0] : undefined);
  if (!family && r.remoteSecurityGroup !== undefined && r.ipVersion === undefined)
    p.add(`${path}.ipVersion`, r.ipVersion, "is required for a remoteSecurityGroup rule on a dual-stack tenant");
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
  if (link.family === 4 && link.prefix === 30)
    return local.value === link.first + 1n ? link.first + 2n : link.first + 1n;
  if (link.prefix === (link.family === 4 ? 31 : 127)) return local.value === link.first ? link.last : link.first;
  return undefined;
}

/** Parses one peering half; every problem is recorded under `path`. */
export function checkPeering(p: Problems, path: string, x: VpcPeeringSpec): CheckedPeering | undefined {
  const before = p.list.length;
  const local = parseInterfaceAddress(x.localConnectIP);
  if (!local) {
    p.add(
      `${path}.localConnectIP`,
      x.localConnectIP,
      'must be the router address with its prefix, e.g. "169.254.0.1/30"',
    );
  } else if (!local.link.hostBitsSet && local.link.prefix < (local.link.family === 4 ? 31 : 127)) {
    p.add(
      `${path}.localConnectIP`,
      x.localConnectIP,
      "is the network address of its link; give the router's own address",
    );
  } else if (local.link.family === 4 && local.link.prefix <= 30 && local.address.value === local.link.last) {
    p.add(`${path}.localConnectIP`, x.localConnectIP, "is the broadcast address of its link");
  }
  let remote: Address | undefined;
  if (local && x.remoteConnectIP === undefined) {
    const v = peerOf(local.link, local.address);
    if (v === undefined)
      p.add(
        `${path}.remoteConnectIP`,
        x.remoteConnectIP,
        `is required unless the link is a /30 or /31 (here ${local.link.text})`,
      );
    else remote = parseAddress(formatAddress(local.link.family, v));
  } else if (x.remoteConnectIP !== undefined) {
    remote = parseAddress(x.remoteConnectIP);
    if (!remote) p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, "is not a valid IP address");
    else if (
      local &&
      (remote.family !== local.link.family || remote.value < local.link.first || remote.value > local.link.last)
    ) {
      p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, `is outside the link ${local.link.text}`);
    } else if (local && remote.value === local.address.value)
      p.add(`${path}.remoteConnectIP`, x.remoteConnectIP, "is the local address of the link");
  }
  const remoteCidrs: Cidr[] = [];
  if (!Array.isArray(x.remoteCidrs) || x.remoteCidrs.length === 0)
    p.add(`${path}.remoteCidrs`, x.remoteCidrs, "must list the other tenant's CIDRs to route through the link");
  (Array.isArray(x.remoteCidrs) ? x.remoteCidrs : []).forEach((text, j) => {
    const c = parseCidr(text);
    if (!c) p.add(`${path}.remoteCidrs[${j}]`, text, "is not a valid CIDR");
    else if (c.hostBitsSet)
      p.add(`${path}.remoteCidrs[${j}]`, text, `has host bits set; the network address is ${c.text}`);
    else if (local && c.family !== local.link.family)
      p.add(
        `${path}.remoteCidrs[${j}]`,
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
    p.add("peerings", spec.peerings, "must be a list");
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
      p.add(path, x, "must be an object");
      return;
    }
    const nameProblem = namePartProblem(x.tenant, TENANT_NAME_MAX);
    if (nameProblem) p.add(`${path}.tenant`, x.tenant, nameProblem);
    else if (x.tenant === spec.tenant)
      p.add(`${path}.tenant`, x.tenant, "is this tenant; a VPC does not peer with itself");
    else if (seen.has(x.tenant)) p.add(`${path}.tenant`, x.tenant, "is peered twice");
    seen.add(x.tenant);
    const c = checkPeering(p, path, x);
    if (!c) return;
    for (const [name, s] of model.subnets) {
      if (s.net.cidrs.some((n) => overlaps(n, c.link)))
        p.add(`${path}.localConnectIP`, x.localConnectIP, `overlaps subnet ${name} (${s.net.cidrBlock})`);
    }
    for (const other of model.peerings) {
      if (overlaps(other.link, c.link))
        p.add(
          `${path}.localConnectIP`,
          x.localConnectIP,
          `shares its link with the peering with ${other.spec.tenant} (${other.link.text})`,
        );
    }
    c.remoteCidrs.forEach((r, j) => {
      const rp = `${path}.remoteCidrs[${j}]`;
      if (vpcKnown)
        for (const [name, s] of model.subnets)
          if (s.net.cidrs.some((n) => overlaps(n, r)))
            p.add(rp, r.text, `overlaps this tenant's subnet ${name} (${s.net.cidrBlock})`);
      const api = model.apiServer?.net.cidrs.find((a) => overlaps(a, r));
      if (api)
        p.add(
          rp,
          r.text,
          `overlaps the cluster's API-server attachment range ${api.text}, which pods with access reach through their extra NIC`,
        );
      if (r.prefix === 0 && spec.natGateway && spec.natGateway.defaultRoute !== false)
        p.add(
          rp,
          r.text,
          "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it here",
        );
      else if (userRoutes.has(r.text)) p.add(rp, r.text, "is also routed by staticRoutes");
      else if (routed.has(r.text)) p.add(rp, r.text, `is also routed to ${routed.get(r.text)}`);
      routed.set(r.text, `the peering with ${x.tenant}`);
    });
    model.peerings.push(c);
  });
}

export function checkMonitoring(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
  namespaces: Set<unknown>,
  vpcKnown: boolean,
): void {
  const m = spec.monitoring;
  if (m === undefined) return;
  if (!m || typeof m !== "object") {
    p.add("monitoring", m, "must be an object");
    return;
  }
  const before = p.list.length;
  const nsProblem = dnsLabelProblem(m.scraperNamespace);
  if (nsProblem) p.add("monitoring.scraperNamespace", m.scraperNamespace, nsProblem);
  else if (SYSTEM_NAMESPACES.has(m.scraperNamespace))
    p.add(
      "monitoring.scraperNamespace",
      m.scraperNamespace,
      "is a system namespace; give the scraper a namespace of its own",
    );
  else if (namespaces.has(m.scraperNamespace))
    p.add(
      "monitoring.scraperNamespace",
      m.scraperNamespace,
      "is one of this tenant's namespaces; the scraper must live outside the tenant's VPC",
    );
  if (m.adopt !== undefined && typeof m.adopt !== "boolean")
    p.add("monitoring.adopt", m.adopt, "must be true or false");
  const net = parseNetwork(p, "monitoring", { cidr: m.cidr }, false);
  if (net) {
    if (vpcKnown)
      for (const [name, s] of model.subnets) {
        const hit = networksOverlap(net, s.net);
        if (hit) p.add("monitoring.cidr", m.cidr, `overlaps subnet ${name} (${hit.text}) in the same VPC`);
      }
    for (const x of model.peerings)
      if (net.cidrs.some((c) => overlaps(c, x.link)))
        p.add("monitoring.cidr", m.cidr, `overlaps the peering link with ${x.spec.tenant} (${x.link.text})`);
    const api = model.apiServer && networksOverlap(net, model.apiServer.net);
    if (api) p.add("monitoring.cidr", m.cidr, `overlaps the cluster's API-server attachment range ${api.text}`);
    const ranges: [string, Network | undefined][] = [
      ["the interconnect network", cluster?.interconnect],
      ...[...(cluster?.pools ?? [])].map(([n, x]): [string, Network] => [`EIP pool ${n}`, x]),
    ];
    for (const [what, other] of ranges) {
      const hit = other && networksOverlap(net, other);
      if (hit) p.add("monitoring.cidr", m.cidr, `overlaps ${what} (${hit.text})`);
    }
  }
  const ports: [number, number][] = [];
  if (!Array.isArray(m.ports) || m.ports.length === 0)
    p.add("monitoring.ports", m.ports, "must list the metrics ports the scraper may reach");
  (Array.isArray(m.ports) ? m.ports : []).forEach((text, j) => {
    const r = parsePortRange(text);
    if (!r) p.add(`monitoring.ports[${j}]`, text, 'must be a port or a range "from-to" within 1-65535');
    else ports.push(r);
  });
  if (m.namespaces !== undefined && !Array.isArray(m.namespaces))
    p.add("monitoring.namespaces", m.namespaces, "must be a list of the tenant's namespaces");
  const scraped = Array.isArray(m.namespaces) ? m.namespaces : (spec.namespaces ?? []).map((n) => n?.name);
  (Array.isArray(m.namespaces) ? m.namespaces : []).forEach((ns, j) => {
    if (!namespaces.has(ns)) p.add(`monitoring.namespaces[${j}]`, ns, "is not one of this tenant's namespaces");
  });
  if (p.list.length > before || !net) return;
  model.monitoring = { net, ports, namespaces: scraped };
}
