/** What "recovered" means after a fault, and how a fault kills a running pulumi. */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as k8s from "@kubernetes/client-node";
import type { Stack } from "@pulumi/pulumi/automation";
import { type ClusterNetworkSpec, type TenantSpec, planCluster, planTenant } from "../../../provider/core";
import { kubeConfig } from "../../e2e/support/cluster";
import { ourObjects } from "../../e2e/support/stack";

/** `Kind/name` of every labelled object the plan of `cluster` and `tenants` puts in the API server. */
export function plannedObjects(cluster: ClusterNetworkSpec, tenants: TenantSpec[]): string[] {
  const c = planCluster(cluster);
  return [...c.objects, ...tenants.flatMap((t) => planTenant(t, c.info).objects)]
    .filter((o) => !o.patch && o.kind !== "ConfigMap")
    .map((o) => `${o.kind}/${o.metadata.name}`)
    .sort();
}

/** `Kind/name` of every Kubernetes object the stack's state holds. */
export async function stateObjects(stack: Stack): Promise<string[]> {
  const state = await stack.exportStack();
  return (state.deployment.resources ?? [])
    .filter(
      (r: any) =>
        r.type.startsWith("kubernetes:") &&
        !r.type.startsWith("pulumi:providers") &&
        !r.delete &&
        r.outputs?.metadata?.name,
    )
    .map((r: any) => `${r.outputs.kind}/${r.outputs.metadata.name}`)
    .sort();
}

/** Operations the engine started and never saw finish (empty after a clean run). */
export async function pendingOperations(stack: Stack): Promise<{ type: string; urn: string }[]> {
  const state = await stack.exportStack();
  return ((state.deployment as any).pending_operations ?? []).map((o: any) => ({ type: o.type, urn: o.resource?.urn }));
}

/** Every EIP address and NAT gateway interconnect address in the cluster, one entry per holder. */
export async function liveAddresses(): Promise<string[]> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const out: string[] = [];
  const eips: any = await api.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "iptables-eips" });
  for (const e of eips.items)
    for (const a of [e.spec?.v4ip, e.spec?.v6ip]) if (a) out.push(`${e.spec.externalSubnet}/${a}`);
  return out;
}

/**
 * The checks after any recovery: the cluster holds exactly the planned objects, each of them is in
 * the stack's state (nothing orphaned), and no address is held twice.
 */
export async function assertRecovered(stack: Stack, cluster: ClusterNetworkSpec, tenants: TenantSpec[]): Promise<void> {
  const live = await ourObjects();
  assert.deepEqual(live, plannedObjects(cluster, tenants), "the cluster does not match the program");
  const state = new Set(await stateObjects(stack));
  assert.deepEqual(
    live.filter((o) => !state.has(o)),
    [],
    "objects carry our label but are not in the stack's state",
  );
  assert.deepEqual(await pendingOperations(stack), [], "the state still has pending operations");
  const addresses = await liveAddresses();
  assert.deepEqual(
    addresses.filter((a, i) => addresses.indexOf(a) !== i),
    [],
    "an address is held twice",
  );
}

/** The pulumi CLI this process started for `stackName` and all its descendants (its plugins). */
export function pulumiProcessTree(stackName: string): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  const roots = rows
    .filter((r) => r.ppid === process.pid && /\bpulumi\b/.test(r.args) && r.args.includes(stackName))
    .map((r) => r.pid);
  const tree = [...roots];
  for (let i = 0; i < tree.length; i++) for (const r of rows) if (r.ppid === tree[i]) tree.push(r.pid);
  return tree;
}

/** SIGKILLs the pulumi CLI running for `stackName` and its plugins, as a crash of the machine would; returns how many. */
export function killPulumi(stackName: string): number {
  const tree = pulumiProcessTree(stackName);
  for (const pid of tree) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return tree.length;
}

/** A small seeded PRNG (mulberry32), so every trial's kill point is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Engine events that mark a resource step starting (not the stack or a provider). */
export function isResourceStep(e: any): boolean {
  const m = e.resourcePreEvent?.metadata;
  return !!m && m.op !== "same" && !m.type.startsWith("pulumi:");
}
