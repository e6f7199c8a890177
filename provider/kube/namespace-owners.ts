/** Which tenant (by our tenant label) holds each of some namespaces in the cluster. */
import * as k8s from "@kubernetes/client-node";
import { TENANT_LABEL } from "../core";

/** Namespace name -> owning tenant, for those of `names` that exist and carry our tenant label. */
export async function namespaceOwners(kubeconfig: string, names: string[]): Promise<Map<string, string>> {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const owners = new Map<string, string>();
  for (const name of names) {
    try {
      const ns = await core.readNamespace({ name });
      const owner = ns.metadata?.labels?.[TENANT_LABEL];
      if (owner) owners.set(name, owner);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return owners;
}
