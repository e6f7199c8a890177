/** Programs for the reliability run, built from the demo's own specs so they never drift from it. */
import * as k8s from "@kubernetes/client-node";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { pluginBin } from "../../../provider/automation/env";
import { pulumiEnv } from "../../../localcluster/pulumi-env";
import { type ClusterNetworkSpec, type TenantSpec, planCluster } from "../../../provider/core";
import { ClusterNetwork, TenantNetwork } from "../../../provider";
import { getCluster } from "../../e2e/support/cluster";
import { clone, loadDemo } from "../../support/demo";
import { kubeConfig } from "../../e2e/support/cluster";
import { ourObjects } from "../../e2e/support/stack";

/** The demo's cluster network and its two tenants (acme, globex), fresh copies. */
export function demoSpecs(): { cluster: ClusterNetworkSpec; acme: TenantSpec; globex: TenantSpec } {
  const d = loadDemo();
  return { cluster: clone(d.cluster), acme: clone(d.tenants[0]), globex: clone(d.tenants[1]) };
}

/**
 * A Pulumi YAML program: the cluster network, then the tenants, each
 * consuming the cluster's `info`.
 */
export function yamlProgram(name: string, cluster: ClusterNetworkSpec, tenants: TenantSpec[]): any {
  const resources: any = {};
  resources.cluster = { type: "kubeovn:index:ClusterNetwork", properties: cluster };
  tenants.forEach((t, i) => {
    resources[`tenant${i}`] = { type: "kubeovn:index:TenantNetwork", properties: { cluster: "${cluster.info}", ...t } };
  });
  return { name, runtime: "yaml", plugins: { providers: [{ name: "kubeovn", path: pluginBin }] }, resources };
}

/**
 * An inline TypeScript program (how TypeScript users run the components: in the program's own
 * process) as stack `name` on the file backend `backend`. With tenants it is a tenant stack: it gets
 * the cluster's `info` as the cluster stack exports it; without, it is the cluster stack.
 */
export async function inlineStack(
  name: string,
  cluster: ClusterNetworkSpec,
  tenants: TenantSpec[],
  backend: string,
): Promise<Stack> {
  return inlineProgramStack(
    name,
    async () => {
      if (tenants.length === 0) new ClusterNetwork("cluster", cluster);
      tenants.forEach((t, i) => {
        new TenantNetwork(`tenant${i}`, { ...t, cluster: planCluster(cluster).info });
      });
    },
    backend,
  );
}

/** Any inline program as stack `name` on the file backend `backend`, against the shared control plane. */
export async function inlineProgramStack(name: string, program: () => Promise<void>, backend: string): Promise<Stack> {
  const envVars = pulumiEnv({
    backendDir: backend,
    toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
    kubeconfig: getCluster().kubeconfigPath,
  });
  return LocalWorkspace.createOrSelectStack(
    { stackName: name, projectName: "kubeovn-reliability", program },
    { envVars },
  );
}

/** Everything in the API server a run of ours could have created: our objects plus every namespace. */
export async function clusterSnapshot(): Promise<string[]> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const ns = await core.listNamespace();
  return [...(await ourObjects()), ...ns.items.map((n) => `any-namespace/${n.metadata?.name}`)].sort();
}

/** Runs `jobs` with at most `n` at a time; each result (or error) lands at its own index. */
export function boundedAll<T>(n: number, jobs: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>>[] {
  const slots: Promise<PromiseSettledResult<T>>[] = [];
  jobs.forEach((job, i) => {
    const start = async (): Promise<PromiseSettledResult<T>> => {
      try {
        return { status: "fulfilled", value: await job() };
      } catch (reason) {
        return { status: "rejected", reason };
      }
    };
    // n lanes: job i starts when job i - n has finished.
    slots.push((i >= n ? slots[i - n] : Promise.resolve()).then(start));
  });
  return slots as Promise<PromiseSettledResult<T>>[];
}
