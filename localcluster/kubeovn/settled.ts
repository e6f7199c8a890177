// When has kube-ovn-controller finished? Its work queues cannot be seen from outside, so: every
// Kube-OVN object carries the status the controller writes once it is done with it, nothing is
// being deleted, and nothing changed between two looks a second apart.
import * as k8s from "@kubernetes/client-node";

type Obj = {
  metadata: { name: string; resourceVersion?: string; deletionTimestamp?: string };
  status?: { ready?: boolean; standby?: boolean; portGroup?: string; conditions?: { type: string; status: string }[] };
};

/** The kinds the controller finishes, and what "finished" looks like for each (v1.16.2 status fields). */
const KINDS: { plural: string; done: (o: Obj) => boolean }[] = [
  { plural: "vpcs", done: (o) => o.status?.standby === true },
  // Ready True, or a Ready False the controller wrote with its reason (e.g. an overlapping CIDR).
  { plural: "subnets", done: (o) => !!o.status?.conditions?.some((c) => c.type === "Ready") },
  { plural: "vpc-nat-gateways", done: () => true }, // its pod's state is checked below
  { plural: "iptables-eips", done: (o) => o.status?.ready === true },
  { plural: "iptables-snat-rules", done: (o) => o.status?.ready === true },
  { plural: "iptables-dnat-rules", done: (o) => o.status?.ready === true },
  { plural: "iptables-fip-rules", done: (o) => o.status?.ready === true },
  { plural: "security-groups", done: (o) => !!o.status?.portGroup },
];

/** pkg/util/const.go VpcNatGatewayInitAnnotation: set on the gateway pod once `init` ran in it. */
const NAT_GW_INIT = "ovn.kubernetes.io/vpc_nat_gw_init";

export interface ClusterSnapshot {
  /** Every object's kind, name and resourceVersion: equal fingerprints mean nothing changed. */
  fingerprint: string;
  objects: { plural: string; obj: Obj }[];
  gatewayPods: Map<string, k8s.V1Pod>;
}

export async function snapshotKubeOvn(kc: k8s.KubeConfig): Promise<ClusterSnapshot> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const lists = await Promise.all(
    KINDS.map(async ({ plural }) => {
      const list = (await custom.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural })) as {
        items: Obj[];
      };
      return list.items.map((obj) => ({ plural, obj }));
    }),
  );
  const pods = await core.listNamespacedPod({
    namespace: "kube-system",
    labelSelector: "ovn.kubernetes.io/vpc-nat-gw=true",
  });
  const objects = lists.flat();
  const gatewayPods = new Map(pods.items.map((p) => [p.metadata!.name!, p]));
  const fingerprint = [
    ...objects.map(({ plural, obj }) => `${plural}/${obj.metadata.name}@${obj.metadata.resourceVersion}`),
    ...pods.items.map((p) => `pod/${p.metadata!.name}@${p.metadata!.resourceVersion}`),
  ]
    .sort()
    .join(",");
  return { fingerprint, objects, gatewayPods };
}

/** What is not finished in `snap`, one phrase each; empty when the controller is done. */
export function notSettled(snap: ClusterSnapshot): string[] {
  const pending: string[] = [];
  for (const { plural, obj } of snap.objects) {
    const kind = KINDS.find((k) => k.plural === plural)!;
    if (obj.metadata.deletionTimestamp) pending.push(`${plural}/${obj.metadata.name} is being deleted`);
    else if (!kind.done(obj)) pending.push(`${plural}/${obj.metadata.name} has no final status yet`);
    if (plural === "vpc-nat-gateways" && !obj.metadata.deletionTimestamp) {
      const pod = snap.gatewayPods.get(`vpc-nat-gw-${obj.metadata.name}-0`);
      if (pod?.status?.phase !== "Running" || pod.metadata?.annotations?.[NAT_GW_INIT] !== "true") {
        pending.push(`vpc-nat-gateways/${obj.metadata.name}: its pod is not running and initialised`);
      }
    }
  }
  return pending;
}
