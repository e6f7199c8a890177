/**
 * A kubeconfig bound to exactly the teardown's roles: deploy/teardown-clusterrole.yaml applied as it
 * ships (the claims' namespace, the ServiceAccount, the ClusterRole, the Roles and their bindings),
 * then a token of its ServiceAccount.
 */
import * as k8s from "@kubernetes/client-node";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../../provider/automation/env";
import { getCluster, kubeConfig } from "./cluster";

export const RBAC_FILE = path.join(repoRoot, "deploy/teardown-clusterrole.yaml");

/** The objects of the deploy file, in its order (the namespace first). */
export function deployObjects(file = RBAC_FILE): k8s.KubernetesObject[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS());
}

/** Creates each object, or replaces it when it exists (a run may follow one with other rules). */
export async function applyDeploy(objects: k8s.KubernetesObject[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
  for (const o of objects) {
    try {
      await api.create(o);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      await api.replace(o);
    }
  }
}

export async function leastPrivilegeKubeconfig(file = RBAC_FILE): Promise<{ kubeconfig: string; token: string }> {
  const objects = deployObjects(file);
  await applyDeploy(objects);
  const sa = objects.find((o) => o.kind === "ServiceAccount");
  if (!sa?.metadata?.name || !sa.metadata.namespace) throw new Error(`${file} declares no ServiceAccount`);
  return serviceAccountKubeconfig(sa.metadata.name, sa.metadata.namespace);
}

/** A kubeconfig acting as ServiceAccount `namespace/name` (a token valid for an hour). */
export async function serviceAccountKubeconfig(
  name: string,
  namespace: string,
): Promise<{ kubeconfig: string; token: string }> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds: 3600 } } as k8s.AuthenticationV1TokenRequest,
  });
  const token = tr.status?.token as string;
  const cp = getCluster();
  const kubeconfig = YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: cp.server, "certificate-authority-data": cp.caData } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: "local", user: name } }],
    "current-context": name,
  });
  return { kubeconfig, token };
}
