import * as pulumi from "@pulumi/pulumi";
import { ClusterNetworkInfo, ClusterNetworkSpec, planCluster } from "../core";
import { declareObjects } from "./declare";

/**
 * What a Kube-OVN cluster needs once, shared by every tenant: the interconnect network that NAT
 * gateways attach to, the real EIP pools kept apart from it, and the NAT gateway settings.
 * Export `info` for tenant stacks.
 */
export class ClusterNetwork extends pulumi.ComponentResource {
    /** The facts tenants consume: pass to TenantNetwork `cluster` (or export it for tenant stacks). */
    public readonly info: pulumi.Output<ClusterNetworkInfo>;

    constructor(name: string, args: ClusterNetworkSpec, opts?: pulumi.ComponentResourceOptions) {
        super("kubeovn:index:ClusterNetwork", name, args, opts);
        const plan = planCluster(args);
        declareObjects(this, name, plan.objects);
        this.info = pulumi.output(plan.info);
        this.registerOutputs({ info: this.info });
    }
}
