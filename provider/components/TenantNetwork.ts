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
import { declareObjects } from "./declare";
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

/**
 * One tenant on a Kube-OVN cluster: a VPC with its namespaces, subnets bound to them, routes, a NAT
 * gateway whose own address comes from the interconnect network, and EIPs from real pools with
 * SNAT, DNAT and floating-IP rules. The whole tenant is validated before any object is declared.
 */
export class TenantNetwork extends pulumi.ComponentResource {
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
    super("kubeovn:index:TenantNetwork", name, args, opts);
    const { cluster, teardown, ...spec } = args;
    claimInProgram(spec as TenantSpec);
    const kubeconfig = teardownKubeconfig(`TenantNetwork ${name}`, teardown);
    // Plan (and so validate) everything first, with the addresses claimed in the cluster;
    // objects are declared only from a complete plan whose addresses are ours.
    const access = pulumi.unsecret(pulumi.output(kubeconfig));
    const plan: pulumi.Output<TenantPlan> = pulumi.all([cluster, access]).apply(async ([info, kc]) => {
      await checkClusterNamespaces(spec as TenantSpec, this, kc);
      const { plan: p, claims } = await tenantAddresses(`TenantNetwork ${name}`, kc, (held) =>
        planTenant(spec as TenantSpec, info as ClusterNetworkInfo, held),
      );
      const declared = declareObjects(this, name, p.objects);
      declareTeardown(
        this,
        name,
        p.tenant,
        p.objects,
        [...declared.values()],
        teardown,
        kubeconfig,
        claims.map(claimRef),
      );
      return p;
    });
    this.vpcName = pulumi.output(objectNames.vpc(spec.tenant));
    this.subnetNames = pulumi.output(
      Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, objectNames.subnet(spec.tenant, s.name)])),
    );
    this.interconnectIp = plan.apply((p) => p.addresses.interconnectIp);
    this.eipAddresses = plan.apply((p) =>
      Object.fromEntries(
        Object.entries(p.addresses.eips).map(([n, e]) => [n, [e.v4ip, e.v6ip].filter(Boolean).join(",")]),
      ),
    );
    this.podDefaults = plan.apply((p) => p.podDefaults);
    this.registerOutputs({
      vpcName: this.vpcName,
      subnetNames: this.subnetNames,
      interconnectIp: this.interconnectIp,
      eipAddresses: this.eipAddresses,
      podDefaults: this.podDefaults,
    });
  }
}
