/**
 * A stack of the demo program (or a variant of it) in a scratch directory, on a local file
 * backend, driven through the Automation API exactly as a user's automation would.
 */
import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import * as k8s from "@kubernetes/client-node";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ChangeCollector, type ResourceChange } from "../../../provider/automation/changes";
import { pluginBin, repoRoot } from "../../../provider/automation/env";
import { pulumiEnv } from "../../../localcluster/pulumi-env";
import { KUBE_OVN_PLURAL } from "../../../provider/kube/kube-ovn-plurals";
import { getCluster, kubeConfig } from "./cluster";

export interface DemoStack {
  dir: string;
  stack: Stack;
  /** The program as a plain object; edit it, then call write(). */
  program: any;
  write(): void;
  preview(): Promise<ResourceChange[]>;
  cleanup(): void;
}

export async function openDemoStack(name: string, source = path.join(repoRoot, "Pulumi.yaml")): Promise<DemoStack> {
  const program = YAML.parse(fs.readFileSync(source, "utf8"));
  program.plugins.providers[0].path = pluginBin;
  return openProgramStack(name, program);
}

/** The environment of a stack on the shared control plane, with its state in `backend`. */
function stackEnv(backend: string): { [k: string]: string } {
  const envVars = pulumiEnv({
    backendDir: backend,
    toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
    kubeconfig: getCluster().kubeconfigPath,
  });
  process.env.PULUMI_CONFIG_PASSPHRASE = envVars.PULUMI_CONFIG_PASSPHRASE;
  return envVars;
}

export interface InlineStack {
  stack: Stack;
  cleanup(): void;
}

/**
 * A stack of an inline TypeScript program (the only way to run TypeScript here): by default alone in
 * its own file backend and project; stacks given one `backend` and `project` form a fleet.
 */
export async function openInlineStack(
  name: string,
  program: PulumiFn,
  o: { backend?: string; project?: string } = {},
): Promise<InlineStack> {
  const backend = o.backend ?? fs.mkdtempSync(path.join(os.tmpdir(), `kubeovn-${name}-`));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, projectName: o.project ?? name, program },
    { envVars: stackEnv(backend) },
  );
  return { stack, cleanup: () => (o.backend ? undefined : fs.rmSync(backend, { recursive: true, force: true })) };
}

/** A stack of any Pulumi YAML program, given as a plain object. */
export async function openProgramStack(name: string, program: any, sharedBackend?: string): Promise<DemoStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kubeovn-${name}-`));
  const backend = sharedBackend ?? path.join(dir, ".state");
  fs.mkdirSync(backend, { recursive: true });
  const write = () => fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(program));
  write();
  const envVars = stackEnv(backend);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: dir }, { envVars });
  return {
    dir,
    stack,
    program,
    write,
    async preview() {
      const c = new ChangeCollector();
      await stack.preview({ diff: true, onEvent: c.onEvent });
      return c.resourceChanges;
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The API plural of each Kube-OVN kind we declare. */
export const PLURAL: { [kind: string]: string } = KUBE_OVN_PLURAL;
const KUBEOVN_PLURALS = [...Object.values(PLURAL), "ips"];

/** Every Kube-OVN object and NAD in the cluster labelled as ours: `Kind/name`. */
export async function ourObjects(selector = "app.kubernetes.io/managed-by=pulumi-kubeovn"): Promise<string[]> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const out: string[] = [];
  for (const plural of KUBEOVN_PLURALS) {
    const list: any = await api.listClusterCustomObject({
      group: "kubeovn.io",
      version: "v1",
      plural,
      labelSelector: selector,
    });
    for (const o of list.items) out.push(`${o.kind}/${o.metadata.name}`);
  }
  const nads: any = await api.listCustomObjectForAllNamespaces({
    group: "k8s.cni.cncf.io",
    version: "v1",
    plural: "network-attachment-definitions",
    labelSelector: selector,
  });
  for (const o of nads.items) out.push(`${o.kind}/${o.metadata.name}`);
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const ns = await core.listNamespace({ labelSelector: selector });
  for (const o of ns.items) out.push(`Namespace/${o.metadata?.name}`);
  return out.sort();
}

/** Reads one cluster-scoped Kube-OVN object. */
export async function getKubeOvn(plural: string, name: string): Promise<any> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  return api.getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural, name });
}
