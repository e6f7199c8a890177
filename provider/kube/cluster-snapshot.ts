/**
 * What the cluster holds that a plan can clash with, read with one call per kind whatever the
 * number of tenants (the components share one read per program run and cluster, see
 * provider/components/claims.ts): Subnets, IPs, Vips and IptablesEIPs (lists of the cluster-scoped
 * kubeovn.io objects), the service range (the ServiceCIDR objects of networking.k8s.io/v1; where
 * those cannot be read, the `default/kubernetes` Service's clusterIPs, a known member of the range),
 * and the names held by the other kinds a plan declares (Vpcs, VpcNatGateways, the three iptables rule
 * kinds, SecurityGroups, and NetworkAttachmentDefinitions of every namespace): 12 calls
 * (the owners of tenant namespaces are one list too: namespace-owners.ts). A read that fails is
 * named in `skipped`; the checks that need it are skipped, and the preview says so.
 */
import * as k8s from "@kubernetes/client-node";
import {
  type AddressHolderFact,
  type ClusterSnapshot,
  NAMED_KINDS,
  type NamedObjectFact,
  type OwnerLabels,
  type SubnetFact,
} from "../core/cluster-clashes";
import { INTERCONNECT_SUBNET } from "../core/names";
import { apiMessage } from "./api-errors";
import { apiClient, kubeConfig } from "./client";
import { KUBE_OVN_PLURAL } from "./kube-ovn-plurals";

interface KubeObject {
  metadata?: { name?: string; namespace?: string; labels?: OwnerLabels };
  spec?: { [k: string]: unknown };
  status?: { [k: string]: unknown };
}

const str = (v: unknown) => (typeof v === "string" ? v : "");
const addresses = (...texts: unknown[]) =>
  [...new Set(texts.flatMap((t) => str(t).split(",")).map((t) => t.trim()))].filter((t) => t !== "");

/** The kinds read for their names only, with their kubeovn.io plurals (NetworkAttachmentDefinitions are listed apart). */
const KUBE_OVN_NAMED = NAMED_KINDS.filter(
  (k): k is Exclude<typeof k, "NetworkAttachmentDefinition"> => k !== "NetworkAttachmentDefinition",
).map((kind) => [kind, KUBE_OVN_PLURAL[kind]] as const);

/** Every Subnet, IP, Vip and IptablesEIP, the names of the other kinds we declare, and the service range: one list (or get) per kind. */
export async function readClusterSnapshot(kubeconfig: string): Promise<ClusterSnapshot> {
  const kc = kubeConfig(kubeconfig);
  const custom = apiClient(kc, k8s.CustomObjectsApi);
  const skipped: string[] = [];
  const list = (plural: string): Promise<KubeObject[] | undefined> =>
    custom.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural }).then(
      (r) => ((r as { items?: KubeObject[] }).items ?? []) as KubeObject[],
      (err) => {
        skipped.push(`list ${plural}.kubeovn.io: ${apiMessage(err)}`);
        return undefined;
      },
    );
  const attachments = custom
    .listCustomObjectForAllNamespaces({
      group: "k8s.cni.cncf.io",
      version: "v1",
      plural: "network-attachment-definitions",
    })
    .then(
      (r) => ((r as { items?: KubeObject[] }).items ?? []) as KubeObject[],
      (err) => {
        skipped.push(`list network-attachment-definitions.k8s.cni.cncf.io: ${apiMessage(err)}`);
        return undefined;
      },
    );
  const [subnets, ips, vips, eips, serviceRange, nads, ...named] = await Promise.all([
    list(KUBE_OVN_PLURAL.Subnet),
    list("ips"),
    list("vips"),
    list(KUBE_OVN_PLURAL.IptablesEIP),
    readServiceRange(kc, skipped),
    attachments,
    ...KUBE_OVN_NAMED.map(([, plural]) => list(plural)),
  ]);
  const labels = (o: KubeObject): OwnerLabels => o.metadata?.labels ?? {};
  const name = (o: KubeObject) => str(o.metadata?.name);
  const holders = (): AddressHolderFact[] => [
    ...(ips ?? []).map((o) => ({
      kind: "IP" as const,
      name: name(o),
      subnet: str(o.spec?.subnet),
      addresses: addresses(o.spec?.ipAddress, o.spec?.v4IpAddress, o.spec?.v6IpAddress),
      labels: labels(o),
      pod: o.spec?.podName ? `${str(o.spec?.namespace)}/${str(o.spec?.podName)}` : undefined,
    })),
    ...(vips ?? []).map((o) => ({
      kind: "Vip" as const,
      name: name(o),
      subnet: str(o.spec?.subnet),
      addresses: addresses(o.spec?.v4ip, o.spec?.v6ip, o.status?.v4ip, o.status?.v6ip),
      labels: labels(o),
    })),
    ...(eips ?? []).map((o) => ({
      kind: "IptablesEIP" as const,
      name: name(o),
      // Upstream takes an EIP without externalSubnet from the default external network.
      subnet: str(o.spec?.externalSubnet) || INTERCONNECT_SUBNET,
      addresses: addresses(o.spec?.v4ip, o.spec?.v6ip, o.status?.ip),
      labels: labels(o),
    })),
  ];
  const namedObjects: { kinds: string[]; objects: NamedObjectFact[] } = { kinds: [], objects: [] };
  const addNamed = (kind: string, items: KubeObject[] | undefined) => {
    if (!items) return;
    namedObjects.kinds.push(kind);
    for (const o of items)
      namedObjects.objects.push({
        kind,
        name: name(o),
        ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
        labels: labels(o),
      });
  };
  for (const [i, [kind]] of KUBE_OVN_NAMED.entries()) addNamed(kind, named[i]);
  addNamed("NetworkAttachmentDefinition", nads);
  return {
    named: namedObjects,
    subnets: subnets?.map(
      (o): SubnetFact => ({
        name: name(o),
        vpc: str(o.spec?.vpc),
        cidrBlock: str(o.spec?.cidrBlock),
        gateway: str(o.spec?.gateway) || undefined,
        labels: labels(o),
      }),
    ),
    // Without every kind of holder, a partial list would still be right about what it names.
    addressHolders: ips || vips || eips ? holders() : undefined,
    serviceRange,
    skipped,
  };
}

/**
 * The service range. kube-apiserver (v1.33+) serves it as ServiceCIDR objects (the one named
 * `kubernetes` holds --service-cluster-ip-range; more may be added); where it does not, or the
 * identity may not list them, the `kubernetes` Service's own addresses are members of the range
 * (the range's first address), which is less than the range, so the warning says so.
 */
async function readServiceRange(
  kc: k8s.KubeConfig,
  skipped: string[],
): Promise<ClusterSnapshot["serviceRange"] | undefined> {
  try {
    const list = await apiClient(kc, k8s.NetworkingV1Api).listServiceCIDR();
    const cidrs = list.items.flatMap((s) => s.spec?.cidrs ?? []);
    if (cidrs.length > 0)
      return {
        cidrs,
        source: `ServiceCIDR ${list.items.map((s) => s.metadata?.name).join(", ")}`,
      };
  } catch (err) {
    skipped.push(`list servicecidrs.networking.k8s.io: ${apiMessage(err)}`);
  }
  try {
    const svc = await apiClient(kc, k8s.CoreV1Api).readNamespacedService({ name: "kubernetes", namespace: "default" });
    const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
    const members = ips.map((ip) => (ip.includes(":") ? `${ip}/128` : `${ip}/32`));
    if (members.length > 0)
      return {
        cidrs: members,
        source: "Service default/kubernetes clusterIPs; the rest of the range is not readable",
      };
  } catch (err) {
    skipped.push(`get service default/kubernetes: ${apiMessage(err)}`);
  }
  return undefined;
}
