/**
 * Splitting a fleet plan over CI runners: `plan --shard i/n` previews the stacks assigned to shard i,
 * and `merge-reports` joins the shards' JSON reports into the one report an unsharded plan gives.
 * Pure: the assignment depends on the stack name alone, so every runner agrees on it without talking
 * to the others, and a tenant keeps its shard when others are added or removed.
 */
import { createHash } from "node:crypto";
import { type FleetReport, type StackReport, fleetReport } from "./report";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Parses `i/n` (1 ≤ i ≤ n); the message names the value. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new Error(`--shard: ${JSON.stringify(text)} is not i/n with 1 <= i <= n (e.g. 2/4)`);
  return { index, count };
}

/** The shard (1-based) a stack belongs to out of `count`: a hash of its name, so stable across runs and machines. */
export function shardOf(stack: string, count: number): number {
  const digest = createHash("sha256").update(stack).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export const inShard = (stack: string, shard: Shard | undefined): boolean =>
  !shard || shardOf(stack, shard.count) === shard.index;

/** What merging refuses: reports of different fleets, missing or repeated shards, a stack twice. */
export class MergeError extends Error {}

/**
 * One report from the shards' reports: the stacks of all shards, totals recomputed. Refuses
 * anything that would make the merged report claim less than the whole fleet: a missing shard, a
 * shard given twice, shards of different splits or of different fleet files.
 */
export function mergeReports(reports: { source: string; report: FleetReport }[]): FleetReport {
  if (reports.length === 0) throw new MergeError("no reports to merge");
  const [first] = reports;
  for (const { source, report } of reports) {
    if (report.project !== first.report.project || report.file !== first.report.file)
      throw new MergeError(
        `${source}: report of ${report.project} (${report.file}), but ${first.source} is of ${first.report.project} (${first.report.file})`,
      );
    if (!report.shard && reports.length > 1)
      throw new MergeError(`${source}: not a shard's report (plan it with --shard i/n), cannot merge it with others`);
    if (report.shard && first.report.shard && report.shard.count !== first.report.shard.count)
      throw new MergeError(
        `${source}: shard ${report.shard.index}/${report.shard.count}, but ${first.source} is ${first.report.shard.index}/${first.report.shard.count}`,
      );
  }
  const count = first.report.shard?.count;
  if (count !== undefined) {
    const seen = new Map<number, string>();
    for (const { source, report } of reports) {
      const i = (report.shard as Shard).index;
      const before = seen.get(i);
      if (before) throw new MergeError(`shard ${i}/${count} given twice: ${before} and ${source}`);
      seen.set(i, source);
    }
    const missing = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !seen.has(i));
    if (missing.length)
      throw new MergeError(
        `missing shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")}: a merged report without them would hide their stacks`,
      );
  }
  const stacks: StackReport[] = [];
  const owner = new Map<string, string>();
  for (const { source, report } of reports) {
    for (const s of report.stacks) {
      const before = owner.get(s.stack);
      if (before) throw new MergeError(`stack ${s.stack} is in both ${before} and ${source}`);
      owner.set(s.stack, source);
      stacks.push(s);
    }
  }
  return fleetReport(first.report.project, first.report.file, stacks);
}

/**
 * A report read back from `plan --json`: the fields the merge relies on are checked, the ones
 * renderJson adds for readers (exitCode, each stack's Mermaid text) dropped.
 */
export function reportFromJson(source: string, text: string): FleetReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new MergeError(`${source}: not JSON (${(e as Error).message})`);
  }
  const d = doc as Partial<FleetReport> & { exitCode?: unknown };
  if (typeof d !== "object" || d === null || typeof d.project !== "string" || !Array.isArray(d.stacks))
    throw new MergeError(`${source}: not a report of \`kubeovn-tenants plan --json\``);
  const stacks = d.stacks.map((s) => {
    const { mermaid: _mermaid, ...rest } = s as StackReport & { mermaid?: string };
    return rest;
  });
  return {
    project: d.project,
    file: String(d.file),
    stacks,
    totals: d.totals as FleetReport["totals"],
    ...(d.shard ? { shard: d.shard } : {}),
  };
}
