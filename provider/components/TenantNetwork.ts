import * as pulumi from "@pulumi/pulumi";
import { ClusterNetworkInfo, TenantPlan, TenantSpec, objectNames, planTenant } from "../core";
import { teardownScope } from "../core/teardown";
import { ambientKubeconfig } from "../kube/credentials";
import { declareObjects } from "./declare";
import { TenantTeardown } from "./TenantTeardown";

/** How a tenant is taken apart when it is destroyed or removed from the program. */
export interface TenantTeardownSpec {
    /** Seconds the Kube-OVN controller gets to release its finalizers before the teardown removes them itself (default 10). */
    graceSeconds?: number;
    /** Kubeconfig the teardown acts with, ideally bound to the least-privilege role in deploy/teardown-clusterrole.yaml; default: the kubeconfig this program runs with. Kept as a secret. */
    kubeconfig?: pulumi.Input<string>;
}

const DEFAULT_GRACE_SECONDS = 10;

/** A tenant network: the spec of one tenant plus the cluster facts it is planned against. */
export interface TenantNetworkArgs extends TenantSpec {
    /** The `info` output of the cluster's ClusterNetwork (from this stack, or from the cluster stack via a stack reference). */
    cluster: pulumi.Input<ClusterNetworkInfo>;
    /** Teardown behaviour: grace period and credentials. */
    teardown?: TenantTeardownSpec;
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

    constructor(name: string, args: TenantNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubeovn:index:TenantNetwork", name, args, opts);
        const { cluster, teardown, ...spec } = args;
        const kubeconfig = teardown?.kubeconfig ?? ambientKubeconfig();
        if (kubeconfig === undefined) {
            throw new Error(`TenantNetwork ${name}: teardown.kubeconfig is not set and no kubeconfig was found ($KUBECONFIG or ~/.kube/config)`);
        }
        // Plan (and so validate) everything first; objects are declared only from a complete plan.
        const plan: pulumi.Output<TenantPlan> = pulumi.output(cluster).apply((info) => {
            const p = planTenant(spec as TenantSpec, info as ClusterNetworkInfo);
            const declared = declareObjects(this, name, p.objects);
            // Depends on every object, so the engine deletes it first: its delete takes the
            // tenant apart safely, and pulumi-kubernetes then finds each object already gone.
            new TenantTeardown(
                `${name}-teardown`,
                {
                    tenant: p.tenant,
                    objects: teardownScope(p.objects),
                    graceSeconds: teardown?.graceSeconds ?? DEFAULT_GRACE_SECONDS,
                    kubeconfig,
                },
                { parent: this, dependsOn: [...declared.values()] },
            );
            return p;
        });
        this.vpcName = pulumi.output(objectNames.vpc(spec.tenant));
        this.subnetNames = pulumi.output(Object.fromEntries((spec.subnets ?? []).map((s) => [s.name, objectNames.subnet(spec.tenant, s.name)])));
        this.interconnectIp = plan.apply((p) => p.addresses.interconnectIp);
        this.eipAddresses = plan.apply((p) =>
            Object.fromEntries(Object.entries(p.addresses.eips).map(([n, e]) => [n, [e.v4ip, e.v6ip].filter(Boolean).join(",")])),
        );
        this.registerOutputs({ vpcName: this.vpcName, subnetNames: this.subnetNames, interconnectIp: this.interconnectIp, eipAddresses: this.eipAddresses });
    }
}
