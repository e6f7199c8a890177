import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type ClusterNetworkInfo,
  type PodDefaults,
  Problems,
  type TenantPlan,
  type TenantSpec,
  checkAgainstTenants,
  checkNamespaceOwners,
  claimRef,
  objectNames,
  planTenant,
} from "../core";
import { namespaceOwners } from "../kube/namespace-owners";
import { tenantAddresses } from "./claims";
import { type Declared, declareObjects } from "./declare";
import { type TeardownSpec, declareTeardown, teardownKubeconfig } from "./teardown";

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

/** Refuses a tenant that takes a name, namespace or static address another tenant of this program has. */
function claimInProgram(spec: TenantSpec): void {
  const run = pulumi.runtime.getStackResource() ?? NO_STACK;
  const others = declaredTenants.get(run) ?? [];
  const p = new Problems();
  checkAgainstTenants(p, spec, others);
  p.throwIfAny(`tenant ${JSON.stringify(spec.tenant)}`);
  declaredTenants.set(run, [...others, spec]);
}

/**
 * Refuses a tenant naming a namespace that another tenant (maybe of another stack) holds in the
 * cluster. Without a reachable cluster there is nothing to compare with, and the deployment will
 * fail on its own, so the check is skipped with a warning.
 */
async function checkClusterNamespaces(
  spec: TenantSpec,
  resource: pulumi.Resource,
  kubeconfig: string | undefined,
): Promise<void> {
  const names = (spec.namespaces ?? [])
    .map((n) => n?.name)
    .filter((n): n is string => typeof n === "string" && n !== "");
  if (!kubeconfig || names.length === 0) return;
  let owners: Map<string, string>;
  try {
    owners = await namespaceOwners(kubeconfig, names);
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

/** What `initialize` leaves behind: the plan and the resources declared from it; nothing while the cluster facts or the kubeconfig are unknown (a preview). */
interface TenantData {
  plan?: TenantPlan;
  declared?: Declared;
}

/** Awaits an input: its value, or `unknown` while it is not known (a preview of values a resource of this program has not produced yet). */
async function settled<T>(value: pulumi.Input<T>): Promise<pulumi.Unwrap<T> | typeof pulumi.unknown> {
  // Output's isKnown/promise are the SDK's own way to wait for a value (what awaiting in initialize needs); not in its typings.
  const o = pulumi.output(value) as unknown as { isKnown: Promise<boolean>; promise(): Promise<pulumi.Unwrap<T>> };
  return (await o.isKnown) ? o.promise() : pulumi.unknown;
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
    // this program, or no kubeconfig for the teardown.
    const { cluster: _cluster, teardown, ...spec } = args;
    claimInProgram(spec as TenantSpec);
    teardownKubeconfig(`TenantNetwork ${name}`, teardown);
    super("kubeovn:index:TenantNetwork", name, args, opts);
    const data = this.getData();
    // A failure (bad input, a claim refused) reaches the program through the outputs below, as an
    // error naming field and value; dependents of the tenant see it too.
    data.catch(() => undefined);
    /** An output from the declared objects; `unknown` while nothing could be declared (a preview), `whenUnknown` if given. */
    const fromObjects = <T>(f: (d: Required<TenantData>) => pulumi.Input<T>, whenUnknown?: T): pulumi.Output<T> =>
      pulumi.output(
        data.then((d) =>
          d.plan && d.declared
            ? f(d as Required<TenantData>)
            : whenUnknown !== undefined
              ? whenUnknown
              : pulumi.unknown,
        ),
      ) as pulumi.Output<T>;
    const metadataName = (d: Required<TenantData>, id: string) =>
      (d.declared.get(id) as k8s.apiextensions.CustomResource).metadata.name;
    // The names are known from the spec alone, as the preview always showed them.
    this.vpcName = fromObjects((d) => metadataName(d, "vpc"), objectNames.vpc(spec.tenant));
    this.subnetNames = fromObjects(
      (d) =>
        pulumi.all(Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, metadataName(d, `subnet/${s.name}`)]))),
      Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, objectNames.subnet(spec.tenant, s.name)])),
    );
    this.interconnectIp = fromObjects((d) => d.plan.addresses.interconnectIp);
    this.eipAddresses = fromObjects((d) =>
      Object.fromEntries(
        Object.entries(d.plan.addresses.eips).map(([n, e]) => [n, [e.v4ip, e.v6ip].filter(Boolean).join(",")]),
      ),
    );
    this.podDefaults = fromObjects((d) => d.plan.podDefaults);
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
    const { cluster, teardown, ...spec } = props as TenantNetworkArgs;
    const kubeconfig = teardownKubeconfig(`TenantNetwork ${name}`, teardown);
    const [info, kc] = await Promise.all([settled(cluster), settled(pulumi.unsecret(pulumi.output(kubeconfig)))]);
    // Unknown at preview (they come from a resource of this program not created yet): nothing to plan against.
    if (pulumi.isUnknown(info) || pulumi.isUnknown(kc)) return {};
    await checkClusterNamespaces(spec as TenantSpec, this, kc as string);
    const { plan, claims } = await tenantAddresses(`TenantNetwork ${name}`, kc as string, (held) =>
      planTenant(spec as TenantSpec, info as ClusterNetworkInfo, held),
    );
    const declared = declareObjects(this, name, plan.objects);
    declareTeardown(
      this,
      name,
      plan.tenant,
      plan.objects,
      [...declared.values()],
      teardown,
      kubeconfig,
      claims.map(claimRef),
    );
    return { plan, declared };
  }
}
