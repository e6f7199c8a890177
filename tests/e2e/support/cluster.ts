// The one control plane an end-to-end run shares; started and stopped by tests/e2e/hooks.ts.
import * as k8s from "@kubernetes/client-node";
import * as path from "node:path";
import { type ControlPlane, startControlPlane } from "../../../localcluster/controlplane";
import type { KubeOvn } from "../../../localcluster/kubeovn";
import { ensureToolchain } from "../../../localcluster/toolchain";

let current: ControlPlane | undefined;

export function setCluster(cp: ControlPlane | undefined): void {
  current = cp;
}

/** The shared control plane; throws when the root hooks did not start one. */
export function getCluster(): ControlPlane {
  if (!current)
    throw new Error("no control plane: run e2e tests with --config tests/e2e/.mocharc.json (root hooks start it)");
  return current;
}

/** A KubeConfig for `cp` (default: the shared one), ready for makeApiClient. */
export function kubeConfig(cp: ControlPlane = getCluster()): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return kc;
}

/**
 * Starts the shared control plane with the pinned toolchain first on PATH (so the Pulumi engine and
 * its plugins are found) and this process's KUBECONFIG pointing at it.
 */
export async function startSharedCluster(log: (line: string) => void): Promise<{ cp: ControlPlane; binDir: string }> {
  const binDir = await ensureToolchain();
  process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH ?? ""}`;
  process.env.KUBEOVN_BIN_DIR = binDir;
  const cp = await startControlPlane({ binDir, log });
  setCluster(cp);
  process.env.KUBECONFIG = cp.kubeconfigPath;
  return { cp, binDir };
}

/** The real Kube-OVN control plane of the shared cluster (controller, OVN databases, gateway calls). */
export function kubeOvn(): KubeOvn {
  const k = getCluster().kubeOvn;
  if (!k) throw new Error("the shared control plane runs without Kube-OVN");
  return k;
}
