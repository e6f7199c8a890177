/**
 * Clashes between a plan and what the cluster already holds, read once per program run (a plain
 * snapshot, see provider/kube/cluster-snapshot.ts). Each problem names our side (field and value)
 * and theirs (kind, name, owner). The rules:
 *
 * - A name held by an object of the same kind (Subnet, Vpc, VpcNatGateway, IptablesEIP, the three
 *   rule kinds, SecurityGroup; a NetworkAttachmentDefinition in its namespace) that we did not make for
 *   the same owner: declaring it would adopt or overwrite that object. Our own names cannot meet
 *   (provider/core/names.ts); this is for objects made by hand, by other tools, or named by hand.
 * - A Subnet overlapping another Subnet of the same VPC: kube-ovn-controller refuses the second
 *   (pkg/controller/subnet.go checkSubnetConflict, "subnet … cidr … is conflict with subnet …") and
 *   the Subnet never becomes Ready.
 * - A tenant range overlapping a Subnet of the default VPC that pulumi-kubeovn did not make (`join`,
 *   `ovn-default`, any other): tenant pods also live on the default VPC's side (the API-server access
 *   NIC, the scraper's NIC in the tenant subnet, the NAT gateway), where such a range is ambiguous. Ranges
 *   of other custom VPCs may overlap ours: VPCs are isolated, that is what they are for.
 * - A range overlapping the service range: a pod address that is also a ClusterIP is shadowed by
 *   the Service load balancers (Kubernetes keeps the two apart for the same reason). For a Subnet of
 *   the default VPC upstream refuses one holding the API server's Service address
 *   (pkg/util/validator.go ValidateSubnet, "conflicts with k8s apiserver svc ip").
 * - An address held in a claim range (EIP pool, interconnect) by an IP, Vip or IptablesEIP that no
 *   address claim covers: handed to the planner as held (see externalHolders), so a static address
 *   there is refused naming the holder and an allocated one goes elsewhere.
 */
import type { AddressClaim } from "./claims";
import type { Problems } from "./errors";
import { type Cidr, overlaps, parseAddress, parseCidrList } from "./net";
import { DEFAULT_VPC, MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL } from "./names";
import type { PlannedObject } from "./plan";
import { liveNameRules, liveSubnetRules } from "./rules/live-cluster";
import type { AddressClaims } from "./tenant-plan";

/** Labels that say who made an object. */
export interface OwnerLabels {
  [key: string]: string;
}

/** A Subnet in the cluster. */
export interface SubnetFact {
  name: string;
  /** `spec.vpc`; empty for a Subnet no VPC serves (an attachment's provider). */
  vpc: string;
  cidrBlock: string;
  /** `spec.gateway` as the cluster holds it (the controller fills it in when we do not set it). */
  gateway?: string;
  labels: OwnerLabels;
}

/** An object holding addresses of a subnet: a pod's IP, a Vip, an IptablesEIP. */
export interface AddressHolderFact {
  kind: "IP" | "Vip" | "IptablesEIP";
  name: string;
  subnet: string;
  addresses: string[];
  labels: OwnerLabels;
  /** For an IP: the pod it was made for, `<namespace>/<name>`. */
  pod?: string;
}

/** An object of a kind a plan declares, by name, with who made it. */
export interface NamedObjectFact {
  kind: string;
  name: string;
  /** For a namespaced kind (NetworkAttachmentDefinition). */
  namespace?: string;
  labels: OwnerLabels;
}

/** The service range, or what is known of it. */
export interface ServiceRangeFact {
  /** CIDRs of the range; or single addresses (`/32`, `/128`) when only members are known. */
  cidrs: string[];
  /** Where it was read, for messages: `ServiceCIDR kubernetes`, or `Service default/kubernetes (clusterIPs)`. */
  source: string;
}

/**
 * What the cluster holds that a plan can clash with. A field is undefined when it could not be
 * read; `skipped` says which reads failed and why, for the preview's warning.
 */
export interface ClusterSnapshot {
  subnets?: SubnetFact[];
  serviceRange?: ServiceRangeFact;
  addressHolders?: AddressHolderFact[];
  /**
   * Objects of the kinds a plan declares beside Subnets and IptablesEIPs (those are in `subnets` and
   * `addressHolders`), and the kinds that could be read.
   */
  named?: { kinds: string[]; objects: NamedObjectFact[] };
  skipped: string[];
}

/** Who planned the objects being checked: a tenant, or the cluster network (no tenant). */
export interface PlanOwner {
  tenant?: string;
  /** The spec field holding a planned Subnet's range, e.g. `subnets[app].cidr`. */
  field(o: PlannedObject): string;
}

/** Who made an object, as a phrase. */
export function ownerOf(labels: OwnerLabels, pod?: string): string {
  const tenant = labels[TENANT_LABEL];
  const by = labels[MANAGED_BY_LABEL];
  if (by === MANAGED_BY) return tenant ? `tenant ${tenant}` : "the cluster network of pulumi-kubeovn";
  if (pod) return `pod ${pod}`;
  if (by) return `managed by ${by}`;
  return "not made by pulumi-kubeovn";
}

const isOwn = (labels: OwnerLabels, owner: PlanOwner) =>
  labels[MANAGED_BY_LABEL] === MANAGED_BY && (labels[TENANT_LABEL] ?? undefined) === owner.tenant;
const madeByUs = (labels: OwnerLabels) => labels[MANAGED_BY_LABEL] === MANAGED_BY;

/** The first of `theirs` that one of `ours` overlaps. */
function firstOverlap(ours: Cidr[], theirs: Cidr[]): Cidr | undefined {
  return theirs.find((y) => ours.some((x) => overlaps(x, y)));
}

/** Refuses planned objects that clash with what the cluster holds: names, Subnet ranges, the service range (rules above). */
export function checkClusterClashes(
  p: Problems,
  owner: PlanOwner,
  objects: PlannedObject[],
  snapshot: ClusterSnapshot,
): void {
  checkNameClashes(p, owner, objects, snapshot);
  refuseRenameUnderPods(p, owner, objects, snapshot);
  const theirs = (snapshot.subnets ?? []).map((s) => ({ ...s, cidrs: parseCidrList(s.cidrBlock) ?? [] }));
  const service = snapshot.serviceRange && {
    ...snapshot.serviceRange,
    cidrs: snapshot.serviceRange.cidrs.flatMap((c) => parseCidrList(c) ?? []),
  };
  for (const o of objects) {
    if (o.kind !== "Subnet" || !o.spec) continue;
    const name = o.metadata.name as string;
    const vpc = typeof o.spec.vpc === "string" ? o.spec.vpc : "";
    const block = String(o.spec.cidrBlock ?? "");
    const cidrs = parseCidrList(block) ?? [];
    const field = owner.field(o);
    for (const s of theirs) {
      const who = `Subnet ${s.name} (${s.cidrBlock}${s.vpc ? `, VPC ${s.vpc}` : ""}, ${ownerOf(s.labels)})`;
      if (s.name === name) {
        if (!isOwn(s.labels, owner)) {
          const source = nameSource(o, objects);
          liveNameRules.refuse(
            p,
            "live.name",
            source.path,
            source.value,
            `would be declared as Subnet ${name}, a name the cluster's ${who} holds`,
          );
        } else refuseReplacementUnderPods(p, field, o, s, snapshot);
        continue;
      }
      // Our own objects change with the plan (a renamed subnet), which the engine orders.
      if (isOwn(s.labels, owner)) continue;
      const hit = firstOverlap(cidrs, s.cidrs);
      if (!hit) continue;
      if (vpc !== "" && s.vpc === vpc)
        liveSubnetRules.refuse(
          p,
          "live.subnet.overlap",
          field,
          block,
          `overlaps ${who} in the same VPC: kube-ovn-controller refuses it ("subnet ${name} cidr ${block} is conflict with subnet ${s.name} cidr ${s.cidrBlock}")`,
        );
      else if (owner.tenant !== undefined && s.vpc === DEFAULT_VPC && !madeByUs(s.labels))
        liveSubnetRules.refuse(
          p,
          "live.subnet.default-vpc",
          field,
          block,
          `overlaps ${who} of the cluster's default VPC, which the tenant's pods reach (API-server access, the scraper's NIC, the NAT gateway): keep tenant ranges apart from the cluster network's`,
        );
    }
    const inService = service && firstOverlap(cidrs, service.cidrs);
    if (service && inService) {
      const members = service.cidrs.every((c) => c.prefix === (c.family === 4 ? 32 : 128));
      liveSubnetRules.refuse(
        p,
        "live.subnet.service-range",
        field,
        block,
        members
          ? `holds ${inService.text.replace(/\/\d+$/, "")}, an address of the service range (${service.source}): pod addresses must stay out of the service range`
          : `overlaps the service range ${inService.text} (${service.source}): pod addresses must stay out of the service range`,
      );
    }
  }
}

/** The planned lists whose items name their objects, by the id prefix of those objects (provider/core/tenant-plan.ts, cluster.ts). */
const NAMING_LISTS: [prefix: string, list: string][] = [
  ["subnet/", "subnets"],
  ["eip/", "eips"],
  ["snat/", "snatRules"],
  ["dnat/", "dnatRules"],
  ["fip/", "floatingIps"],
  ["security-group/", "securityGroups"],
  ["eip-pool/", "eipPools"],
];
/** Role-made objects of the cluster network, by id prefix: the spec field they come from. */
const CLUSTER_ROLES: { [prefix: string]: string } = {
  interconnect: "interconnect",
  "api-server-access": "apiServerAccess",
};

/**
 * The spec field and value a planned object's name comes from: the item's own name for a declared
 * object (`eips[web].name`), the tenant for a role's object (the Vpc, the interconnect EIP, the
 * monitoring attachment), the cluster network's section for its own.
 */
export function nameSource(o: PlannedObject, objects: PlannedObject[]): { path: string; value: string } {
  const tenant = o.metadata.labels?.[TENANT_LABEL];
  const [head] = o.id.split("/");
  const role = tenant
    ? { path: "tenant", value: tenant }
    : { path: CLUSTER_ROLES[head] ?? head, value: String(o.metadata.name) };
  const monitored = objects.some((x) => x.id === "monitoring/subnet");
  if (o.id === "eip/interconnect") return role;
  if (monitored && (o.id === "security-group/monitoring" || o.id === "security-group/monitoring-open")) return role;
  for (const [prefix, list] of NAMING_LISTS)
    if (o.id.startsWith(prefix)) {
      const own = o.id.slice(prefix.length);
      return { path: `${list}[${own}].name`, value: own };
    }
  return role;
}

/**
 * Refuses planned objects whose name the cluster holds in an object of the same kind (in the same
 * namespace) that another owner made: a Vpc, VpcNatGateway, IptablesEIP, rule, SecurityGroup or
 * NetworkAttachmentDefinition (Subnets: checkClusterClashes). Both sides named.
 */
export function checkNameClashes(
  p: Problems,
  owner: PlanOwner,
  objects: PlannedObject[],
  snapshot: ClusterSnapshot,
): void {
  const held = new Map<string, { kind: string; name: string; namespace?: string; labels: OwnerLabels }>();
  const key = (kind: string, name: string, namespace = "") => `${kind}/${namespace}/${name}`;
  for (const h of snapshot.addressHolders ?? []) if (h.kind === "IptablesEIP") held.set(key(h.kind, h.name), h);
  for (const n of snapshot.named?.objects ?? []) held.set(key(n.kind, n.name, n.namespace), n);
  for (const o of objects) {
    if (o.kind === "Subnet" || o.patch) continue;
    const name = String(o.metadata.name);
    const theirs = held.get(key(o.kind, name, o.metadata.namespace));
    if (!theirs || isOwn(theirs.labels, owner)) continue;
    const where = theirs.namespace ? ` in namespace ${theirs.namespace}` : "";
    const source = nameSource(o, objects);
    liveNameRules.refuse(
      p,
      "live.name",
      source.path,
      source.value,
      `would be declared as ${o.kind} ${name}${where}, a name the cluster's ${o.kind} ${name} (${ownerOf(theirs.labels)}) holds`,
    );
  }
}

/** A NAT gateway's pod (StatefulSet vpc-nat-gw-<gateway> in kube-system): replaced together with its subnet. */
const isGatewayPod = (pod: string) => /^kube-system\/vpc-nat-gw-/.test(pod);

/**
 * Our own Subnet whose plan changes a field that replaces it (its CIDR or gateway) while workload
 * pods hold addresses in it: Kube-OVN keeps a subnet until every address in it is released, so the
 * replacement would wait out the delete timeout (10 minutes) and fail half-way, the NAT gateway
 * already gone. Refused at preview, naming the pods; they have to move (or go) first.
 */
function refuseReplacementUnderPods(
  p: Problems,
  field: string,
  o: PlannedObject,
  live: SubnetFact,
  snapshot: ClusterSnapshot,
): void {
  const planned = o.spec as { [k: string]: unknown };
  const changes: { path: string; from: string; to: string }[] = [];
  const block = String(planned.cidrBlock ?? "");
  if (live.cidrBlock !== "" && live.cidrBlock !== block) changes.push({ path: field, from: live.cidrBlock, to: block });
  const gateway = typeof planned.gateway === "string" ? planned.gateway : undefined;
  if (gateway !== undefined && live.gateway && live.gateway !== gateway)
    changes.push({ path: field.replace(/\.cidr$/, ".gateway"), from: live.gateway, to: gateway });
  if (changes.length === 0) return;
  const shown = workloadPods(snapshot, live.name);
  if (!shown) return;
  for (const c of changes)
    liveSubnetRules.refuse(
      p,
      "live.subnet.replacement-under-pods",
      c.path,
      c.to,
      `changes ${c.from} to ${c.to}, which replaces Subnet ${live.name}, but pods hold addresses in it (${shown}): ${HANGS}. Move or stop those workloads first, then change it`,
    );
}

const HANGS =
  "Kube-OVN deletes a subnet only once every address in it is released, so the replacement would hang and fail half-way";

/** The workload pods (NAT gateways aside: replaced with their subnet) holding addresses in `subnet`, as a phrase; "" for none. */
function workloadPods(snapshot: ClusterSnapshot, subnet: string): string {
  const pods = [
    ...new Set(
      (snapshot.addressHolders ?? [])
        .filter((h) => h.kind === "IP" && h.subnet === subnet && h.pod && !isGatewayPod(h.pod))
        .map((h) => h.pod as string),
    ),
  ].sort();
  return pods.length > 5 ? `${pods.slice(0, 5).join(", ")} and ${pods.length - 5} more` : pods.join(", ");
}

/**
 * A tenant's own Subnet under the name releases before `<tenant>--<name>` gave it (`<tenant>-<name>`,
 * `<tenant>-monitoring`) that the plan renames while workload pods hold addresses in it: a new name is
 * a new object, so the old one is deleted first, and that delete waits for the pods' addresses like any
 * replacement (refuseReplacementUnderPods). Refused at preview, naming the pods.
 */
function refuseRenameUnderPods(
  p: Problems,
  owner: PlanOwner,
  objects: PlannedObject[],
  snapshot: ClusterSnapshot,
): void {
  const t = owner.tenant;
  if (t === undefined) return;
  const planned = new Set(objects.filter((o) => o.kind === "Subnet").map((o) => String(o.metadata.name)));
  for (const o of objects) {
    if (o.kind !== "Subnet") continue;
    const own = o.id.startsWith("subnet/") ? o.id.slice("subnet/".length) : "monitoring";
    const before = `${t}-${own}`;
    const live = (snapshot.subnets ?? []).find((s) => s.name === before && isOwn(s.labels, owner));
    if (!live || planned.has(before)) continue;
    const shown = workloadPods(snapshot, before);
    if (!shown) continue;
    const source = nameSource(o, objects);
    liveSubnetRules.refuse(
      p,
      "live.subnet.replacement-under-pods",
      source.path,
      source.value,
      `renames Subnet ${before} (its name before <tenant>--<name>) to ${o.metadata.name}, which replaces it, but pods hold addresses in it (${shown}): ${HANGS}. Move or stop those workloads first, then upgrade`,
    );
  }
}

/**
 * Addresses of the claim ranges (`ranges`: EIP pools, the interconnect) that cluster objects hold
 * without a claim covering them, as holders the planner avoids: a static address there is refused
 * naming the object, an allocated one goes elsewhere. Addresses with a claim are the claims' business
 * (our own NAT gateways' IPs and our EIPs have one).
 */
export function externalHolders(
  snapshot: ClusterSnapshot,
  claims: AddressClaim[],
  ranges: Iterable<string>,
): AddressClaims {
  const wanted = new Set(ranges);
  const claimed = new Set(claims.map((c) => `${c.range} ${c.address}`));
  const out: AddressClaims = {};
  for (const h of snapshot.addressHolders ?? []) {
    if (!wanted.has(h.subnet)) continue;
    for (const text of h.addresses) {
      const a = parseAddress(text);
      if (!a || claimed.has(`${h.subnet} ${a.text}`)) continue;
      out[h.subnet] ??= {};
      out[h.subnet][a.text] ??= `${h.kind} ${h.name} (${ownerOf(h.labels, h.pod)}, no address claim)`;
    }
  }
  return out;
}

/** `under` with `over` laid on top, range by range (`over` wins for an address both hold). */
export function mergeClaims(under: AddressClaims, over: AddressClaims): AddressClaims {
  const out: AddressClaims = { ...under };
  for (const [range, held] of Object.entries(over)) out[range] = { ...(out[range] ?? {}), ...held };
  return out;
}

/** The kinds whose names `named` carries when every list could be read. */
export const NAMED_KINDS = [
  "Vpc",
  "VpcNatGateway",
  "IptablesSnatRule",
  "IptablesDnatRule",
  "IptablesFIPRule",
  "SecurityGroup",
  "NetworkAttachmentDefinition",
] as const;

/** The checks a snapshot could not serve, each with the reads that failed, for the preview's warning. */
export function skippedChecks(snapshot: ClusterSnapshot): string[] {
  const out: string[] = [];
  if (!snapshot.subnets) out.push("Subnet names and ranges against the cluster's Subnets");
  if (!snapshot.addressHolders) out.push("addresses held by IPs, Vips and IptablesEIPs without a claim");
  const named = new Set(snapshot.named?.kinds ?? []);
  const unnamed = [...NAMED_KINDS].filter((k) => !named.has(k));
  if (unnamed.length > 0) out.push(`names against the cluster's ${unnamed.join(", ")} objects`);
  if (!snapshot.serviceRange) out.push("ranges against the service range");
  else if (snapshot.serviceRange.cidrs.every((c) => /\/(32|128)$/.test(c)))
    out.push("ranges against the service range beyond the kubernetes Service's own address");
  return out;
}
