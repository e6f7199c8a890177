import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type ClusterNetworkInfo,
  type PlannedObject,
  type PodDefaults,
  PlanError,
  Problems,
  type TenantPlan,
  type TenantSpec,
  type ClusterSnapshot,
  checkAgainstTenants,
  checkClusterClashes,
  checkNamespaceOwners,
  claimRef,
  planTenant,
  plannedClaims,
  skippedChecks,
} from "../core";
import { parseAddress } from "../core/net";
import { standInClusterInfo } from "../core/preview-facts";
import { adoptedObjects, adoptedSnapshot } from "../core/adopt";
import { tenantObjectNames } from "../core/names";
import { checkPeeringPair, checkTenant } from "../core/rules";
import { inputKeys } from "../input-schema";
import { clusterNamespaceOwners, clusterSnapshot, tenantAddresses } from "./claims";
import { type Target, objectsAccess } from "./cluster-access";
import { type Declared, declareObjects } from "./declare";
import { type TeardownSpec, checkTeardownKubeconfig, declareTeardown, teardownKubeconfig } from "./teardown";

/** A tenant network: the spec of one tenant plus the cluster facts it is planned against. */
export interface TenantNetworkArgs extends TenantSpec {
  /** The `info` output of the cluster's ClusterNetwork (from this stack, or from the cluster stack via a stack reference). */
  cluster: pulumi.Input<ClusterNetworkInfo>;
  /** How the tenant is taken apart on destroy: grace period and credentials. */
  teardown?: TeardownSpec;
}

/** The tenants declared so far in each program run (keyed by its stack resource), for the cross-tenant checks. */
const declaredTenants = new WeakMap<object, TenantSpec[]>();
const NO_STACK = {};

/**
 * Refuses, before anything is registered, args holding a key TenantNetworkArgs does not declare, and
 * a tenant that takes a name, namespace or static address another tenant of this program has, or
 * whose peering halves do not match the other tenant's.
 */
function claimInProgram(args: TenantNetworkArgs, spec: TenantSpec): void {
  const run = pulumi.runtime.getStackResource() ?? NO_STACK;
  const others = declaredTenants.get(run) ?? [];
  const p = new Problems();
  inputKeys().check(p, args, "TenantNetworkArgs");
  checkAgainstTenants(p, spec, others);
  // Both halves of a peering are known once both tenants are declared here.
  for (const o of others) {
    checkPeeringPair(p, spec, o, `peerings[${o.tenant}]`);
    checkPeeringPair(p, o, spec, `tenants[${o.tenant}].peerings[${spec.tenant}]`);
  }
  p.throwIfAny(`tenant ${JSON.stringify(spec.tenant)}`);
  declaredTenants.set(run, [...others, spec]);
}

/**
 * Refuses a tenant naming a namespace that another tenant (maybe of another stack) holds in the
 * cluster. Without a reachable cluster there is nothing to compare with, and the deployment will
 * fail on its own, so the check is skipped with a warning. The namespaces are one list per program
 * run and cluster, shared by every tenant.
 */
async function checkClusterNamespaces(spec: TenantSpec, resource: pulumi.Resource, kubeconfig: string): Promise<void> {
  const names = (spec.namespaces ?? [])
    .map((n) => n?.name)
    .filter((n): n is string => typeof n === "string" && n !== "");
  if (names.length === 0) return;
  let owners: Map<string, string>;
  try {
    owners = await clusterNamespaceOwners(kubeconfig);
  } catch (err) {
    pulumi.log.warn(
      `could not read the tenant's namespaces from the cluster, so their owners are not checked: ${(err as Error).message}`,
      resource,
    );
    return;
  }
  const p = new Problems();
  checkNamespaceOwners(p, spec, owners);
  p.throwIfAny(`tenant ${JSON.stringify(spec.tenant)}`);
}

/** The spec field a planned Subnet's range comes from: a declared subnet's, or the monitoring attachment's. */
function subnetRangeField(o: { id: string }): string {
  return o.id.startsWith("subnet/") ? `subnets[${o.id.slice("subnet/".length)}].cidr` : "monitoring.cidr";
}

/** Refuses a plan whose Subnets clash with what the cluster holds (provider/core/cluster-clashes.ts). */
function checkAgainstCluster(spec: TenantSpec, plan: TenantPlan, snapshot: ClusterSnapshot): void {
  const p = new Problems();
  checkClusterClashes(p, { tenant: spec.tenant, field: subnetRangeField }, plan.objects, snapshot);
  p.throwIfAny(`tenant ${JSON.stringify(spec.tenant)}`);
}

/** Says which cluster checks a snapshot could not serve, and why. */
function warnSkipped(component: string, snapshot: ClusterSnapshot, resource: pulumi.Resource): void {
  const checks = skippedChecks(snapshot);
  if (checks.length === 0) return;
  pulumi.log.warn(
    `${component}: not checked against the cluster: ${checks.join("; ")} (${snapshot.skipped.join("; ") || "nothing to read"})`,
    resource,
  );
}

/**
 * What `initialize` leaves behind: the plan and the resources declared from it. `provisional` at a
 * preview that could not read the cluster (claims or facts unknown): the objects are all declared,
 * but the addresses are not the ones `up` will give, so the outputs carrying them stay unknown.
 */
interface TenantData {
  plan?: TenantPlan;
  declared?: Declared;
  provisional?: "claims" | "facts";
}

/** Awaits an input: its value, or `unknown` while it is not known (a preview of values a resource of this program has not produced yet). */
async function settled<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T> | typeof pulumi.unknown> {
  // Output's isKnown/promise are the SDK's own way to wait for a value (what awaiting in initialize needs); not in its typings.
  const o = pulumi.output(value) as unknown as { isKnown: Promise<boolean>; promise(): Promise<pulumi.Unwrap<T>> };
  return (await o.isKnown) ? o.promise() : pulumi.unknown;
}

/** A value shown as unknown at preview (`up` computes it). */
const unknownValue = () => pulumi.output(pulumi.unknown) as pulumi.Output<never>;

/** Replaces every string holding one of `guessed` (alone, or in a `a,b` / `a/n` list) by an unknown value. */
function blurAddresses(value: unknown, guessed: Set<string>): unknown {
  if (typeof value === "string") {
    const hit = value.split(/[,/\s]+/).some((part) => guessed.has(parseAddress(part)?.text ?? ""));
    return hit ? unknownValue() : value;
  }
  if (Array.isArray(value)) return value.map((v) => blurAddresses(v, guessed));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blurAddresses(v, guessed)]));
  return value;
}

/**
 * The objects of a plan made without the claims in the cluster (unreadable at preview): the
 * addresses it allocated are guesses, so every field holding one is unknown; the set of objects and
 * every other value are what `up` will declare.
 */
function withoutGuesses(spec: TenantSpec, plan: TenantPlan): PlannedObject[] {
  const fixed = new Set(
    [spec.natGateway?.interconnectIp, ...(spec.eips ?? []).flatMap((e) => [e?.v4ip, e?.v6ip])]
      .flatMap((t) => (typeof t === "string" ? t.split(",") : []))
      .map((t) => parseAddress(t.trim())?.text)
      .filter((t): t is string => t !== undefined),
  );
  const guessed = new Set(
    plannedClaims(plan)
      .map((c) => c.address)
      .filter((a) => !fixed.has(a)),
  );
  return plan.objects.map((o) => ({
    ...o,
    spec: o.spec && (blurAddresses(o.spec, guessed) as PlannedObject["spec"]),
    data: o.data && (blurAddresses(o.data, guessed) as PlannedObject["data"]),
  }));
}

/**
 * The objects of a plan made against stand-in cluster facts: names, kinds and the set are the
 * spec's own; every value planned from the facts (specs, data, annotations) is unknown.
 */
function shapeOnly(plan: TenantPlan): PlannedObject[] {
  return plan.objects.map((o) => ({
    ...o,
    metadata: { ...o.metadata, ...(o.metadata.annotations ? { annotations: unknownValue() } : {}) },
    spec: o.spec && unknownValue(),
    data: o.data && unknownValue(),
  })) as PlannedObject[];
}

/** Plans against stand-in facts to list the objects; a spec error is reported as such, first. */
function planShape(component: string, spec: TenantSpec): TenantPlan {
  const p = new Problems();
  checkTenant(p, spec, undefined);
  p.throwIfAny(`tenant ${JSON.stringify(spec.tenant)}`);
  const info = standInClusterInfo(spec);
  const why =
    'the cluster facts (input "cluster") are unknown at this preview: they come from a resource of this program that is not created yet';
  if (!info)
    throw new Error(
      `${component}: ${why}, and the tenant's own addresses do not fit any stand-in for them, so its objects cannot be listed`,
    );
  try {
    return planTenant(spec, info);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    throw new Error(
      `${component}: ${why}, and the tenant cannot be planned without them, so its objects cannot be listed: ${err.message}`,
    );
  }
}

/**
 * One tenant on a Kube-OVN cluster: a VPC with its namespaces, subnets bound to them, routes, a NAT
 * gateway whose own address comes from the interconnect network, and EIPs from real pools with
 * SNAT, DNAT and floating-IP rules. The whole tenant is validated before any object is declared.
 */
export class TenantNetwork extends pulumi.ComponentResource<TenantData> {
  /** Name of the tenant's Kube-OVN Vpc. */
  public readonly vpcName: pulumi.Output<string>;
  /** Kube-OVN Subnet name of each tenant subnet, by tenant subnet name. */
  public readonly subnetNames: pulumi.Output<{ [name: string]: string }>;
  /** The NAT gateway's interconnect address (`v4[,v6]`); empty without a NAT gateway. Route the EIP ranges to it upstream. */
  public readonly interconnectIp: pulumi.Output<string>;
  /** Addresses of each EIP (`v4[,v6]`), by EIP name. */
  public readonly eipAddresses: pulumi.Output<{ [name: string]: string }>;
  /** What the pods of each tenant namespace inherit (routes, attachments, security groups), by namespace; feed it to `podDefaultsTransform`. */
  public readonly podDefaults: pulumi.Output<{ [namespace: string]: PodDefaults }>;

  constructor(name: string, args: TenantNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    // Refused at construction, before anything is registered: a tenant clashing with another of
    // this program.
    const { cluster: _cluster, teardown: _teardown, ...spec } = args;
    claimInProgram(args, spec as TenantSpec);
    super("kubeovn:index:TenantNetwork", name, args, opts);
    const data = this.getData();
    // A failure (bad input, a claim refused) reaches the program through the outputs below, as an
    // error naming field and value; dependents of the tenant see it too.
    data.catch(() => undefined);
    /** An output from the declared objects; `unknown` while nothing could be declared (a preview), `whenUnknown` if given. */
    const fromObjects = <T>(
      f: (d: Required<TenantData>) => pulumi.Input<T>,
      whenUnknown?: T,
      knownWhen: TenantData["provisional"][] = [undefined],
    ): pulumi.Output<T> =>
      pulumi.output(
        data.then((d) =>
          d.plan && d.declared && knownWhen.includes(d.provisional)
            ? f(d as Required<TenantData>)
            : whenUnknown !== undefined
              ? whenUnknown
              : pulumi.unknown,
        ),
      ) as pulumi.Output<T>;
    const metadataName = (d: Required<TenantData>, id: string) =>
      (d.declared.get(id) as k8s.apiextensions.CustomResource).metadata.name;
    // The names are known from the spec alone, as the preview always showed them.
    const always: TenantData["provisional"][] = [undefined, "claims", "facts"];
    const names = tenantObjectNames(spec.tenant, spec.adopt);
    this.vpcName = fromObjects((d) => metadataName(d, "vpc"), names.vpc(), always);
    this.subnetNames = fromObjects(
      (d) =>
        pulumi.all(Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, metadataName(d, `subnet/${s.name}`)]))),
      Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, names.subnet(s.name)])),
      always,
    );
    this.interconnectIp = fromObjects((d) => d.plan.addresses.interconnectIp);
    this.eipAddresses = fromObjects((d) =>
      Object.fromEntries(
        Object.entries(d.plan.addresses.eips).map(([n, e]) => [n, [e.v4ip, e.v6ip].filter(Boolean).join(",")]),
      ),
    );
    // Pod defaults follow from the spec and the cluster facts, not from claims.
    this.podDefaults = fromObjects((d) => d.plan.podDefaults, undefined, [undefined, "claims"]);
    this.registerOutputs({
      vpcName: this.vpcName,
      subnetNames: this.subnetNames,
      interconnectIp: this.interconnectIp,
      eipAddresses: this.eipAddresses,
      podDefaults: this.podDefaults,
    });
  }

  /**
   * Plans (and so validates) the whole tenant with its addresses claimed in the cluster, then
   * declares its objects from that complete plan. Runs once, from the base constructor. Pulumi
   * expands a component in `dependsOn` into its children only once this is done, so
   * `dependsOn: [tenant]` waits for every object (Subnets Ready included), in the program's own
   * process as through the plugin (whose construct returns after every child's registration).
   */
  protected async initialize(props: pulumi.Inputs, _opts: unknown, name: string): Promise<TenantData> {
    const { cluster, teardown, ...rest } = props as TenantNetworkArgs;
    const spec = rest as TenantSpec;
    const component = `TenantNetwork ${name}`;
    // Claims, checks and the teardown act on the cluster the objects go to: this component's
    // Kubernetes provider, or the default provider's settings.
    const target = objectsAccess(this, component);
    const [info, where, ownTeardown] = await Promise.all([
      settled(cluster),
      target,
      teardown?.kubeconfig === undefined ? undefined : settled(pulumi.unsecret(pulumi.output(teardown.kubeconfig))),
    ]);
    // A teardown kubeconfig for another cluster is refused before any object is declared.
    if (!pulumi.isUnknown(where) && typeof ownTeardown === "string")
      checkTeardownKubeconfig(component, ownTeardown, where as Target);
    const kubeconfig = teardownKubeconfig(component, teardown, target);
    const declare = (
      plan: TenantPlan,
      objects: PlannedObject[],
      claims: ReturnType<typeof claimRef>[] | typeof pulumi.unknown,
    ): Declared => {
      // Objects the cluster has already (`adopt`) are imported, not created.
      const declared = declareObjects(this, name, objects, {}, new Set(Object.keys(spec.adopt ?? {})));
      declareTeardown(this, name, plan.tenant, plan.objects, [...declared.values()], teardown, kubeconfig, claims);
      return declared;
    };

    if (pulumi.isUnknown(info)) {
      // Which objects the tenant has follows from its spec; their values need the real facts.
      const plan = planShape(component, spec);
      pulumi.log.info(
        `${component}: the cluster facts are unknown at this preview (they come from a resource not created yet), so the tenant's objects are listed with their values unknown; the spec is checked against the cluster facts, the address claims, the namespace owners and the cluster's Subnets at \`up\``,
        this,
      );
      return { plan, declared: declare(plan, shapeOnly(plan), pulumi.unknown), provisional: "facts" };
    }
    if (pulumi.isUnknown(where)) {
      // The cluster may not even exist yet: nothing to read the claims or namespace owners from.
      const plan = planTenant(spec, info as ClusterNetworkInfo);
      pulumi.log.warn(
        `${component}: the Kubernetes provider's credentials are unknown at this preview (they come from a resource not created yet), so the address claims and the owners of the tenant's namespaces were not read from the cluster, nor what the plan can clash with (Subnets, the service range, addresses held without a claim): allocated addresses are shown unknown, and these checks run at \`up\``,
        this,
      );
      return {
        plan,
        declared: declare(plan, withoutGuesses(spec, plan), pulumi.unknown),
        provisional: "claims",
      };
    }
    const access = (where as Target).access;
    const facts = info as ClusterNetworkInfo;
    const [snapshot] = await Promise.all([
      clusterSnapshot(access.kubeconfig),
      checkClusterNamespaces(spec, this, access.kubeconfig),
    ]);
    warnSkipped(component, snapshot, this);
    const adopted = adoptedObjects(spec.adopt);
    // Checked inside the planning step, so a clash is refused before any address is claimed.
    const ranges = [facts.interconnectSubnet, ...(facts.eipPools ?? []).map((pool) => pool.name)];
    const { plan, claims } = await tenantAddresses(
      component,
      access.kubeconfig,
      ranges,
      (held) => {
        const p = planTenant(spec, facts, held);
        checkAgainstCluster(spec, p, adoptedSnapshot(snapshot, adopted, spec.tenant));
        return p;
      },
      adopted,
    );
    return { plan, declared: declare(plan, plan.objects, claims.map(claimRef)) };
  }
}
