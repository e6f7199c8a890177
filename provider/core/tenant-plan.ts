/** Tenant planning: spec + cluster facts -> validated, allocated plan of Kubernetes objects. */
import { checkAdopt } from "./adopt";
import { allocate, type AllocationRequest } from "./allocate";
import type { ClusterFacts } from "./cluster";
import { Problems } from "./errors";
import { type Address, type Family, familyName, parseAddress } from "./net";
import {
  INTERCONNECT_SUBNET,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  TENANT_LABEL,
  WAIT_FOR_ANNOTATION,
  tenantObjectNames,
} from "./names";
import { type Network, cidrOfFamily } from "./network";
import { API, type PlannedObject } from "./plan";
import { type PodDefaults, compactDefaults, podDefaultsAnnotations } from "./pod-defaults";
import { type ClusterNetworkInfo, PolicyRouteAction, RoutePolicy, type TenantSpec } from "./spec";
import { accessObjects, namespacePodDefaults, peeringVpcSpec, scraperPodDefaults } from "./tenant-access";
import { checkClusterInfo, checkTenant } from "./rules";
import type { TenantModel } from "./tenant-model";

/**
 * Addresses already held in a range, e.g. read from the cluster or from the rest of a fleet:
 * range name (an EIP pool, or `ovn-vpc-external-network`) -> address -> holder key.
 */
export type AddressClaims = { [range: string]: { [address: string]: string } };

/**
 * Claims parsed once and indexed by range and family. planFleet keeps one for the whole fleet and
 * adds each tenant's addresses to it, so planning a tenant does not re-read every claim before it.
 */
export class ClaimIndex {
  private readonly ranges = new Map<string, { claims: Map<bigint, string>; holders: Map<string, bigint> }>();

  constructor(claims: AddressClaims = {}) {
    for (const [range, held] of Object.entries(claims))
      for (const [address, holder] of Object.entries(held)) this.add(range, address, holder);
  }

  /** Records that `holder` holds `address` (text) in `range`; unparsable text is ignored, as it cannot collide. */
  add(range: string, address: string, holder: string): void {
    const a = parseAddress(address);
    if (!a) return;
    const u = this.usage(range, a.family);
    u.claims.set(a.value, holder);
    u.holders.set(holder, a.value);
  }

  /** The claims of one range and family, by address value and by holder. */
  usage(range: string, family: Family): { claims: Map<bigint, string>; holders: Map<string, bigint> } {
    const id = `${range}/${family}`;
    let u = this.ranges.get(id);
    if (!u) {
      u = { claims: new Map(), holders: new Map() };
      this.ranges.set(id, u);
    }
    return u;
  }
}

export interface TenantAddresses {
  /** The NAT gateway's interconnect address(es), `v4[,v6]`; empty without a NAT gateway. */
  interconnectIp: string;
  /** EIP name -> its pool and addresses. */
  eips: { [name: string]: { pool: string; v4ip?: string; v6ip?: string } };
}

export interface TenantPlan {
  tenant: string;
  objects: PlannedObject[];
  addresses: TenantAddresses;
  /** What the pods of each tenant namespace inherit, by namespace (also recorded on the Namespace). */
  podDefaults: { [namespace: string]: PodDefaults };
}

export const allocationKey = {
  interconnect: (tenant: string) => `${tenant}/interconnect`,
  eip: (tenant: string, eip: string) => `${tenant}/eip/${eip}`,
};

/** Plans one tenant; throws a PlanError that lists every problem, before anything is created. */
export function planTenant(
  spec: TenantSpec,
  cluster: ClusterNetworkInfo | ClusterFacts,
  claims: AddressClaims | ClaimIndex = {},
): TenantPlan {
  const p = new Problems();
  const facts = "pools" in cluster ? cluster : checkClusterInfo(p, cluster);
  const model = checkTenant(p, spec, facts);
  if (spec && typeof spec === "object") checkAdopt(p, spec);
  const subject = `tenant ${typeof spec?.tenant === "string" ? JSON.stringify(spec.tenant) : "(unnamed)"}`;
  p.throwIfAny(subject);
  const index = claims instanceof ClaimIndex ? claims : new ClaimIndex(claims);
  const addresses = allocateTenant(p, model as TenantModel, facts as ClusterFacts, index);
  p.throwIfAny(subject);
  const podDefaults = tenantPodDefaults(model as TenantModel);
  return {
    tenant: spec.tenant,
    objects: tenantObjects(model as TenantModel, addresses, podDefaults),
    addresses,
    podDefaults,
  };
}

/**
 * What each namespace's pods inherit (empty members omitted; every namespace listed): its own routes,
 * plus what API-server access, security groups and monitoring give it; the scraper namespace too.
 */
function tenantPodDefaults(model: TenantModel): { [namespace: string]: PodDefaults } {
  const out: { [namespace: string]: PodDefaults } = Object.fromEntries(
    model.spec.namespaces.map((ns) => [
      ns.name,
      compactDefaults({ routes: ns.routes, ...namespacePodDefaults(model, ns.name) }),
    ]),
  );
  const scraper = model.spec.monitoring?.scraperNamespace;
  if (model.monitoring && scraper) out[scraper] = compactDefaults(scraperPodDefaults(model));
  return out;
}

/** One range and family's requests, served together so a tenant's own addresses never collide. */
interface Group {
  range: string;
  net: Network;
  family: Family;
  requests: { key: string; fixed?: Address; path: string; assign: (address: string) => void }[];
}

function allocateTenant(p: Problems, model: TenantModel, cluster: ClusterFacts, claims: ClaimIndex): TenantAddresses {
  const { spec } = model;
  const t = spec.tenant;
  const result: TenantAddresses = { interconnectIp: "", eips: {} };
  const groups = new Map<string, Group>();
  const want = (
    range: string,
    net: Network,
    family: Family,
    key: string,
    fixed: Address | undefined,
    path: string,
    assign: (a: string) => void,
  ) => {
    const id = `${range}/${family}`;
    const g = groups.get(id) ?? { range, net, family, requests: [] };
    g.requests.push({ key, fixed, path, assign });
    groups.set(id, g);
  };

  const ic: string[] = [];
  if (spec.natGateway) {
    const fams = cluster.interconnect.cidrs
      .map((c) => c.family)
      .filter((f) => !model.interconnectIp || f === model.interconnectIp.family);
    for (const f of fams)
      want(
        INTERCONNECT_SUBNET,
        cluster.interconnect,
        f,
        allocationKey.interconnect(t),
        model.interconnectIp,
        "natGateway.interconnectIp",
        (a) => ic.push(a),
      );
  }
  for (const e of spec.eips ?? []) {
    const pool = model.eipPools.get(e.pool) as Network;
    const statics = model.staticEips.get(e.name) ?? {};
    const entry: { pool: string; v4ip?: string; v6ip?: string } = { pool: e.pool };
    result.eips[e.name] = entry;
    // An EIP with a static address gets only that family; otherwise every family of the pool.
    const families =
      Object.keys(statics).length > 0
        ? (Object.keys(statics).map(Number) as Family[])
        : pool.cidrs.map((c) => c.family);
    for (const f of families) {
      const field = f === 4 ? "v4ip" : "v6ip";
      want(
        e.pool,
        pool,
        f,
        allocationKey.eip(t, e.name),
        statics[f],
        `eips[${e.name}].${field}`,
        (a) => (entry[field] = a),
      );
    }
  }

  for (const g of groups.values()) {
    const cidr = cidrOfFamily(g.net, g.family);
    if (!cidr) continue;
    const { claims: held, holders } = claims.usage(g.range, g.family);
    const requests: AllocationRequest[] = [];
    for (const r of g.requests) {
      const holder = r.fixed && held.get(r.fixed.value);
      if (r.fixed && holder !== undefined && holder !== r.key)
        p.add(r.path, r.fixed.text, `is already held by ${holder}`);
      else requests.push({ key: r.key, fixed: r.fixed?.value });
    }
    const excluded = g.net.excluded.concat(
      g.net.gateways.map((a) => ({ family: a.family, first: a.value, last: a.value })),
    );
    const out = allocate(cidr, requests, { excluded, claims: held, holders });
    for (const r of g.requests) {
      const a = out.addresses.get(r.key);
      if (a) r.assign(a);
      else if (out.exhausted.includes(r.key)) {
        p.add(
          r.path,
          undefined,
          `cannot be allocated: ${g.range} (${cidr.text}) has no free ${familyName(g.family)} address left (capacity ${out.capacity})`,
        );
      }
    }
  }
  result.interconnectIp = ic.join(",");
  return result;
}

function tenantObjects(
  model: TenantModel,
  addresses: TenantAddresses,
  podDefaults: { [namespace: string]: PodDefaults },
): PlannedObject[] {
  const { spec } = model;
  const t = spec.tenant;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [TENANT_LABEL]: t };
  const names = tenantObjectNames(t, spec.adopt);
  const objects: PlannedObject[] = [];
  const nsIds = spec.namespaces.map((n) => `namespace/${n.name}`);

  for (const ns of spec.namespaces) {
    const annotations = podDefaultsAnnotations(podDefaults[ns.name] ?? {});
    objects.push({
      id: `namespace/${ns.name}`,
      apiVersion: API.core,
      kind: "Namespace",
      metadata: {
        name: ns.name,
        labels: { ...(ns.labels ?? {}), ...labels },
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      patch: ns.adopt === true,
      dependsOn: [],
    });
  }

  const vpcName = names.vpc();
  objects.push({
    id: "vpc",
    apiVersion: API.kubeovn,
    kind: "Vpc",
    metadata: { name: vpcName, labels },
    // The controller rewrites the Vpc with its Go types (pkg/controller/vpc.go formatVpc): empty
    // lists vanish, a zero priority vanishes, static routes gain empty ecmpMode/bfdId/routeTable.
    spec: nonEmpty({
      namespaces: spec.namespaces.map((n) => n.name),
      staticRoutes: staticRoutes(model),
      vpcPeerings: peeringVpcSpec(model).vpcPeerings,
      policyRoutes: (spec.policyRoutes ?? []).map((r) => ({
        ...(r.priority !== 0 ? { priority: r.priority } : {}),
        match: r.match,
        action: r.action,
        ...(r.action === PolicyRouteAction.Reroute ? { nextHopIP: r.nextHopIP } : {}),
      })),
    }),
    dependsOn: nsIds,
    // Replaced only when renamed (the tenant's names changed): the new Vpc first, the old one deleted
    // once its subnets are gone (the controller keeps a Vpc while a Subnet names it).
    createBeforeReplace: true,
  });

  for (const s of spec.subnets) {
    const { net } = model.subnets.get(s.name) as { net: Network };
    objects.push({
      id: `subnet/${s.name}`,
      apiVersion: API.kubeovn,
      kind: "Subnet",
      // `up` waits until the controller reports the subnet Ready, so whatever depends on the
      // tenant (workloads) starts only then: pods created earlier take addresses from the
      // default subnet and keep them. An adopted subnet is Ready already; waiting on it after its
      // import recorded the object as it was before the import's update (pulumi-kubernetes'
      // condition await can answer with the older, already Ready version), so the next preview
      // showed our labels as a change.
      metadata: {
        name: names.subnet(s.name),
        labels,
        ...(spec.adopt?.[`subnet/${s.name}`] === undefined
          ? { annotations: { [WAIT_FOR_ANNOTATION]: "condition=Ready" } }
          : {}),
      },
      // formatSubnet's result; empty lists are left out as the controller's Go-typed write drops them.
      spec: nonEmpty({
        vpc: vpcName,
        protocol: net.protocol,
        provider: "ovn",
        cidrBlock: net.cidrBlock,
        gateway: net.gateway,
        excludeIps: net.excludeIps,
        namespaces: s.namespaces,
        private: s.private ?? false,
        allowSubnets: s.allowSubnets ?? [],
        enableLb: s.enableLb ?? true,
        // Left out for the main table: upstream writes it back `omitempty`.
        ...(s.routeTable !== undefined ? { routeTable: s.routeTable } : {}),
      }),
      // A new gateway reaches no running pod (each keeps the route it started with), and upstream's
      // webhook refuses it while addresses are in use (pkg/webhook/subnet.go SubnetUpdateHook).
      replaceOnChanges: ["spec.cidrBlock", "spec.gateway", "spec.vpc", "spec.provider", "spec.protocol"],
      dependsOn: ["vpc", ...s.namespaces.map((n) => `namespace/${n}`)],
      // The controller deletes a Vpc only once no Subnet names it: a Vpc replaced (renamed) alone
      // would wait on its subnets forever.
      replacedWith: ["vpc"],
    });
  }

  objects.push(...accessObjects(model));

  const gw = spec.natGateway;
  if (!gw) return objects;
  const gwName = names.natGateway();
  objects.push({
    id: "nat-gateway",
    apiVersion: API.kubeovn,
    kind: "VpcNatGateway",
    metadata: { name: gwName, labels },
    spec: {
      vpc: vpcName,
      subnet: names.subnet(gw.subnet),
      lanIp: gw.lanIp,
      externalSubnets: [INTERCONNECT_SUBNET],
      noDefaultEIP: true,
      selector: gw.selector ?? [],
      // No spec.routes: upstream v1.16.2 gives them to eth0, the VPC side (vpc_nat_gateway.go
      // genNatGwStatefulSet), where a next hop outside the VPC is unreachable. Translated
      // traffic leaves net1 through the interconnect network's gateway (env GATEWAY_V4/V6,
      // the onlink default route nat-gateway.sh adds with the first EIP).
    },
    // Upstream ignores changes to these after creation (pkg/controller/vpc_nat_gateway.go).
    replaceOnChanges: ["spec.vpc", "spec.subnet", "spec.lanIp"],
    dependsOn: [`subnet/${gw.subnet}`],
    // Its pod holds an address in that subnet, which the subnet's deletion waits for; a new gateway
    // pod is given the EIPs and rules again by the controller (handleInitVpcNatGw).
    replacedWith: [`subnet/${gw.subnet}`],
  });

  const eip = (id: string, name: string, subnet: string, v4?: string, v6?: string): PlannedObject => ({
    id,
    apiVersion: API.kubeovn,
    kind: "IptablesEIP",
    metadata: { name, labels },
    spec: { natGwDp: gwName, externalSubnet: subnet, ...(v4 ? { v4ip: v4 } : {}), ...(v6 ? { v6ip: v6 } : {}) },
    // An EIP's spec is frozen once it is Ready upstream: any change is a replacement. Field by field,
    // not `spec`: an import's first diff adds the whole `spec` (pulumi-kubernetes imports a custom
    // resource with no inputs but its name), which must be an update, not a replacement.
    replaceOnChanges: EIP_FIELDS.map((f) => `spec.${f}`),
    dependsOn: ["nat-gateway"],
  });
  const [icV4, icV6] = splitFamilies(addresses.interconnectIp);
  objects.push(eip("eip/interconnect", names.interconnectEip(), INTERCONNECT_SUBNET, icV4, icV6));
  for (const e of spec.eips ?? []) {
    const a = addresses.eips[e.name];
    objects.push(eip(`eip/${e.name}`, names.eip(e.name), e.pool, a.v4ip, a.v6ip));
  }

  const rule = (
    id: string,
    kind: string,
    name: string,
    eipName: string,
    ruleSpec: { [k: string]: unknown },
  ): PlannedObject => ({
    id,
    apiVersion: API.kubeovn,
    kind,
    metadata: { name, labels },
    spec: { eip: names.eip(eipName), ...ruleSpec },
    replaceOnChanges: ["spec.eip"],
    dependsOn: [`eip/${eipName}`],
    // The controller keeps an EIP while a rule carries its address (getIptablesEipNat), and a rule names
    // the EIP, not the address: replacing the EIP alone would wait on the rule forever.
    replacedWith: [`eip/${eipName}`],
  });
  for (const r of spec.snatRules ?? [])
    objects.push(
      rule(`snat/${r.name}`, "IptablesSnatRule", names.snat(r.name), r.eip, { internalCIDR: r.internalCIDR }),
    );
  for (const r of spec.dnatRules ?? []) {
    objects.push(
      rule(`dnat/${r.name}`, "IptablesDnatRule", names.dnat(r.name), r.eip, {
        protocol: r.protocol,
        externalPort: String(r.externalPort),
        internalIp: r.internalIp,
        internalPort: String(r.internalPort),
      }),
    );
  }
  for (const r of spec.floatingIps ?? [])
    objects.push(rule(`fip/${r.name}`, "IptablesFIPRule", names.fip(r.name), r.eip, { internalIp: r.internalIp }));
  return objects;
}

/** Every field of an IptablesEIP spec we declare. */
const EIP_FIELDS = ["natGwDp", "externalSubnet", "v4ip", "v6ip"];

/** Drops empty lists, which the controller's write removes. */
function nonEmpty(spec: { [k: string]: unknown }): { [k: string]: unknown } {
  // A loop, not Object.entries/fromEntries: those cost about 5% of planning a large fleet.
  const out: { [k: string]: unknown } = {};
  for (const k of Object.keys(spec)) {
    const v = spec[k];
    if (!(Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  return out;
}

type StaticRoute = {
  cidr: string;
  nextHopIP: string;
  policy: string;
  ecmpMode: string;
  bfdId: string;
  routeTable: string;
};

function staticRoutes(model: TenantModel): StaticRoute[] {
  const { spec } = model;
  // Kube-OVN's main table is the empty name (util.MainRouteTable).
  const route = (cidr: string, nextHopIP: string, policy: string, routeTable = ""): StaticRoute => ({
    cidr,
    nextHopIP,
    policy,
    ecmpMode: "",
    bfdId: "",
    routeTable,
  });
  const routes = (spec.staticRoutes ?? []).map((r) =>
    route(r.cidr, r.nextHopIP, r.policy ?? RoutePolicy.Destination, r.routeTable),
  );
  for (const r of peeringVpcSpec(model).routes) routes.push(route(r.cidr, r.nextHopIP, RoutePolicy.Destination));
  const gw = spec.natGateway;
  if (gw && gw.defaultRoute !== false && model.lanIp) {
    // checkTenant refuses a user default route that would clash with this one.
    routes.push(route(model.lanIp.family === 4 ? "0.0.0.0/0" : "::/0", model.lanIp.text, RoutePolicy.Destination));
  }
  return routes;
}

function splitFamilies(text: string): [string | undefined, string | undefined] {
  const parts = text ? text.split(",").map(parseAddress) : [];
  return [parts.find((a) => a?.family === 4)?.text, parts.find((a) => a?.family === 6)?.text];
}
