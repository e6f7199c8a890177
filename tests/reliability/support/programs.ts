/** Programs for the reliability run, built from the demo's own specs so they never drift from it. */
import * as k8s from "@kubernetes/client-node";
import { pluginBin } from "../../../provider/automation/env";
import { ClusterNetworkSpec, TenantSpec } from "../../../provider/core";
import { clone, loadDemo } from "../../support/demo";
import { kubeConfig } from "../../e2e/support/cluster";
import { ourObjects } from "../../e2e/support/stack";

/** The demo's cluster network and its two tenants (acme, globex), fresh copies. */
export function demoSpecs(): { cluster: ClusterNetworkSpec; acme: TenantSpec; globex: TenantSpec } {
    const d = loadDemo();
    return { cluster: clone(d.cluster), acme: clone(d.tenants[0]), globex: clone(d.tenants[1]) };
}

/**
 * A Pulumi YAML program: the cluster network (unless `cluster` is null), then the tenants, each
 * consuming the cluster's `info`.
 */
export function yamlProgram(name: string, cluster: ClusterNetworkSpec | null, tenants: TenantSpec[]): any {
    const resources: any = {};
    if (cluster) resources.cluster = { type: "kubeovn:index:ClusterNetwork", properties: cluster };
    tenants.forEach((t, i) => {
        resources[`tenant${i}`] = { type: "kubeovn:index:TenantNetwork", properties: { cluster: "${cluster.info}", ...t } };
    });
    return { name, runtime: "yaml", plugins: { providers: [{ name: "kubeovn", path: pluginBin }] }, resources };
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
