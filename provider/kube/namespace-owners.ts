/** Which tenant (by our tenant label) holds each namespace in the cluster. */
import * as k8s from "@kubernetes/client-node";
import { TENANT_LABEL } from "../core";
import { apiClient, kubeConfig } from "./client";

/**
 * Namespace name -> owning tenant for every namespace carrying our tenant label (of `names` only,
 * when given). One list, selected by the label, whatever the number of names: the components share
 * it between every tenant of a program (provider/components/claims.ts).
 */
export async function namespaceOwners(kubeconfig: string, names?: string[]): Promise<Map<string, string>> {
  const core = apiClient(kubeConfig(kubeconfig), k8s.CoreV1Api);
  const wanted = names && new Set(names);
  const owners = new Map<string, string>();
  const list = await core.listNamespace({ labelSelector: TENANT_LABEL });
  for (const ns of list.items) {
    const name = ns.metadata?.name;
    const owner = ns.metadata?.labels?.[TENANT_LABEL];
    if (name && owner && (!wanted || wanted.has(name))) owners.set(name, owner);
  }
  return owners;
}
