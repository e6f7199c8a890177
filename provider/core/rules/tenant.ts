/**
 * A tenant's checks in one pass: the tenant itself and its namespaces here, each object kind in its
 * own module. Every problem names its field and value and the rule that found it.
 */
import type { ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { type Address, familyName, parseAddress, parseCidr } from "../net";
import { RESERVED_VPCS, TENANT_NAME_MAX, namePartProblem, objectNames, reservedNames } from "../names";
import { networkContains } from "../network";
import type { TenantSpec } from "../spec";
import { SYSTEM_NAMESPACES, type TenantModel, item } from "../tenant-model";
import { nonCanonicalAddress, nonCanonicalCidr } from "./address-range";
import { checkApiServerAccess, checkMonitoring } from "./attachment";
import { checkEips } from "./eip";
import { checkNatGateway } from "./nat-gateway";
import { type ListNaming, checkNames, checkRoleNames } from "./names";
import { checkNatRules } from "./nat-rules";
import { ruleSet } from "./rule";
import { checkSecurityGroups } from "./security-group";
import { checkSubnets } from "./subnet";
import { checkPeerings, checkRoutes } from "./vpc";

export const tenantRules = ruleSet("Tenant", {
  "tenant.object": {
    field: "(the tenant), namespaces, subnets",
    refuses: "a spec that is not an object, namespaces that are not a list, no subnet",
    upstream: "not a Kube-OVN object: the component's own shape",
  },
  "tenant.name": {
    field: "tenant",
    refuses: "a name that is not a DNS-1123 label of at most 30 characters, or the default VPC's",
    upstream:
      "the Vpc takes the name: Kubernetes' object name rules (API server); ovn-cluster is the default VPC (--cluster-router) and would be adopted",
  },
});

export const namespaceRules = ruleSet("Namespace", {
  "namespace.unbound": {
    field: "namespaces[]",
    refuses: "a namespace no subnet is bound to",
    upstream: "pkg/controller/namespace.go handleAddNamespace: its pods silently take addresses from ovn-default",
  },
  "namespace.routes.gw": {
    field: "namespaces[].routes[].gw",
    refuses:
      "a malformed gateway, one not in canonical form, of the other family than dst, or outside the namespace's subnet",
    upstream:
      "pkg/daemon (the pod's routes annotation): a malformed route fails the pod's network setup; an unreachable gateway leaves the route dead",
  },
  "namespace.routes.dst": {
    field: "namespaces[].routes[].dst",
    refuses: "a malformed CIDR, host bits set, not in canonical form, or routed twice",
    upstream: "pkg/daemon: `ip route` refuses a malformed or doubled route and the pod does not start",
  },
});

export function checkTenant(p: Problems, spec: TenantSpec, cluster: ClusterFacts | undefined): TenantModel | undefined {
  if (!spec || typeof spec !== "object") {
    tenantRules.refuse(p, "tenant.object", "tenant", spec, "must be an object");
    return undefined;
  }
  const t = spec.tenant;
  const tenantProblem = namePartProblem(t, TENANT_NAME_MAX);
  if (tenantProblem) tenantRules.refuse(p, "tenant.name", "tenant", t, tenantProblem);
  else if (RESERVED_VPCS.has(t))
    tenantRules.refuse(p, "tenant.name", "tenant", t, "is the name of Kube-OVN's default VPC");
  const tenant = tenantProblem ? "x" : t;
  // Each list's names are checked on the cluster names they make (provider/core/names.ts).
  const naming = (kind: string, name: (tenant: string, own: string) => string): ListNaming => ({
    kind,
    name: (own) => name(tenant, own),
  });

  // Namespaces
  if (!Array.isArray(spec.namespaces))
    tenantRules.refuse(p, "tenant.object", "namespaces", spec.namespaces, "must be a list (possibly empty)");
  checkNames(p, "namespaces", spec.namespaces, 63, SYSTEM_NAMESPACES);
  const namespaces = new Set((spec.namespaces ?? []).map((n) => n?.name));

  // Subnets
  if (!Array.isArray(spec.subnets) || spec.subnets.length === 0)
    tenantRules.refuse(p, "tenant.object", "subnets", spec.subnets, "must list at least one subnet");
  checkNames(
    p,
    "subnets",
    spec.subnets,
    naming("Subnet", objectNames.subnet),
    reservedNames("subnets", !!spec.monitoring),
  );
  const { subnets, namespaceSubnet } = checkSubnets(p, spec, cluster, namespaces);
  // With a broken subnet the VPC's extent is unknown: skip reachability checks rather than
  // bury the real problem under follow-on ones.
  const declared = new Set((spec.subnets ?? []).map((s) => s?.name));
  const vpcKnown = [...declared].every((n) => subnets.has(n));
  const inVpc = (a: Address) => !vpcKnown || [...subnets.values()].some((s) => networkContains(s.net, a));

  checkNamespaceRoutes(p, spec, subnets, namespaceSubnet);
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
  if (checkNatGateway(p, spec, cluster, model)) {
    checkEips(p, spec, cluster, model, naming);
    checkNatRules(p, spec, inVpc, naming);
  }
  checkApiServerAccess(p, spec, cluster, model);
  checkSecurityGroups(p, spec, model, namespaces, naming);
  checkPeerings(p, spec, model, vpcKnown);
  checkMonitoring(p, spec, cluster, model, namespaces, vpcKnown);
  if (!tenantProblem)
    checkRoleNames(p, t, [
      ["Vpc", objectNames.vpc(t)],
      ["VpcNatGateway", objectNames.natGateway(t)],
      ["IptablesEIP", objectNames.interconnectEip(t)],
    ]);
  return model;
}

/** Namespace routes: the next hop must be in the namespace's own subnet. */
function checkNamespaceRoutes(
  p: Problems,
  spec: TenantSpec,
  subnets: TenantModel["subnets"],
  namespaceSubnet: Map<string, string>,
): void {
  const R = namespaceRules;
  (spec.namespaces ?? []).forEach((ns, i) => {
    const path = item("namespaces", i, ns?.name);
    if (ns?.name && !namespaceSubnet.has(ns.name) && Array.isArray(spec.subnets) && spec.subnets.length > 0) {
      R.refuse(
        p,
        "namespace.unbound",
        `${path}`,
        ns.name,
        "is bound to no subnet; its pods would take addresses from the default subnet",
      );
    }
    const home = subnets.get(namespaceSubnet.get(ns?.name) ?? "");
    const seen = new Set<string>();
    (ns?.routes ?? []).forEach((r, j) => {
      const rp = `${path}.routes[${j}]`;
      const gw = parseAddress(r?.gw);
      const dst = r?.dst === undefined ? undefined : parseCidr(r.dst);
      if (!gw) R.refuse(p, "namespace.routes.gw", `${rp}.gw`, r?.gw, "is not a valid IP address");
      else if (nonCanonicalAddress(r.gw, gw))
        R.refuse(p, "namespace.routes.gw", `${rp}.gw`, r.gw, `is not in canonical form; write ${gw.text}`);
      if (r?.dst !== undefined && !dst) R.refuse(p, "namespace.routes.dst", `${rp}.dst`, r.dst, "is not a valid CIDR");
      else if (dst?.hostBitsSet)
        R.refuse(
          p,
          "namespace.routes.dst",
          `${rp}.dst`,
          r.dst,
          `has host bits set; the network address is ${dst.text}`,
        );
      else if (dst && nonCanonicalCidr(r.dst as string, dst))
        R.refuse(p, "namespace.routes.dst", `${rp}.dst`, r.dst, `is not in canonical form; write ${dst.text}`);
      if (gw && dst && gw.family !== dst.family)
        R.refuse(
          p,
          "namespace.routes.gw",
          `${rp}.gw`,
          r.gw,
          `is ${familyName(gw.family)} but dst ${r.dst} is ${familyName(dst.family)}`,
        );
      if (gw && home && !networkContains(home.net, gw))
        R.refuse(
          p,
          "namespace.routes.gw",
          `${rp}.gw`,
          r.gw,
          `is not reachable: it is outside subnet ${home.spec.name} (${home.net.cidrBlock}) that namespace ${ns.name} uses`,
        );
      const key = dst?.text ?? `default/${gw?.family}`;
      if (seen.has(key)) R.refuse(p, "namespace.routes.dst", `${rp}.dst`, r?.dst, "is routed twice in this namespace");
      seen.add(key);
    });
  });
}
