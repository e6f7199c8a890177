import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type ClusterNetworkInfo,
  type ClusterNetworkSpec,
  type ClusterPlan,
  Problems,
  checkClusterClashes,
  planCluster,
  skippedChecks,
  withServiceIps,
} from "../core";
import { adoptedSnapshot, checkClusterAdopt } from "../core/adopt";
import { clusterSnapshot } from "./claims";
import { checkComponentKeys } from "../input-schema";
import { type Target, objectsAccess } from "./cluster-access";
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
    const p = new Problems();
    checkClusterAdopt(
      p,
      spec.adopt,
      plan.objects.filter((o) => !o.patch).map((o) => o.id),
    );
    p.throwIfAny(`ClusterNetwork ${name}`);
    // Objects the cluster has already are imported, not created.
    const adopted = new Set(spec.adopt ?? []);
    // The teardown acts on the cluster the objects go to (this component's Kubernetes provider).
    const target = objectsAccess(this, `ClusterNetwork ${name}`);
    const kubeconfig = teardownKubeconfig(`ClusterNetwork ${name}`, teardown, target);
    const declared = declareObjects(this, name, plan.objects, {}, adopted);
    declareTeardown(this, name, "cluster", plan.objects, [...declared.values()], teardown, kubeconfig);
    // The cluster's own Subnets and service range, read once per program run (shared with the tenants).
    const checked = checkAgainstCluster(name, plan, target, this, adopted);
    let info: pulumi.Output<ClusterNetworkInfo>;
    if (spec.apiServerAccess) {
      // The API server's address is a fact of the cluster, never a guess: read Service default/kubernetes.
      const service = k8s.core.v1.Service.get(`${name}-kubernetes-service`, "default/kubernetes", { parent: this });
      info = service.spec.apply((s) =>
        withServiceIps(plan.info, s?.clusterIPs?.length ? s.clusterIPs : s?.clusterIP ? [s.clusterIP] : []),
      );
    } else {
      info = pulumi.output(plan.info);
    }
    // A clash fails the preview through the facts every tenant consumes.
    this.info = pulumi.all([checked.then(() => true), info]).apply(([, i]) => i);
    this.registerOutputs({ info: this.info });
  }
}

const CLUSTER_FIELDS: { [idPrefix: string]: string } = {
  "interconnect/": "interconnect.cidr",
  "api-server-access/": "apiServerAccess.cidr",
};

/** Refuses cluster Subnets that clash with the cluster's own (e.g. API-server access inside `join`); warns what it could not check. */
async function checkAgainstCluster(
  name: string,
  plan: ClusterPlan,
  target: Promise<Target | typeof pulumi.unknown>,
  resource: pulumi.Resource,
  adopted: ReadonlySet<string>,
): Promise<void> {
  // Credentials that cannot be resolved are the teardown's error to report, not this check's.
  const where = await target.catch(() => pulumi.unknown);
  if (pulumi.isUnknown(where)) return;
  const snapshot = adoptedSnapshot(
    await clusterSnapshot((where as Target).access.kubeconfig),
    plan.objects
      .filter((o) => adopted.has(o.id))
      .map((o) => ({ kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace })),
  );
  const checks = skippedChecks(snapshot);
  if (checks.length > 0)
    pulumi.log.warn(
      `ClusterNetwork ${name}: not checked against the cluster: ${checks.join("; ")} (${snapshot.skipped.join("; ") || "nothing to read"})`,
      resource,
    );
  const p = new Problems();
  const field = (id: string) => {
    const prefix = Object.keys(CLUSTER_FIELDS).find((k) => id.startsWith(k));
    return prefix ? CLUSTER_FIELDS[prefix] : `eipPools[${id.slice("eip-pool/".length)}].cidr`;
  };
  checkClusterClashes(p, { field: (o) => field(o.id) }, plan.objects, snapshot);
  p.throwIfAny(`ClusterNetwork ${name}`);
}
