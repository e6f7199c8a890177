// The two things a real node's scheduler and kubelet side would do that kwok does not: bind pending
// pods to the node (no kube-scheduler runs; a pod whose nodeSelector the node does not match stays
// Pending, as with the real scheduler), and give each NAT gateway pod a kwok Exec rule naming it, so
// the gateway recorder knows which gateway every call from kube-ovn-controller was made in.
import * as k8s from "@kubernetes/client-node";
import { GATEWAY_POD_ENV, GATEWAY_POD_UID_ENV, NODE_NAME, nodeManifest } from "./kwok";

/** pkg/util/const.go VpcNatGatewayLabel: set on every NAT gateway pod (StatefulSet vpc-nat-gw-<name>). */
const NAT_GW_POD_LABEL = "ovn.kubernetes.io/vpc-nat-gw";
const POLL_MS = 300;

export interface PodRuntime {
  stop(): Promise<void>;
}

export function startPodRuntime(kc: k8s.KubeConfig, log: (line: string) => void): PodRuntime {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const nodeLabels = (nodeManifest() as { metadata: { labels: Record<string, string> } }).metadata.labels;
  const execRules = new Map<string, string>(); // namespace/pod -> the pod uid its Exec rule names
  const failing = new Map<string, string>(); // what failed last, logged once per change
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const report = (key: string, err?: unknown) => {
    const text = err === undefined ? undefined : err instanceof Error ? err.message.split("\n")[0] : String(err);
    if (text === failing.get(key)) return;
    if (text === undefined) failing.delete(key);
    else {
      failing.set(key, text);
      log(`pod runtime: ${key}: ${text}`);
    }
  };

  async function bindPending(): Promise<void> {
    const pods = await core.listPodForAllNamespaces({ fieldSelector: "spec.nodeName=" });
    for (const pod of pods.items) {
      const { name, namespace } = pod.metadata as { name: string; namespace: string };
      if (pod.metadata?.deletionTimestamp) continue;
      const selector = pod.spec?.nodeSelector ?? {};
      if (!Object.entries(selector).every(([k, v]) => nodeLabels[k] === v)) continue; // unschedulable here
      await core
        .createNamespacedPodBinding({
          name,
          namespace,
          body: { metadata: { name, namespace }, target: { apiVersion: "v1", kind: "Node", name: NODE_NAME } },
        })
        .then(() => report(`bind ${namespace}/${name}`))
        .catch((e) => ((e as { code?: number }).code === 409 ? undefined : report(`bind ${namespace}/${name}`, e)));
    }
  }

  async function gatewayExecRules(): Promise<void> {
    const pods = await core.listPodForAllNamespaces({ labelSelector: `${NAT_GW_POD_LABEL}=true` });
    const live = new Set<string>();
    for (const pod of pods.items) {
      const { name, namespace, uid } = pod.metadata as { name: string; namespace: string; uid: string };
      const key = `${namespace}/${name}`;
      live.add(key);
      if (execRules.get(key) === uid) continue;
      // A StatefulSet pod comes back under the same name: the rule is replaced for the new uid.
      const body = {
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "Exec",
        metadata: { name, namespace },
        spec: {
          execs: [
            {
              local: {
                envs: [
                  { name: GATEWAY_POD_ENV, value: name },
                  { name: GATEWAY_POD_UID_ENV, value: uid },
                ],
              },
            },
          ],
        },
      };
      const ref = { group: "kwok.x-k8s.io", version: "v1alpha1", namespace, plural: "execs" };
      await custom
        .deleteNamespacedCustomObject({ ...ref, name })
        .catch((e) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)));
      await custom
        .createNamespacedCustomObject({ ...ref, body })
        .then(() => execRules.set(key, uid))
        .catch((e) => report(`exec rule ${key}`, e));
    }
    for (const key of execRules.keys()) if (!live.has(key)) execRules.delete(key);
  }

  async function pass(): Promise<void> {
    try {
      await bindPending();
      await gatewayExecRules();
      report("api");
    } catch (e) {
      report("api", e); // e.g. kube-apiserver restarting: try again next pass
    }
  }

  const loop = () => {
    if (stopped) return;
    running = pass().finally(() => {
      if (!stopped) timer = setTimeout(loop, POLL_MS);
    });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
