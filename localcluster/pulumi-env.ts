/**
 * The environment every Pulumi CLI process of the demo, the tests and the bench runs with: a local
 * file backend, no network look-ups, the pinned toolchain and our provider plugin first on PATH.
 * Harness only: the shipped package never sets a passphrase of its own (users bring theirs through
 * PULUMI_CONFIG_PASSPHRASE or their backend).
 */
import * as path from "node:path";
import { pluginBin } from "../provider/automation/env";

/** The passphrase of the local demo and test stacks (file backend in a scratch directory). */
export const LOCAL_PASSPHRASE = "local-demo-passphrase";

export interface PulumiEnvOptions {
  /** Directory holding the file backend's state. */
  backendDir: string;
  /** Directory with pulumi, its language hosts and pulumi-resource-kubernetes. */
  toolchainBin: string;
  /** Kubeconfig of the target cluster. */
  kubeconfig: string;
  /** Secrets passphrase of the file backend (default: LOCAL_PASSPHRASE). */
  passphrase?: string;
}

export function pulumiEnv(o: PulumiEnvOptions): { [k: string]: string } {
  return {
    PATH: [o.toolchainBin, pluginBin, process.env.PATH ?? ""].join(path.delimiter),
    PULUMI_BACKEND_URL: `file://${o.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: o.passphrase ?? LOCAL_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "1",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
    KUBECONFIG: o.kubeconfig,
  };
}

/** Puts the environment into this process, so the Automation API's own CLI calls see it too. */
export function applyEnv(env: { [k: string]: string }): void {
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
}
