/**
 * Adopting a running cluster (`kubeovn-tenants import`): groups the Kube-OVN objects a cluster holds
 * into a cluster network and tenants (a tenant is a custom Vpc with its Subnets, NAT gateway, EIPs
 * and NAT rules) and writes them as a fleet file the planner turns back into exactly those objects.
 * Each object keeps its name (`adopt`) and its addresses (static). Every object the model cannot
 * express is reported with the reason and left out of the file, so it stays as it is, unmanaged.
 * Pure: the objects come from provider/kube/cluster-objects.ts. The round trip is checked here, not
 * assumed: each tenant is planned from the file and every planned value compared with the cluster's.
 */
import {
  type ClusterNetworkSpec,
  PlanError,
  type PlannedObject,
  type TenantSpec,
  planCluster,
  planFleet,
  planTenant,
} from "../core";
import {
  API_ACCESS_NETWORK,
  DEFAULT_VPC,
  INTERCONNECT_SUBNET,
  KUBE_SYSTEM,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  ROLE_NAMES,
  TENANT_LABEL,
  TENANT_NAME_MAX,
  namePartProblem,
} from "../core/names";
import { RoutePolicy } from "../core/spec";
import { DEFAULT_PROJECT, type Fleet } from "./fleet-file";

/** An object as the API server returns it (only what grouping reads). */
export interface LiveObject {
  metadata?: { name?: string; namespace?: string; labels?: { [k: string]: string } };
  spec?: { [k: string]: unknown };
  status?: { [k: string]: unknown };
  data?: { [k: string]: string };
}

/** What the cluster holds, one list per kind. */
export interface LiveCluster {
  vpcs: LiveObject[];
  subnets: LiveObject[];
  natGateways: LiveObject[];
  eips: LiveObject[];
  snatRules: LiveObject[];
  dnatRules: LiveObject[];
  fipRules: LiveObject[];
  securityGroups: LiveObject[];
  namespaces: LiveObject[];
  /** NetworkAttachmentDefinitions of kube-system. */
  attachments: LiveObject[];
  /** ConfigMap kube-system/ovn-vpc-nat-config, when there is one. */
  natConfig?: LiveObject;
}

/** One object left as it is, and why. */
export interface LeftAlone {
  kind: string;
  name: string;
  reason: string;
}

export interface Adoption {
  /** The fleet file; undefined when the cluster network itself cannot be expressed. */
  fleet?: Fleet;
  leftAlone: LeftAlone[];
}

const nameOf = (o: LiveObject) => o.metadata?.name ?? "";
const labelsOf = (o: LiveObject) => o.metadata?.labels ?? {};
const str = (v: unknown) => (typeof v === "string" ? v : "");
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const show = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v));
const madeByUs = (o: LiveObject) => labelsOf(o)[MANAGED_BY_LABEL] === MANAGED_BY;

/** A value Kube-OVN writes for a field left unset: nothing to express. */
function isUnset(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === "" || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as object).every(isUnset);
  return false;
}

/** Spec fields outside `known` that hold something: what the model has no field for. */
function unexpressed(
  spec: { [k: string]: unknown } | undefined,
  known: string[],
  defaults: { [k: string]: unknown } = {},
) {
  return Object.entries(spec ?? {})
    .filter(([k, v]) => !known.includes(k) && !isUnset(v) && JSON.stringify(defaults[k]) !== JSON.stringify(v))
    .map(([k, v]) => `spec.${k} is ${show(v)}, which the model has no field for`);
}

/** Equal as the API server would store them: key order aside, an empty list or null the same as none (Go's nil slices). */
function sameValue(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_k, x) =>
      x === null || (Array.isArray(x) && x.length === 0)
        ? undefined
        : x && typeof x === "object" && !Array.isArray(x)
          ? Object.fromEntries(Object.entries(x).sort(([k1], [k2]) => (k1 < k2 ? -1 : 1)))
          : x,
    ) ?? "";
  return canonical(a) === canonical(b);
}

/** The planned values of `planned` the cluster's object holds differently (labels and annotations of ours aside). */
function differences(planned: PlannedObject, live: LiveObject): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(planned.spec ?? {})) {
    const held = live.spec?.[k];
    const same =
      planned.kind === "NetworkAttachmentDefinition" && k === "config"
        ? sameJsonText(String(v), held)
        : sameValue(v, held);
    if (!same) out.push(`spec.${k} is ${show(held)} in the cluster; the model would make it ${show(v)}`);
  }
  return out;
}

function sameJsonText(a: string, b: unknown): boolean {
  try {
    return sameValue(JSON.parse(a), JSON.parse(String(b)));
  } catch {
    return false;
  }
}

/**
 * A name the model can use for an object of the tenant: its cluster name without the tenant's prefix
 * (`acme-web` of tenant acme: `web`), else the whole name; made unique in its list.
 */
function ownName(cluster: string, prefixes: string[], used: Set<string>): string {
  const stripped = prefixes
    .filter((p) => cluster.startsWith(p) && cluster.length > p.length)
    .map((p) => cluster.slice(p.length));
  const usable = (n: string) => namePartProblem(n) === undefined && !RESERVED_OWN_NAMES.has(n) && !used.has(n);
  let name = [...stripped, cluster].find(usable);
  for (let i = 2; !name; i++) if (usable(`${stripped[0] ?? cluster}-${i}`)) name = `${stripped[0] ?? cluster}-${i}`;
  used.add(name);
  return name;
}
/** Own names the model gives its role-made objects (the VPC, the interconnect EIP, monitoring). */
const RESERVED_OWN_NAMES = new Set<string>(Object.values(ROLE_NAMES));

/** Groups a live cluster into a fleet file; `only` limits the tenants to these VPCs. */
export function adoptCluster(live: LiveCluster, opts: { only?: string[]; project?: string } = {}): Adoption {
  const leftAlone: LeftAlone[] = [];
  const leave = (kind: string, o: LiveObject | string, reason: string) =>
    leftAlone.push({ kind, name: typeof o === "string" ? o : nameOf(o), reason });

  const cluster = adoptClusterNetwork(live, leave);
  const pools = new Set((cluster?.eipPools ?? []).map((p) => p.name));
  const tenants: TenantSpec[] = [];
  const taken = new Set<LiveObject>();
  for (const vpc of live.vpcs) {
    const name = nameOf(vpc);
    if (name === DEFAULT_VPC) continue;
    if (madeByUs(vpc)) {
      leave(
        "Vpc",
        vpc,
        `made by pulumi-kubeovn already (tenant ${labelsOf(vpc)[TENANT_LABEL] ?? "?"}): it has a stack`,
      );
      continue;
    }
    if (opts.only && !opts.only.includes(name)) continue;
    if (!cluster) {
      leave("Vpc", vpc, "the cluster network could not be expressed (above), and tenants are planned against it");
      continue;
    }
    const t = adoptTenant(live, vpc, cluster, pools, leave);
    if (!t) continue;
    tenants.push(t.spec);
    for (const o of t.objects) taken.add(o);
  }
  // Whatever no tenant took: its reason is where it belongs, or that it belongs nowhere.
  const rest: [string, LiveObject[], string][] = [
    ["VpcNatGateway", live.natGateways, "its VPC is not adopted"],
    ["IptablesEIP", live.eips, "its NAT gateway is not adopted"],
    ["IptablesSnatRule", live.snatRules, "its EIP is not adopted"],
    ["IptablesDnatRule", live.dnatRules, "its EIP is not adopted"],
    ["IptablesFIPRule", live.fipRules, "its EIP is not adopted"],
  ];
  const reported = new Set(leftAlone.map((l) => `${l.kind}/${l.name}`));
  for (const [kind, list, why] of rest)
    for (const o of list)
      if (!taken.has(o) && !madeByUs(o) && !reported.has(`${kind}/${nameOf(o)}`)) leave(kind, o, why);
  for (const g of live.securityGroups)
    if (!madeByUs(g))
      leave(
        "SecurityGroup",
        g,
        "a SecurityGroup is bound to pods by their annotations, not to a VPC or namespace; the model binds groups to a tenant's namespaces, so neither its tenant nor its pods can be read from it",
      );
  return {
    fleet: cluster
      ? { project: opts.project ?? DEFAULT_PROJECT, cluster, tenants: jointly(cluster, tenants, leave) }
      : undefined,
    leftAlone,
  };
}

/** The tenants that plan together (no namespace or address in two of them); the others are left alone. */
function jointly(cluster: ClusterNetworkSpec, tenants: TenantSpec[], leave: Leave): TenantSpec[] {
  try {
    planFleet(cluster, tenants);
    return tenants;
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    const refused = new Map<string, string[]>();
    for (const p of e.problems) {
      const t = /^tenants\[([^\]]+)\]/.exec(p.path)?.[1] ?? "";
      refused.set(t, [...(refused.get(t) ?? []), `${p.path}: ${show(p.value)} ${p.message}`]);
    }
    if (refused.has("")) throw e;
    for (const [t, why] of refused)
      leave(
        "Vpc",
        tenants.find((x) => x.tenant === t)?.adopt?.vpc ?? t,
        `the fleet refuses the tenant: ${why.join("; ")}`,
      );
    return jointly(
      cluster,
      tenants.filter((t) => !refused.has(t.tenant)),
      leave,
    );
  }
}

type Leave = (kind: string, o: LiveObject | string, reason: string) => void;

/** The interconnect network, the EIP pools and the NAT gateway settings; undefined (with the reasons) when not expressible. */
function adoptClusterNetwork(live: LiveCluster, leave: Leave): ClusterNetworkSpec | undefined {
  const ic = live.subnets.find((s) => nameOf(s) === INTERCONNECT_SUBNET);
  const nad = live.attachments.find((a) => nameOf(a) === INTERCONNECT_SUBNET);
  const problems: [string, string, string][] = [];
  if (!ic)
    problems.push([
      "Subnet",
      INTERCONNECT_SUBNET,
      "is missing: the interconnect network every NAT gateway attaches to",
    ]);
  let config: { [k: string]: unknown } = {};
  try {
    config = JSON.parse(str(nad?.spec?.config) || "{}");
  } catch {
    problems.push([
      "NetworkAttachmentDefinition",
      `${KUBE_SYSTEM}/${INTERCONNECT_SUBNET}`,
      "has a config that is not JSON",
    ]);
  }
  if (!nad)
    problems.push([
      "NetworkAttachmentDefinition",
      `${KUBE_SYSTEM}/${INTERCONNECT_SUBNET}`,
      "is missing: the interconnect network's macvlan attachment",
    ]);
  else if (config.type !== "macvlan" || typeof config.master !== "string")
    problems.push([
      "NetworkAttachmentDefinition",
      `${KUBE_SYSTEM}/${INTERCONNECT_SUBNET}`,
      `is a ${show(config.type)} attachment; the model's interconnect is a macvlan attachment on a host interface (master)`,
    ]);
  const image = live.natConfig?.data?.image;
  if (!image)
    problems.push(["ConfigMap", `${KUBE_SYSTEM}/ovn-vpc-nat-config`, "has no NAT gateway image (data.image)"]);
  const poolSubnets = live.subnets.filter(
    (s) =>
      ![INTERCONNECT_SUBNET, API_ACCESS_NETWORK].includes(nameOf(s)) &&
      str(s.spec?.provider) === `${nameOf(s)}.${KUBE_SYSTEM}`,
  );
  const range = (s: LiveObject) => {
    const gateway = str(s.spec?.gateway);
    // The controller adds the gateway to excludeIps; the planner adds it again.
    const excludeIps = strings(s.spec?.excludeIps).filter((e) => !gateway.split(",").includes(e));
    return { cidr: str(s.spec?.cidrBlock), gateway, ...(excludeIps.length ? { excludeIps } : {}) };
  };
  const spec: ClusterNetworkSpec = {
    interconnect: { masterInterface: str(config.master), ...range(ic ?? {}) },
    eipPools: poolSubnets.map((s) => ({ name: nameOf(s), ...range(s) })),
    natGateway: {
      image: image ?? "",
      ...(live.natConfig?.data?.bgpSpeakerImage ? { bgpSpeakerImage: live.natConfig.data.bgpSpeakerImage } : {}),
    },
  };
  if (problems.length === 0) {
    try {
      const plan = planCluster(spec);
      const adopt: string[] = [];
      for (const o of plan.objects) {
        if (o.patch) continue;
        const held = (o.kind === "Subnet" ? live.subnets : live.attachments).find((x) => nameOf(x) === o.metadata.name);
        if (!held) continue;
        if (!madeByUs(held)) adopt.push(o.id);
        const known = o.kind === "Subnet" ? [...Object.keys(o.spec ?? {}), "vpc"] : ["config"];
        for (const d of [...differences(o, held), ...unexpressed(held.spec, known, SUBNET_DEFAULTS)])
          problems.push([o.kind, o.metadata.name, d]);
      }
      if (adopt.length) spec.adopt = adopt;
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      for (const p of e.problems) problems.push(["cluster network", p.path, `${show(p.value)} ${p.message}`]);
    }
  }
  for (const [kind, name, reason] of problems) leave(kind, name, reason);
  return problems.length === 0 ? spec : undefined;
}

/** Values the controller writes into a Subnet the user did not set (formatSubnet). */
const SUBNET_DEFAULTS: { [k: string]: unknown } = { gatewayType: "distributed", provider: "ovn", enableLb: true };

/** The tenant of one custom Vpc; undefined (everything reported) when the Vpc or its structure cannot be expressed. */
function adoptTenant(
  live: LiveCluster,
  vpc: LiveObject,
  cluster: ClusterNetworkSpec,
  pools: Set<string>,
  leave: Leave,
): { spec: TenantSpec; objects: LiveObject[] } | undefined {
  const vpcName = nameOf(vpc);
  const subnets = live.subnets.filter((s) => str(s.spec?.vpc) === vpcName);
  const gateways = live.natGateways.filter((g) => str(g.spec?.vpc) === vpcName);
  const gw = gateways[0];
  const eips = gw ? live.eips.filter((e) => str(e.spec?.natGwDp) === nameOf(gw)) : [];
  const problems: string[] = [];
  const tenant = vpcName;
  const tenantProblem = namePartProblem(tenant, TENANT_NAME_MAX);
  if (tenantProblem) problems.push(`its name ${tenantProblem}, so it cannot name the tenant (and its stack)`);
  problems.push(...unexpressed(vpc.spec, ["namespaces", "staticRoutes", "policyRoutes"]));
  if (gateways.length > 1)
    problems.push(
      `it has ${gateways.length} NAT gateways (${gateways.map(nameOf).join(", ")}); the model has one per tenant`,
    );

  // Names within the tenant.
  const prefix = `${tenant}-`;
  const usedSubnets = new Set<string>();
  const subnetOwn = new Map(subnets.map((s) => [nameOf(s), ownName(nameOf(s), [prefix], usedSubnets)]));
  const adopt: { [key: string]: string } = { vpc: vpcName };

  // Namespaces: the Vpc's and those its Subnets bind, each existing and no other tenant's.
  const nsNames = [
    ...new Set([...strings(vpc.spec?.namespaces), ...subnets.flatMap((s) => strings(s.spec?.namespaces))]),
  ];
  for (const ns of nsNames) {
    const held = live.namespaces.find((n) => nameOf(n) === ns);
    if (!held) problems.push(`namespace ${ns}, which it binds, does not exist`);
    else if (madeByUs(held) && labelsOf(held)[TENANT_LABEL] && labelsOf(held)[TENANT_LABEL] !== tenant)
      problems.push(`namespace ${ns} belongs to tenant ${labelsOf(held)[TENANT_LABEL]}`);
  }

  const subnetSpecs = subnets.map((s) => {
    const own = subnetOwn.get(nameOf(s)) as string;
    adopt[`subnet/${own}`] = nameOf(s);
    for (const d of unexpressed(
      s.spec,
      [
        "vpc",
        "protocol",
        "provider",
        "cidrBlock",
        "gateway",
        "excludeIps",
        "namespaces",
        "private",
        "allowSubnets",
        "enableLb",
        "routeTable",
      ],
      SUBNET_DEFAULTS,
    ))
      problems.push(`Subnet ${nameOf(s)}: ${d}`);
    const r = s.spec ?? {};
    const gateway = str(r.gateway);
    const excludeIps = strings(r.excludeIps).filter((e) => !gateway.split(",").includes(e));
    return {
      name: own,
      cidr: str(r.cidrBlock),
      ...(gateway ? { gateway } : {}),
      ...(excludeIps.length ? { excludeIps } : {}),
      namespaces: strings(r.namespaces),
      ...(r.private === true ? { private: true } : {}),
      ...(strings(r.allowSubnets).length ? { allowSubnets: strings(r.allowSubnets) } : {}),
      ...(r.enableLb === false ? { enableLb: false } : {}),
      ...(str(r.routeTable) ? { routeTable: str(r.routeTable) } : {}),
    };
  });

  // The NAT gateway: its LAN side in a tenant subnet, its own address an EIP on the interconnect network.
  let natGateway: TenantSpec["natGateway"];
  const staticRoutes: NonNullable<TenantSpec["staticRoutes"]> = [];
  let defaultRoute = false;
  const lanIp = gw ? str(gw.spec?.lanIp) : "";
  for (const r of (Array.isArray(vpc.spec?.staticRoutes) ? vpc.spec.staticRoutes : []) as { [k: string]: unknown }[]) {
    const policy = str(r.policy) || RoutePolicy.Destination;
    if (str(r.ecmpMode) || str(r.bfdId))
      problems.push(`static route ${str(r.cidr)} uses ECMP or BFD, which the model has no field for`);
    if (
      gw &&
      ["0.0.0.0/0", "::/0"].includes(str(r.cidr)) &&
      str(r.nextHopIP) === lanIp &&
      policy === RoutePolicy.Destination &&
      !str(r.routeTable)
    )
      defaultRoute = true;
    else
      staticRoutes.push({
        cidr: str(r.cidr),
        nextHopIP: str(r.nextHopIP),
        ...(policy !== RoutePolicy.Destination ? { policy: policy as RoutePolicy } : {}),
        ...(str(r.routeTable) ? { routeTable: str(r.routeTable) } : {}),
      });
  }
  const interconnect = eips.filter((e) => (str(e.spec?.externalSubnet) || INTERCONNECT_SUBNET) === INTERCONNECT_SUBNET);
  if (gw) {
    const g = gw.spec ?? {};
    adopt["nat-gateway"] = nameOf(gw);
    const subnet = subnetOwn.get(str(g.subnet));
    if (!subnet) problems.push(`NAT gateway ${nameOf(gw)}: its subnet ${str(g.subnet)} is not one of the VPC's`);
    if (g.noDefaultEIP !== true)
      problems.push(
        `NAT gateway ${nameOf(gw)}: noDefaultEIP is not true; the model gives each gateway its own address as an EIP on the interconnect network`,
      );
    if (!sameValue(strings(g.externalSubnets), [INTERCONNECT_SUBNET]))
      problems.push(
        `NAT gateway ${nameOf(gw)}: externalSubnets is ${show(g.externalSubnets)}; the model attaches it to ${INTERCONNECT_SUBNET} only`,
      );
    for (const d of unexpressed(g, ["vpc", "subnet", "lanIp", "externalSubnets", "noDefaultEIP", "selector"]))
      problems.push(`NAT gateway ${nameOf(gw)}: ${d}`);
    if (interconnect.length === 0)
      problems.push(
        `NAT gateway ${nameOf(gw)} has no EIP on ${INTERCONNECT_SUBNET}, which the model gives every gateway`,
      );
    else adopt["eip/interconnect"] = nameOf(interconnect[0]);
    natGateway = {
      subnet: subnet ?? "",
      lanIp,
      ...(interconnect[0] ? { interconnectIp: eipAddresses(interconnect[0]).join(",") } : {}),
      ...(defaultRoute ? {} : { defaultRoute: false }),
      ...(strings(g.selector).length ? { selector: strings(g.selector) } : {}),
    };
  }

  const objects = [vpc, ...subnets, ...(gw ? [gw] : []), ...interconnect.slice(0, 1)];
  if (problems.length > 0) {
    leaveTenant(vpc, [...subnets, ...gateways, ...eips], problems, leave, live);
    return undefined;
  }

  // EIPs and rules: each one the model cannot express is left alone on its own.
  const spec: TenantSpec = {
    tenant,
    namespaces: nsNames.map((name) => ({ name, adopt: true })),
    subnets: subnetSpecs,
    ...(staticRoutes.length ? { staticRoutes } : {}),
    ...(policyRoutes(vpc).length ? { policyRoutes: policyRoutes(vpc) } : {}),
    ...(natGateway ? { natGateway } : {}),
    adopt,
  };
  const parts = natParts(live, tenant, eips, interconnect[0], pools, leave);
  return finish(spec, parts, cluster, live, objects, leave);
}

function policyRoutes(vpc: LiveObject): NonNullable<TenantSpec["policyRoutes"]> {
  return ((Array.isArray(vpc.spec?.policyRoutes) ? vpc.spec.policyRoutes : []) as { [k: string]: unknown }[]).map(
    (r) => ({
      priority: typeof r.priority === "number" ? r.priority : 0,
      match: str(r.match),
      action: str(r.action) as NonNullable<TenantSpec["policyRoutes"]>[number]["action"],
      ...(str(r.nextHopIP) ? { nextHopIP: str(r.nextHopIP) } : {}),
    }),
  );
}

/** An EIP's addresses, as the controller holds them (spec, else what it allocated). */
function eipAddresses(e: LiveObject): string[] {
  const s = e.spec ?? {};
  const v4 = str(s.v4ip) || str(e.status?.ip);
  const v6 = str(s.v6ip) || str(e.status?.ipv6);
  return [v4, v6].filter((a) => a !== "");
}

/** One EIP or NAT rule as a spec entry, with the live object it stands for. */
interface Part {
  key: string;
  list: "eips" | "snatRules" | "dnatRules" | "floatingIps";
  entry: { name: string; eip?: string; [k: string]: unknown };
  live: LiveObject;
  kind: string;
}

/** The tenant's real EIPs and the rules on them; what cannot be expressed is reported and left out. */
function natParts(
  live: LiveCluster,
  tenant: string,
  eips: LiveObject[],
  interconnect: LiveObject | undefined,
  pools: Set<string>,
  leave: Leave,
): Part[] {
  const parts: Part[] = [];
  const eipOwn = new Map<string, string>();
  const used = { eips: new Set<string>(), rules: new Set<string>() };
  for (const e of eips) {
    if (e === interconnect) continue;
    const sub = str(e.spec?.externalSubnet) || INTERCONNECT_SUBNET;
    const extra = unexpressed(e.spec, ["natGwDp", "externalSubnet", "v4ip", "v6ip", "macAddress", "qosPolicy"]);
    if (sub === INTERCONNECT_SUBNET)
      leave(
        "IptablesEIP",
        e,
        `a second EIP on ${INTERCONNECT_SUBNET}; the model takes the EIPs of NAT rules from EIP pools`,
      );
    else if (!pools.has(sub))
      leave("IptablesEIP", e, `its externalSubnet ${sub} is not an EIP pool of the cluster network`);
    else if (extra.length) leave("IptablesEIP", e, extra.join("; "));
    else {
      const name = ownName(nameOf(e), [`${tenant}-`], used.eips);
      eipOwn.set(nameOf(e), name);
      const [v4, v6] = [str(e.spec?.v4ip) || str(e.status?.ip), str(e.spec?.v6ip) || str(e.status?.ipv6)];
      parts.push({
        key: `eip/${name}`,
        list: "eips",
        entry: { name, pool: sub, ...(v4 ? { v4ip: v4 } : {}), ...(v6 ? { v6ip: v6 } : {}) },
        live: e,
        kind: "IptablesEIP",
      });
    }
  }
  const rules: [
    string,
    LiveObject[],
    Part["list"],
    string,
    (s: { [k: string]: unknown }) => { [k: string]: unknown },
    string[],
  ][] = [
    [
      "IptablesSnatRule",
      live.snatRules,
      "snatRules",
      "snat",
      (s) => ({ internalCIDR: str(s.internalCIDR) }),
      ["internalCIDR"],
    ],
    [
      "IptablesDnatRule",
      live.dnatRules,
      "dnatRules",
      "dnat",
      (s) => ({
        protocol: str(s.protocol),
        externalPort: Number(s.externalPort),
        internalIp: str(s.internalIp),
        internalPort: Number(s.internalPort),
      }),
      ["protocol", "externalPort", "internalIp", "internalPort"],
    ],
    [
      "IptablesFIPRule",
      live.fipRules,
      "floatingIps",
      "fip",
      (s) => ({ internalIp: str(s.internalIp) }),
      ["internalIp"],
    ],
  ];
  const tenantEips = new Set(eips.map(nameOf));
  for (const [kind, list, field, key, entry, known] of rules)
    for (const r of list) {
      const eip = str(r.spec?.eip);
      if (!tenantEips.has(eip)) continue;
      const own = eipOwn.get(eip);
      const extra = unexpressed(r.spec, ["eip", ...known]);
      if (interconnect && eip === nameOf(interconnect))
        leave(
          kind,
          r,
          `it uses the NAT gateway's own address (EIP ${eip} on ${INTERCONNECT_SUBNET}); the model's rules use EIPs from EIP pools`,
        );
      else if (!own) leave(kind, r, `its EIP ${eip} is left alone`);
      else if (extra.length) leave(kind, r, extra.join("; "));
      else {
        const name = ownName(nameOf(r), [`${tenant}-${key}-`, `${tenant}-`], used.rules);
        parts.push({
          key: `${key}/${name}`,
          list: field,
          entry: { name, eip: own, ...entry(r.spec ?? {}) },
          live: r,
          kind,
        });
      }
    }
  return parts;
}

/**
 * Plans the tenant from its spec and compares each planned object with the cluster's: an EIP or rule
 * the planner refuses or would change is left out (with the rules on an EIP left out); anything else
 * leaves the whole tenant alone.
 */
function finish(
  base: TenantSpec,
  parts: Part[],
  cluster: ClusterNetworkSpec,
  live: LiveCluster,
  structure: LiveObject[],
  leave: Leave,
): { spec: TenantSpec; objects: LiveObject[] } | undefined {
  const info = planCluster({ ...cluster, adopt: undefined }).info;
  let kept = parts;
  for (;;) {
    const spec = withParts(base, kept);
    const dropped = new Map<Part, string>();
    const structural: string[] = [];
    try {
      const plan = planTenant(spec, info);
      for (const o of plan.objects) {
        const held = liveObject(live, o);
        if (!held) continue;
        const diff = differences(o, held);
        if (diff.length === 0) continue;
        const part = kept.find((x) => x.key === o.id);
        if (part) dropped.set(part, diff.join("; "));
        else structural.push(`${o.kind} ${o.metadata.name}: ${diff.join("; ")}`);
      }
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      for (const p of e.problems) {
        const part = kept.find((x) => p.path.startsWith(`${x.list}[${x.entry.name}]`) || p.path === `adopt[${x.key}]`);
        const why = `the planner refuses it: ${p.path}: ${show(p.value)} ${p.message}`;
        if (part) dropped.set(part, why);
        else structural.push(why);
      }
    }
    if (structural.length > 0) {
      leaveTenant(structure[0], [...structure.slice(1), ...kept.map((x) => x.live)], structural, leave, live);
      return undefined;
    }
    if (dropped.size === 0) return { spec, objects: [...structure, ...kept.map((x) => x.live)] };
    for (const [part, why] of dropped) leave(part.kind, part.live, why);
    // Rules on a dropped EIP go with it.
    const gone = new Set([...dropped.keys()].filter((x) => x.list === "eips").map((x) => x.entry.name));
    kept = kept.filter((x) => !dropped.has(x));
    for (const x of kept.filter((y) => y.entry.eip !== undefined && gone.has(y.entry.eip)))
      leave(
        x.kind,
        x.live,
        `its EIP ${nameOf(parts.find((y) => y.entry.name === x.entry.eip)?.live ?? {})} is left alone`,
      );
    kept = kept.filter((x) => !(x.entry.eip !== undefined && gone.has(x.entry.eip)));
  }
}

function withParts(base: TenantSpec, parts: Part[]): TenantSpec {
  const spec: TenantSpec = { ...base, adopt: { ...base.adopt } };
  for (const list of ["eips", "snatRules", "dnatRules", "floatingIps"] as const) {
    const entries = parts.filter((x) => x.list === list).map((x) => x.entry);
    // biome-ignore lint/suspicious/noExplicitAny: each list gets entries of its own shape, built above
    if (entries.length) (spec as any)[list] = entries;
  }
  for (const x of parts) (spec.adopt as { [k: string]: string })[x.key] = nameOf(x.live);
  // adopt last, so the file reads top-down: the network, then what it takes over.
  const { adopt, ...rest } = spec;
  return { ...rest, adopt };
}

const LIVE_LISTS: { [kind: string]: keyof LiveCluster } = {
  Vpc: "vpcs",
  Subnet: "subnets",
  VpcNatGateway: "natGateways",
  IptablesEIP: "eips",
  IptablesSnatRule: "snatRules",
  IptablesDnatRule: "dnatRules",
  IptablesFIPRule: "fipRules",
};

function liveObject(live: LiveCluster, o: PlannedObject): LiveObject | undefined {
  const list = LIVE_LISTS[o.kind];
  return list ? (live[list] as LiveObject[]).find((x) => nameOf(x) === o.metadata.name) : undefined;
}

/** Reports a tenant left alone: the Vpc with every reason, and each of its objects pointing at it. */
function leaveTenant(vpc: LiveObject, objects: LiveObject[], reasons: string[], leave: Leave, live: LiveCluster): void {
  leave("Vpc", vpc, reasons.join("; "));
  const because = `its VPC ${nameOf(vpc)} is left alone`;
  for (const o of objects) {
    const kind =
      Object.entries(LIVE_LISTS).find(([, list]) => (live[list] as LiveObject[]).includes(o))?.[0] ?? "object";
    leave(kind, o, because);
  }
  const eips = new Set(objects.filter((o) => live.eips.includes(o)).map(nameOf));
  for (const r of [...live.snatRules, ...live.dnatRules, ...live.fipRules])
    if (eips.has(str(r.spec?.eip)) && !objects.includes(r))
      leave(
        live.snatRules.includes(r)
          ? "IptablesSnatRule"
          : live.dnatRules.includes(r)
            ? "IptablesDnatRule"
            : "IptablesFIPRule",
        r,
        because,
      );
}

/** The import's report in Markdown: what was adopted, and each object left alone with its reason. */
export function renderAdoption(a: Adoption, source: string): string {
  const lines = [`# Import of ${source}`, ""];
  if (!a.fleet)
    lines.push(
      "No fleet file: the cluster network cannot be expressed (below), and every tenant is planned against it.",
      "",
    );
  else {
    const t = a.fleet.tenants;
    lines.push(
      `Cluster network: the interconnect network and ${a.fleet.cluster.eipPools.length} EIP pool(s)${a.fleet.cluster.adopt?.length ? `, adopting ${a.fleet.cluster.adopt.join(", ")}` : ""}.`,
      "",
      `${t.length} tenant(s) adopted${t.length ? ":" : "."}`,
      ...t.map(
        (x) =>
          `- ${x.tenant}: ${Object.values(x.adopt ?? {}).join(", ")}; namespaces ${x.namespaces.map((n) => n.name).join(", ") || "none"}`,
      ),
      "",
    );
  }
  if (a.leftAlone.length === 0) lines.push("Nothing was left alone.");
  else {
    lines.push(
      `${a.leftAlone.length} object(s) left alone (not in the fleet file, unchanged in the cluster):`,
      "",
      "| kind | name | why |",
      "|---|---|---|",
    );
    for (const l of a.leftAlone) lines.push(`| ${l.kind} | ${l.name} | ${l.reason.replace(/\|/g, "\\|")} |`);
  }
  return `${lines.join("\n")}\n`;
}
