/**
 * What a tenant's access features add to its plan: the API-server attachment, security groups,
 * VPC peerings and the monitoring scraper's way in. Objects are in the form the controller stores
 * (SecurityGroup specs are never rewritten upstream: pkg/controller/security_group.go only patches
 * status), and what pods inherit goes into each namespace's PodDefaults.
 */
import { kubeOvnAttachmentConfig } from "./cluster";
import type { Family } from "./net";
import { MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL, kubeOvnProvider, objectNames } from "./names";
import type { Network } from "./network";
import { API, type PlannedObject } from "./plan";
import { type PodAttachment, type PodDefaults, type SelectedPodDefaults, podDefaultsAnnotations } from "./pod-defaults";
import { type PodSelectorSpec, SecurityGroupPolicy, SecurityGroupProtocol, type TenantSpec } from "./spec";
import type { CheckedRule, TenantModel } from "./tenant-model";

type SgRule = { [k: string]: string | number };

const anyAddress = (f: Family) => (f === 4 ? "0.0.0.0/0" : "::/0");
const ipVersion = (f: Family) => (f === 4 ? "ipv4" : "ipv6");

/** A SecurityGroup rule as the CRD (and upstream's Go struct) spells it. */
function sgRule(r: CheckedRule, tenant: string): SgRule {
  const remote: SgRule =
    r.rule.remoteAddress !== undefined
      ? { remoteType: "address", remoteAddress: r.rule.remoteAddress }
      : {
          remoteType: "securityGroup",
          remoteSecurityGroup: objectNames.securityGroup(tenant, r.rule.remoteSecurityGroup as string),
        };
  return {
    ipVersion: r.ipVersion,
    protocol: r.rule.protocol ?? SecurityGroupProtocol.All,
    priority: r.rule.priority,
    ...remote,
    ...(r.ports ? { portRangeMin: r.ports[0], portRangeMax: r.ports[1] } : {}),
    policy: r.rule.policy,
  };
}

function addressRule(
  family: Family,
  priority: number,
  remoteAddress: string,
  policy: SecurityGroupPolicy,
  protocol: SecurityGroupProtocol,
  ports?: [number, number],
): SgRule {
  return {
    ipVersion: ipVersion(family),
    protocol,
    priority,
    remoteType: "address",
    remoteAddress,
    ...(ports ? { portRangeMin: ports[0], portRangeMax: ports[1] } : {}),
    policy,
  };
}

function securityGroup(
  id: string,
  name: string,
  labels: { [k: string]: string },
  spec: { ingressRules: SgRule[]; egressRules: SgRule[]; allowSameGroupTraffic?: boolean },
  dependsOn: string[],
): PlannedObject {
  return {
    id,
    apiVersion: API.kubeovn,
    kind: "SecurityGroup",
    metadata: { name, labels },
    // omitempty fields of SecurityGroupSpec: leave out what is empty or false.
    spec: {
      ...(spec.ingressRules.length ? { ingressRules: spec.ingressRules } : {}),
      ...(spec.egressRules.length ? { egressRules: spec.egressRules } : {}),
      ...(spec.allowSameGroupTraffic ? { allowSameGroupTraffic: true } : {}),
    },
    dependsOn,
  };
}

/**
 * Monitored namespaces where some pods carry no user security group (no group binds all of their
 * pods, a pod selector leaving the rest out): monitoring must not close those pods down.
 */
function monitoredWithoutGroups(model: TenantModel): string[] {
  const grouped = new Set(model.securityGroups.filter((g) => !g.spec.podSelector).flatMap((g) => g.spec.namespaces));
  return (model.monitoring?.namespaces ?? []).filter((n) => !grouped.has(n));
}

/**
 * What the pods of tenant namespace `ns` inherit from these features: the API-server attachment
 * with its route, and the security groups bound to the namespace; what a pod selector scopes goes
 * into `selected`, for the matching pods only. Empty members are left out.
 */
export function namespacePodDefaults(model: TenantModel, ns: string): PodDefaults {
  const t = model.spec.tenant;
  const out: PodDefaults = {};
  const selected: SelectedPodDefaults[] = [];
  const api = model.apiServer;
  if (api && model.apiServerNamespaces.has(ns)) {
    const routes = api.serviceIps.map((ip) => ({
      dst: `${ip.text}/${ip.family === 4 ? 32 : 128}`,
      gw: api.net.gateways.find((g) => g.family === ip.family)?.text as string,
    }));
    const attachments = [{ network: api.network, routes }];
    const podSelector = apiServerPodSelector(model.spec, ns);
    if (podSelector) selected.push({ podSelector, attachments });
    else out.attachments = attachments;
  }
  const bound = model.securityGroups.filter((g) => g.spec.namespaces.includes(ns));
  const groups = bound.filter((g) => !g.spec.podSelector).map((g) => objectNames.securityGroup(t, g.spec.name));
  for (const g of bound)
    if (g.spec.podSelector)
      selected.push({ podSelector: g.spec.podSelector, securityGroups: [objectNames.securityGroup(t, g.spec.name)] });
  if (model.monitoring?.namespaces.includes(ns)) {
    groups.push(objectNames.monitoringGroup(t));
    if (monitoredWithoutGroups(model).includes(ns)) {
      const open = objectNames.monitoringOpenGroup(t);
      // Only pods no selected group binds stay open; with no user group at all, that is every pod.
      if (bound.length) out.fallbackSecurityGroups = [open];
      else groups.push(open);
    }
  }
  if (groups.length) out.securityGroups = groups;
  if (selected.length) out.selected = selected;
  return out;
}

/** The pod selector of namespace `ns`'s API-server access: its own, else the tenant's; none for every pod. */
function apiServerPodSelector(spec: TenantSpec, ns: string): PodSelectorSpec | undefined {
  const own = spec.namespaces.find((n) => n.name === ns);
  return own?.apiServerAccessPodSelector ?? spec.apiServerAccessPodSelector;
}

/** The scraper namespace's PodDefaults: a NIC in the tenant's VPC and routes to every tenant subnet through it. */
export function scraperPodDefaults(model: TenantModel): PodDefaults {
  const m = model.monitoring as { net: Network };
  const t = model.spec.tenant;
  const attachment: PodAttachment = {
    network: `${model.spec.monitoring?.scraperNamespace}/${objectNames.monitoring(t)}`,
    routes: [...model.subnets.values()].flatMap((s) =>
      s.net.cidrs.flatMap((c) => {
        const gw = m.net.gateways.find((g) => g.family === c.family);
        return gw ? [{ dst: c.text, gw: gw.text }] : [];
      }),
    ),
  };
  return { attachments: [attachment] };
}

/** The Vpc spec fields the peerings contribute: the peer router ports and the routes through them. */
export function peeringVpcSpec(model: TenantModel): {
  vpcPeerings: { remoteVpc: string; localConnectIP: string }[];
  routes: { cidr: string; nextHopIP: string }[];
} {
  return {
    vpcPeerings: model.peerings.map((x) => ({
      remoteVpc: objectNames.vpc(x.spec.tenant),
      localConnectIP: `${x.local.text}/${x.link.prefix}`,
    })),
    routes: model.peerings.flatMap((x) => x.remoteCidrs.map((c) => ({ cidr: c.text, nextHopIP: x.remote.text }))),
  };
}

/** Security groups, and the monitoring scraper's namespace, attachment and subnet. */
export function accessObjects(model: TenantModel): PlannedObject[] {
  const t = model.spec.tenant;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [TENANT_LABEL]: t };
  const objects: PlannedObject[] = [];
  for (const g of model.securityGroups) {
    const refs = [...g.ingress, ...g.egress]
      .map((r) => r.rule.remoteSecurityGroup)
      .filter((n): n is string => !!n && n !== g.spec.name);
    objects.push(
      securityGroup(
        `security-group/${g.spec.name}`,
        objectNames.securityGroup(t, g.spec.name),
        labels,
        {
          ingressRules: g.ingress.map((r) => sgRule(r, t)),
          egressRules: g.egress.map((r) => sgRule(r, t)),
          allowSameGroupTraffic: g.spec.allowSameGroupTraffic,
        },
        // Upstream's validateSgRule fails while a referenced group does not exist.
        [...new Set(refs)].map((n) => `security-group/${n}`),
      ),
    );
  }

  const m = model.monitoring;
  if (!m) return objects;
  const spec = model.spec.monitoring as { scraperNamespace: string; adopt?: boolean };
  const name = objectNames.monitoring(t);
  const provider = kubeOvnProvider(name, spec.scraperNamespace);
  objects.push({
    id: "monitoring/namespace",
    apiVersion: API.core,
    kind: "Namespace",
    metadata: { name: spec.scraperNamespace, labels, annotations: podDefaultsAnnotations(scraperPodDefaults(model)) },
    patch: spec.adopt === true,
    dependsOn: [],
  });
  objects.push({
    id: "monitoring/attachment",
    apiVersion: API.nad,
    kind: "NetworkAttachmentDefinition",
    metadata: { name, namespace: spec.scraperNamespace, labels },
    spec: { config: JSON.stringify(kubeOvnAttachmentConfig(provider)) },
    dependsOn: ["monitoring/namespace"],
  });
  objects.push({
    id: "monitoring/subnet",
    apiVersion: API.kubeovn,
    kind: "Subnet",
    metadata: { name, labels },
    // formatSubnet's result for an attachment subnet of a custom VPC (no namespaces: no pod takes its primary address here).
    spec: {
      vpc: objectNames.vpc(t),
      protocol: m.net.protocol,
      provider,
      cidrBlock: m.net.cidrBlock,
      gateway: m.net.gateway,
      excludeIps: m.net.excludeIps,
      private: false,
      enableLb: true,
    },
    replaceOnChanges: ["spec.cidrBlock", "spec.gateway", "spec.vpc", "spec.provider", "spec.protocol"],
    dependsOn: ["vpc", "monitoring/attachment"],
    // As a tenant subnet: the Vpc is deleted only once no Subnet names it.
    replacedWith: ["vpc"],
  });
  const families = m.net.cidrs.map((c) => c.family);
  // The scraper reaches the metrics ports only; everything else from its range is dropped.
  const ingress = [
    ...m.net.cidrs.flatMap((c) =>
      m.ports.map((ports) =>
        addressRule(c.family, 1, c.text, SecurityGroupPolicy.Allow, SecurityGroupProtocol.Tcp, ports),
      ),
    ),
    ...m.net.cidrs.map((c) => addressRule(c.family, 2, c.text, SecurityGroupPolicy.Drop, SecurityGroupProtocol.All)),
  ];
  objects.push(
    securityGroup(
      "security-group/monitoring",
      objectNames.monitoringGroup(t),
      labels,
      { ingressRules: ingress, egressRules: [] },
      [],
    ),
  );
  if (monitoredWithoutGroups(model).length > 0) {
    // A pod bound to any group drops what no group allows (upstream's kubeovn_deny_all port group):
    // pods with no group of their own keep all other traffic through this lowest-priority group.
    const vpcFamilies = [
      ...new Set([...model.subnets.values()].flatMap((s) => s.net.cidrs.map((c) => c.family)).concat(families)),
    ];
    const open = (f: Family) =>
      addressRule(f, 16384, anyAddress(f), SecurityGroupPolicy.Allow, SecurityGroupProtocol.All);
    objects.push(
      securityGroup(
        "security-group/monitoring-open",
        objectNames.monitoringOpenGroup(t),
        labels,
        { ingressRules: vpcFamilies.map(open), egressRules: vpcFamilies.map(open) },
        [],
      ),
    );
  }
  return objects;
}
