/** A kubeconfig bound to exactly the teardown's roles (deploy/teardown-clusterrole.yaml: a ClusterRole and the Roles in kube-system). */
import * as k8s from "@kubernetes/client-node";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../../provider/automation/env";
import { getCluster, kubeConfig } from "./cluster";

const NAME = "pulumi-kubeovn-teardown";
const NAMESPACE = "kube-system";

async function ignoreExists<T>(p: Promise<T>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

export async function leastPrivilegeKubeconfig(): Promise<{ kubeconfig: string; token: string }> {
  const kc = kubeConfig();
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const docs = YAML.parseAllDocuments(
    fs.readFileSync(path.join(repoRoot, "deploy/teardown-clusterrole.yaml"), "utf8"),
  ).map((d) => d.toJS());
  const role = docs.find((d) => d.kind === "ClusterRole");
  const roles = docs.filter((d) => d.kind === "Role");
  await ignoreExists(rbac.createClusterRole({ body: role }));
  await ignoreExists(core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: NAME } } }));
  for (const r of roles) {
    await ignoreExists(rbac.createNamespacedRole({ namespace: r.metadata.namespace, body: r }));
    await ignoreExists(
      rbac.createNamespacedRoleBinding({
        namespace: r.metadata.namespace,
        body: {
          metadata: { name: r.metadata.name },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: r.metadata.name },
          subjects: [{ kind: "ServiceAccount", name: NAME, namespace: NAMESPACE }],
        },
      }),
    );
  }
  await ignoreExists(
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: NAME },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
        subjects: [{ kind: "ServiceAccount", name: NAME, namespace: NAMESPACE }],
      },
    }),
  );
  const tr = await core.createNamespacedServiceAccountToken({
    name: NAME,
    namespace: NAMESPACE,
    body: { spec: { expirationSeconds: 3600 } } as any,
  });
  const token = tr.status?.token as string;
  const cp = getCluster();
  const kubeconfig = YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: cp.server, "certificate-authority-data": cp.caData } }],
    users: [{ name: NAME, user: { token } }],
    contexts: [{ name: NAME, context: { cluster: "local", user: NAME } }],
    "current-context": NAME,
  });
  return { kubeconfig, token };
}
