/**
 * What the fleet commands do, callable from code (benchmarks, other automation) as well as from the
 * CLI: plan (previews -> report), apply (up where something changes), destroy, status.
 */
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ChangeCollector, type ResourceChange } from "../automation/changes";
import { KubeClaimStore } from "../kube/claims";
import { ambientKubeconfig } from "../kube/credentials";
import { type Fleet, diffFleets, loadBaseFleet, loadFleet } from "./fleet-file";
import { type Progress, silentProgress } from "./progress";
import { type Shard, inShard } from "./shard";
import { type FleetReport, type StackReport, failedReport, fleetReport, previewReport, removedReport } from "./report";
import {
  CLUSTER_STACK,
  type StackRef,
  clusterProject,
  errorMessage,
  listStacks,
  openStack,
  stackExists,
  stackRefs,
} from "./stacks";

export interface SelectOptions {
  /** Only these tenants (default: all; the cluster stack is planned only when no tenant is named). */
  tenants?: string[];
  /** Only what changed against this git revision or previous fleet file. */
  changedOnly?: string;
  /** Only the stacks of this shard (`--shard i/n`), after the selection above. */
  shard?: Shard;
}

export interface RunOptions {
  /** Stacks worked on at the same time (default 4). */
  concurrency?: number;
  progress?: Progress;
  /** Aborting sends the running Pulumi operations SIGINT: they stop cleanly and release their locks. */
  signal?: AbortSignal;
  /** CrossGuard policy pack directories run with every preview and update (`--policy-pack`). */
  policyPacks?: string[];
  /** Their config files (`--policy-pack-config`), in the same order. */
  policyPackConfigs?: string[];
}

/** The policy options of a preview or update, absolute paths (the engine runs in the stack's directory). */
function policyOptions(o: RunOptions): { policyPacks?: string[]; policyPackConfigs?: string[] } {
  const abs = (ps: string[] | undefined) => (ps?.length ? ps.map((p) => path.resolve(p)) : undefined);
  const policyPacks = abs(o.policyPacks);
  const policyPackConfigs = abs(o.policyPackConfigs);
  return { ...(policyPacks ? { policyPacks } : {}), ...(policyPackConfigs ? { policyPackConfigs } : {}) };
}

export const DEFAULT_CONCURRENCY = 4;

/** Runs `fn` over `items`, at most `limit` at a time; results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The stacks a command works on. Throws when a named tenant is not in the file. */
export function selectStacks(fleet: Fleet, file: string, opts: SelectOptions): StackRef[] {
  return selection(fleet, file, opts).refs;
}

/**
 * The stacks a command works on, and the tenants whose removal from the file it should report: all
 * stacks not in the file when the whole fleet is planned, those the base had with --changed-only, none
 * when tenants are named.
 */
function selection(fleet: Fleet, file: string, opts: SelectOptions): { refs: StackRef[]; removed: "all" | string[] } {
  const names = fleet.tenants.map((t) => t.tenant);
  const named = !!opts.tenants?.length;
  if (named) {
    const unknown = opts.tenants!.filter((t) => !names.includes(t));
    if (unknown.length)
      throw new Error(`not a tenant of ${file}: ${unknown.join(", ")} (tenants: ${names.join(", ")})`);
  }
  let tenants = named ? names.filter((n) => opts.tenants!.includes(n)) : names;
  let withCluster = !named;
  let removed: "all" | string[] = named ? [] : "all";
  if (opts.changedOnly) {
    const diff = diffFleets(loadBaseFleet(file, opts.changedOnly), fleet);
    tenants = tenants.filter((t) => diff.tenants.includes(t));
    withCluster = withCluster && diff.clusterChanged;
    if (!named) removed = diff.removed;
  }
  const refs = stackRefs(fleet, tenants, withCluster).filter((r) => inShard(r.name, opts.shard));
  return { refs, removed };
}

interface Preview {
  ref: StackRef;
  report: StackReport;
}

/**
 * Previews one stack. A plan leaves the backend as it found it: a stack that did not exist (a tenant
 * new in this file) is created for the preview and removed again.
 */
async function previewOne(fleet: Fleet, ref: StackRef, existing: Set<string>, o: RunOptions): Promise<Preview> {
  const progress = o.progress ?? silentProgress;
  progress.set(ref.name, "previewing");
  let stack: Stack | undefined;
  const collector = new ChangeCollector();
  try {
    stack = await openStack(fleet, ref, { create: true });
    await stack.preview({ diff: true, onEvent: collector.onEvent, signal: o.signal, ...policyOptions(o) });
    const report = reportOf(ref, collector);
    progress.set(ref.name, "done", summaryLine(report));
    return { ref, report };
  } catch (e) {
    // A preview that fails only because a mandatory policy says no still shows what it would change.
    const report = reportOf(ref, collector);
    if (report.status === "blocked") {
      progress.set(ref.name, "failed", `blocked by policy: ${summaryLine(report)}`);
      return { ref, report };
    }
    const msg = errorMessage(e, ref);
    progress.set(ref.name, "failed", msg);
    return { ref, report: failedReport(ref.name, ref.role, msg) };
  } finally {
    // Without --force the CLI refuses to remove a stack holding resources: nothing deployed is ever lost here.
    if (stack && !existing.has(stackKey(ref))) await stack.workspace.removeStack(ref.name).catch(() => undefined);
  }
}

const stackKey = (ref: { project: string; name: string }) => `${ref.project}/${ref.name}`;

/** The stacks of these projects on the backend, with their resource counts. */
async function backendStacks(projects: string[]): Promise<{ project: string; name: string; resources: number }[]> {
  const out: { project: string; name: string; resources: number }[] = [];
  for (const project of new Set(projects)) {
    for (const s of await listStacks(project))
      out.push({ project, name: s.name.split("/").pop() as string, resources: s.resourceCount ?? 0 });
  }
  return out;
}

function reportOf(ref: StackRef, collector: ChangeCollector): StackReport {
  return previewReport(
    ref.name,
    ref.role,
    collector.resourceChanges,
    [...collector.inputs.values()],
    collector.violations,
  );
}

function summaryLine(r: StackReport): string {
  if (r.status === "unchanged") return "no changes";
  const c = r.counts;
  return `${c.create} create, ${c.update} update, ${c.replace} replace, ${c.delete} delete${r.disruptive ? " (disruptive)" : ""}`;
}

/**
 * Previews the selected stacks and builds the report. The file is validated before any stack is
 * touched. Tenant stacks that still hold resources but are no longer in the file are reported with
 * the command that removes them (`apply` leaves them running).
 */
export async function planFleetStacks(file: string, opts: SelectOptions & RunOptions = {}): Promise<FleetReport> {
  const fleet = loadFleet(file);
  const { refs, removed } = selection(fleet, file, opts);
  const stacks = await backendStacks([clusterProject(fleet), fleet.project]);
  const inFile = new Set(fleet.tenants.map((t) => t.tenant));
  const orphans = stacks.filter(
    (s) =>
      s.project === fleet.project &&
      s.resources > 0 &&
      !inFile.has(s.name) &&
      inShard(s.name, opts.shard) &&
      (removed === "all" || removed.includes(s.name)),
  );
  for (const r of refs) (opts.progress ?? silentProgress).set(r.name, "waiting");
  const existing = new Set(stacks.map(stackKey));
  const previews = await mapBounded(refs, opts.concurrency ?? DEFAULT_CONCURRENCY, (r) =>
    previewOne(fleet, r, existing, opts),
  );
  return fleetReport(
    fleet.project,
    file,
    [...previews.map((p) => p.report), ...orphans.map((o) => removedReport(o.name, o.resources))],
    opts.shard,
  );
}

export interface ApplyResult {
  stack: string;
  role: StackRef["role"];
  result: "updated" | "unchanged" | "failed" | "skipped";
  /** Resource operations the engine reported, e.g. { create: 3 }. */
  changes?: { [op: string]: number };
  error?: string;
}

/**
 * Runs `up` on the selected stacks that have changes: the cluster network first, then tenants with
 * bounded concurrency. A deployed stack is previewed first and left alone when nothing changes; a
 * new or empty stack changes by definition and goes straight to `up` (previewed too when policy packs
 * run, so a violation stops it before anything is created). A failing tenant does not
 * stop the others.
 */
export async function applyFleet(file: string, opts: SelectOptions & RunOptions = {}): Promise<ApplyResult[]> {
  const fleet = loadFleet(file);
  const refs = selectStacks(fleet, file, opts);
  const progress = opts.progress ?? silentProgress;
  for (const r of refs) progress.set(r.name, "waiting");
  const deployed = new Set(
    (await backendStacks(refs.map((r) => r.project))).filter((s) => s.resources > 0).map(stackKey),
  );

  const applyOne = async (ref: StackRef): Promise<ApplyResult> => {
    const base = { stack: ref.name, role: ref.role };
    try {
      const stack = await openStack(fleet, ref, { create: true });
      // With policy packs, a new stack is previewed too: stack policies run at the end of an operation,
      // so only a preview stops a violation before anything is created.
      if (deployed.has(stackKey(ref)) || opts.policyPacks?.length) {
        progress.set(ref.name, "previewing");
        const preview = await stack.preview({ signal: opts.signal, ...policyOptions(opts) });
        if (!Object.entries(preview.changeSummary).some(([op, n]) => op !== "same" && (n ?? 0) > 0)) {
          progress.set(ref.name, "done", "no changes");
          return { ...base, result: "unchanged" };
        }
      }
      progress.set(ref.name, "updating");
      const res = await stack.up({ onOutput: () => undefined, signal: opts.signal, ...policyOptions(opts) });
      const changes = Object.fromEntries(
        Object.entries(res.summary.resourceChanges ?? {}).filter(([op]) => op !== "same"),
      );
      progress.set(
        ref.name,
        "done",
        Object.entries(changes)
          .map(([k, v]) => `${v} ${k}`)
          .join(", "),
      );
      return { ...base, result: "updated", changes };
    } catch (e) {
      const msg = errorMessage(e, ref);
      progress.set(ref.name, "failed", msg);
      return { ...base, result: "failed", error: msg };
    }
  };
  const results: ApplyResult[] = [];
  const cluster = refs.find((r) => r.role === "cluster");
  if (cluster) results.push(await applyOne(cluster));
  const tenants = refs.filter((r) => r.role === "tenant");
  if (results[0]?.result === "failed") {
    for (const t of tenants) {
      progress.set(t.name, "skipped", "the cluster network failed");
      results.push({
        stack: t.name,
        role: "tenant",
        result: "skipped",
        error: "not applied: the cluster network stack failed",
      });
    }
  } else {
    results.push(...(await mapBounded(tenants, opts.concurrency ?? DEFAULT_CONCURRENCY, applyOne)));
  }
  return results;
}

/**
 * Destroys one stack: a tenant (also one no longer in the file), or `cluster` once no tenant stack
 * holds resources. The stack itself is removed afterwards unless `keepStack`. A tenant's address
 * claims that no Teardown held (a first `up` that failed before its Teardown existed) are released
 * last, so nothing of the tenant is left; their names are returned.
 */
export async function destroyStack(
  file: string,
  name: string,
  opts: RunOptions & { keepStack?: boolean } = {},
): Promise<{ releasedClaims: string[] }> {
  const fleet = loadFleet(file);
  const ref: StackRef =
    name === CLUSTER_STACK ? stackRefs(fleet, [], true)[0] : { name, role: "tenant", project: fleet.project };
  if (!(await stackExists(ref))) throw new Error(`no stack ${ref.project}/${ref.name} on this backend`);
  if (ref.role === "cluster") {
    const busy = (await listStacks(fleet.project)).filter((s) => (s.resourceCount ?? 0) > 0).map((s) => s.name);
    if (busy.length)
      throw new Error(
        `tenant stacks still hold resources on the cluster network: ${busy.join(", ")}; destroy them first`,
      );
  }
  const progress = opts.progress ?? silentProgress;
  progress.set(ref.name, "destroying");
  let releasedClaims: string[] = [];
  try {
    const stack = await openStack(fleet, ref, { create: false });
    await stack.destroy({ onOutput: () => undefined, signal: opts.signal });
    if (!opts.keepStack) await stack.workspace.removeStack(ref.name);
    // The tenant programs act with the ambient kubeconfig (fleet tenants have no teardown settings).
    const kubeconfig = ambientKubeconfig();
    if (ref.role === "tenant" && kubeconfig)
      releasedClaims = await new KubeClaimStore(kubeconfig).releaseTenant(ref.name);
  } catch (e) {
    const msg = errorMessage(e, ref);
    progress.set(ref.name, "failed", msg);
    throw new Error(msg);
  }
  const claims = releasedClaims.length ? `, ${releasedClaims.length} leftover address claim(s) released` : "";
  progress.set(ref.name, "done", (opts.keepStack ? "destroyed" : "destroyed, stack removed") + claims);
  return { releasedClaims };
}

export interface StackStatus {
  stack: string;
  project: string;
  role: StackRef["role"];
  /** In the fleet file (tenants), or always (cluster). */
  inFile: boolean;
  resources?: number;
  lastUpdate?: { time: string; result: string };
  /** Objects whose state in the cluster differs from the stack's record (refresh preview). */
  drift?: ResourceChange[];
  error?: string;
}

/** Every stack of the fleet's projects, plus tenants of the file without a stack; drift via a refresh preview. */
export async function fleetStatus(file: string, opts: RunOptions & { drift?: boolean } = {}): Promise<StackStatus[]> {
  const fleet = loadFleet(file);
  const names = new Set(fleet.tenants.map((t) => t.tenant));
  const out: StackStatus[] = [];
  for (const [project, role] of [
    [clusterProject(fleet), "cluster"],
    [fleet.project, "tenant"],
  ] as const) {
    for (const s of await listStacks(project)) {
      const name = s.name.split("/").pop() as string;
      out.push({
        stack: name,
        project,
        role,
        inFile: role === "cluster" || names.has(name),
        resources: s.resourceCount,
        lastUpdate: s.lastUpdate
          ? { time: s.lastUpdate, result: s.updateInProgress ? "in progress" : "done" }
          : undefined,
      });
    }
  }
  for (const t of names)
    if (!out.some((s) => s.role === "tenant" && s.stack === t))
      out.push({ stack: t, project: fleet.project, role: "tenant", inFile: true });
  const progress = opts.progress ?? silentProgress;
  await mapBounded(
    out.filter((s) => s.resources !== undefined),
    opts.concurrency ?? DEFAULT_CONCURRENCY,
    async (s) => {
      const ref: StackRef = { name: s.stack, role: s.role, project: s.project };
      try {
        const stack = await openStack(fleet, ref, { create: false });
        const history = await stack.history(1);
        if (history[0])
          s.lastUpdate = {
            time: (history[0].endTime ?? history[0].startTime).toISOString(),
            result: `${history[0].kind} ${history[0].result}`,
          };
        if (opts.drift !== false && (s.resources ?? 0) > 0) {
          progress.set(s.stack, "refreshing");
          const collector = new ChangeCollector();
          await stack.previewRefresh({ onEvent: collector.onEvent, signal: opts.signal });
          s.drift = collector.resourceChanges;
          progress.set(s.stack, "done", s.drift.length ? `${s.drift.length} drifted` : "no drift");
        }
      } catch (e) {
        s.error = errorMessage(e, ref);
        progress.set(s.stack, "failed", s.error);
      }
    },
  );
  return out.sort((a, b) => (a.role !== b.role ? (a.role === "cluster" ? -1 : 1) : a.stack.localeCompare(b.stack)));
}
