/**
 * Everything `kubeovn-tenants import` groups into a fleet file, read from a live cluster: the
 * Kube-OVN objects of every VPC, the namespaces, the attachment definitions of kube-system and the
 * NAT gateway settings. One list (or get) per kind; a kind that cannot be listed is an error, since
 * grouping without it would misreport what the cluster holds.
 */
import * as k8s from "@kubernetes/client-node";
import type { LiveCluster, LiveObject } from "../fleet/adopt";
import { KUBE_SYSTEM } from "../core/names";
import { apiMessage } from "./api-errors";
import { apiClient, kubeConfig } from "./client";
import { KUBE_OVN_PLURAL } from "./kube-ovn-plurals";

/** Reads the cluster of `kubeconfig` (its text) for adoption. */
export async function readLiveCluster(kubeconfig: string): Promise<LiveCluster> {
  const kc = kubeConfig(kubeconfig);
  const custom = apiClient(kc, k8s.CustomObjectsApi);
  const core = apiClient(kc, k8s.CoreV1Api);
  const failed = (what: string) => (err: unknown) => {
    throw new Error(`cannot ${what}: ${apiMessage(err)}`);
  };
  const items = (r: unknown) => ((r as { items?: LiveObject[] }).items ?? []) as LiveObject[];
  const kubeOvn = (plural: string) =>
    custom
      .listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural })
      .then(items, failed(`list ${plural}.kubeovn.io`));
  const P = KUBE_OVN_PLURAL;
  const [vpcs, subnets, natGateways, eips, snatRules, dnatRules, fipRules, securityGroups] = await Promise.all(
    [
      P.Vpc,
      P.Subnet,
      P.VpcNatGateway,
      P.IptablesEIP,
      P.IptablesSnatRule,
      P.IptablesDnatRule,
      P.IptablesFIPRule,
      P.SecurityGroup,
    ].map(kubeOvn),
  );
  const [namespaces, attachments, natConfig] = await Promise.all([
    core.listNamespace().then(items, failed("list namespaces")),
    custom
      .listNamespacedCustomObject({
        group: "k8s.cni.cncf.io",
        version: "v1",
        namespace: KUBE_SYSTEM,
        plural: "network-attachment-definitions",
      })
      .then(items, failed(`list network-attachment-definitions in ${KUBE_SYSTEM}`)),
    core.readNamespacedConfigMap({ name: "ovn-vpc-nat-config", namespace: KUBE_SYSTEM }).then(
      (c) => c as LiveObject,
      (err) => {
        if ((err as { code?: number })?.code === 404) return undefined;
        throw new Error(`cannot read ConfigMap ${KUBE_SYSTEM}/ovn-vpc-nat-config: ${apiMessage(err)}`);
      },
    ),
  ]);
  return {
    vpcs,
    subnets,
    natGateways,
    eips,
    snatRules,
    dnatRules,
    fipRules,
    securityGroups,
    namespaces,
    attachments,
    natConfig,
  };
}
