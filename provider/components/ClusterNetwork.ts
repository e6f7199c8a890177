import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ClusterNetworkInfo, type ClusterNetworkSpec, planCluster, withServiceIps } from "../core";
import { checkComponentKeys } from "../input-schema";
import { objectsAccess } from "./cluster-access";
import { declareObjects } from "./declare";
import { type TeardownSpec, declareTeardown, teardownKubeconfig } from "./teardown";

/** The cluster network spec plus how its objects are taken apart on destroy. */
export interface ClusterNetworkArgs extends ClusterNetworkSpec {
  /** How the cluster network is taken apart on destroy (after every tenant): grace period and credentials. */
  teardown?: TeardownSpec;
}

/**
 * What a Kube-OVN cluster needs once, shared by every tenant: the interconnect network that NAT
 * gateways attach to, the real EIP pools kept apart from it, and the NAT gateway settings.
 * Export `info` for tenant stacks.
 */
export class ClusterNetwork extends pulumi.ComponentResource {
  /** The facts tenants consume: pass to TenantNetwork `cluster` (or export it for tenant stacks). */
  public readonly info: pulumi.Output<ClusterNetworkInfo>;

  constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    checkComponentKeys("ClusterNetwork", name, args); // an unknown key, before anything is registered
    super("kubeovn:index:ClusterNetwork", name, args, opts);
    const { teardown, ...spec } = args;
    const plan = planCluster(spec);
    // The teardown acts on the cluster the objects go to (this component's Kubernetes provider).
    const target = objectsAccess(this, `ClusterNetwork ${name}`);
    const kubeconfig = teardownKubeconfig(`ClusterNetwork ${name}`, teardown, target);
    const declared = declareObjects(this, name, plan.objects);
    declareTeardown(this, name, "cluster", plan.objects, [...declared.values()], teardown, kubeconfig);
    if (spec.apiServerAccess) {
      // The API server's address is a fact of the cluster, never a guess: read Service default/kubernetes.
      const service = k8s.core.v1.Service.get(`${name}-kubernetes-service`, "default/kubernetes", { parent: this });
      this.info = service.spec.apply((s) =>
        withServiceIps(plan.info, s?.clusterIPs?.length ? s.clusterIPs : s?.clusterIP ? [s.clusterIP] : []),
      );
    } else {
      this.info = pulumi.output(plan.info);
    }
    this.registerOutputs({ info: this.info });
  }
}
