/**
 * Rules of the NetworkAttachmentDefinitions and attachment Subnets we make for a tenant: the
 * API-server access NIC and the monitoring scrapers' NIC into the tenant's VPC.
 */
import type { ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { dnsLabelProblem } from "../names";
import { type Network, networksOverlap } from "../network";
import { overlaps } from "../net";
import type { TenantSpec } from "../spec";
import { SYSTEM_NAMESPACES, type TenantModel, item } from "../tenant-model";
import { parseNetwork } from "./address-range";
import { checkPodSelector } from "./pod-selector";
import { ruleSet } from "./rule";
import { parsePortRange } from "./security-group";

const OVERLAP = "not refused (different VPCs); the pod with both NICs routes one of the ranges the wrong way";

export const attachmentRules = ruleSet("NetworkAttachmentDefinition", {
  "nad.flag": {
    field: "apiServerAccess, namespaces[].apiServerAccess, monitoring.adopt",
    refuses: "a value that is not true or false",
    upstream: "not a Kube-OVN field (our switch); the schema's boolean",
  },
  "nad.apiServerAccess.selector-unused": {
    field: "apiServerAccessPodSelector, namespaces[].apiServerAccessPodSelector",
    refuses: "a pod selector where no namespace has API-server access",
    upstream: "not a Kube-OVN field: a selector that selects for nothing is a mistake",
  },
  "nad.apiServerAccess.cluster": {
    field: "apiServerAccess",
    refuses: "access when the cluster network does not enable it or its info lacks the Service address",
    upstream: "Multus/kube-ovn CNI: a pod naming a NetworkAttachmentDefinition that does not exist is never started",
  },
  "nad.apiServerAccess.overlap": {
    field: "subnets[].cidr",
    refuses: "a tenant subnet overlapping the API-server attachment range",
    upstream: OVERLAP,
  },
  "nad.monitoring.object": {
    field: "monitoring, monitoring.ports, monitoring.namespaces",
    refuses: "a value of the wrong shape (not an object, an empty port list, not a list)",
    upstream: "not a Kube-OVN field; the schema's shapes",
  },
  "nad.monitoring.scraperNamespace": {
    field: "monitoring.scraperNamespace",
    refuses: "not a namespace name, a system namespace, or one of the tenant's",
    upstream:
      "pkg/controller/pod.go: the scraper's NIC in the tenant's VPC would make a tenant pod dual-homed; a system namespace is the cluster's",
  },
  "nad.monitoring.cidr.overlap": {
    field: "monitoring.cidr",
    refuses: "a range overlapping a tenant subnet, a peering link, the API-server range, the interconnect or a pool",
    upstream: `pkg/util/validator.go ValidateCidrConflict for the tenant's subnets (same VPC); otherwise ${OVERLAP}`,
  },
  "nad.monitoring.ports": {
    field: "monitoring.ports[]",
    refuses: 'a port or range "from-to" outside 1-65535',
    upstream: "become SecurityGroup rules: pkg/controller/security_group.go validateSgRule",
  },
  "nad.monitoring.namespaces": {
    field: "monitoring.namespaces[]",
    refuses: "a namespace the tenant does not declare",
    upstream: "not a Kube-OVN field: it says which pods the scrapers may reach",
  },
});
const R = attachmentRules;

export function checkApiServerAccess(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
): void {
  const flag = (path: string, v: unknown) => {
    if (v !== undefined && typeof v !== "boolean") R.refuse(p, "nad.flag", path, v, "must be true or false");
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
      R.refuse(
        p,
        "nad.apiServerAccess.selector-unused",
        selector,
        ns.apiServerAccessPodSelector,
        "needs apiServerAccess on this namespace (or the tenant)",
      );
    if (access && typeof ns?.name === "string") model.apiServerNamespaces.add(ns.name);
  });
  if (spec.apiServerAccessPodSelector !== undefined && model.apiServerNamespaces.size === 0)
    R.refuse(
      p,
      "nad.apiServerAccess.selector-unused",
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
    R.refuse(
      p,
      "nad.apiServerAccess.cluster",
      path,
      true,
      "needs the cluster network's apiServerAccess, which the cluster does not enable",
    );
    return;
  }
  if (api.serviceIps.length === 0) {
    R.refuse(
      p,
      "nad.apiServerAccess.cluster",
      path,
      true,
      "needs the kubernetes Service address, which the cluster info does not carry (pass the ClusterNetwork's info output)",
    );
    return;
  }
  for (const [name, s] of model.subnets) {
    const hit = networksOverlap(s.net, api.net);
    if (hit)
      R.refuse(
        p,
        "nad.apiServerAccess.overlap",
        `subnets[${name}].cidr`,
        s.spec.cidr,
        `overlaps the cluster's API-server attachment range ${hit.text}`,
      );
  }
  model.apiServer = api;
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
    R.refuse(p, "nad.monitoring.object", "monitoring", m, "must be an object");
    return;
  }
  const before = p.list.length;
  const scraper = (message: string) =>
    R.refuse(p, "nad.monitoring.scraperNamespace", "monitoring.scraperNamespace", m.scraperNamespace, message);
  const nsProblem = dnsLabelProblem(m.scraperNamespace);
  if (nsProblem) scraper(nsProblem);
  else if (SYSTEM_NAMESPACES.has(m.scraperNamespace))
    scraper("is a system namespace; give the scraper a namespace of its own");
  else if (namespaces.has(m.scraperNamespace))
    scraper("is one of this tenant's namespaces; the scraper must live outside the tenant's VPC");
  if (m.adopt !== undefined && typeof m.adopt !== "boolean")
    R.refuse(p, "nad.flag", "monitoring.adopt", m.adopt, "must be true or false");
  const net = parseNetwork(p, "monitoring", { cidr: m.cidr }, false);
  if (net) {
    const clash = (message: string) => R.refuse(p, "nad.monitoring.cidr.overlap", "monitoring.cidr", m.cidr, message);
    if (vpcKnown)
      for (const [name, s] of model.subnets) {
        const hit = networksOverlap(net, s.net);
        if (hit) clash(`overlaps subnet ${name} (${hit.text}) in the same VPC`);
      }
    for (const x of model.peerings)
      if (net.cidrs.some((c) => overlaps(c, x.link)))
        clash(`overlaps the peering link with ${x.spec.tenant} (${x.link.text})`);
    const api = model.apiServer && networksOverlap(net, model.apiServer.net);
    if (api) clash(`overlaps the cluster's API-server attachment range ${api.text}`);
    const ranges: [string, Network | undefined][] = [
      ["the interconnect network", cluster?.interconnect],
      ...[...(cluster?.pools ?? [])].map(([n, x]): [string, Network] => [`EIP pool ${n}`, x]),
    ];
    for (const [what, other] of ranges) {
      const hit = other && networksOverlap(net, other);
      if (hit) clash(`overlaps ${what} (${hit.text})`);
    }
  }
  const ports: [number, number][] = [];
  if (!Array.isArray(m.ports) || m.ports.length === 0)
    R.refuse(
      p,
      "nad.monitoring.object",
      "monitoring.ports",
      m.ports,
      "must list the metrics ports the scraper may reach",
    );
  (Array.isArray(m.ports) ? m.ports : []).forEach((text, j) => {
    const r = parsePortRange(text);
    if (!r)
      R.refuse(
        p,
        "nad.monitoring.ports",
        `monitoring.ports[${j}]`,
        text,
        'must be a port or a range "from-to" within 1-65535',
      );
    else ports.push(r);
  });
  if (m.namespaces !== undefined && !Array.isArray(m.namespaces))
    R.refuse(
      p,
      "nad.monitoring.object",
      "monitoring.namespaces",
      m.namespaces,
      "must be a list of the tenant's namespaces",
    );
  const scraped = Array.isArray(m.namespaces) ? m.namespaces : (spec.namespaces ?? []).map((n) => n?.name);
  (Array.isArray(m.namespaces) ? m.namespaces : []).forEach((ns, j) => {
    if (!namespaces.has(ns))
      R.refuse(
        p,
        "nad.monitoring.namespaces",
        `monitoring.namespaces[${j}]`,
        ns,
        "is not one of this tenant's namespaces",
      );
  });
  if (p.list.length > before || !net) return;
  model.monitoring = { net, ports, namespaces: scraped };
}
