/**
 * npm run bench: every figure on one local control plane with the real kube-ovn-controller,
 * printed as a table and written to bench/results.json.
 *
 * BENCH_RUNS (default 3) repetitions of each figure, BENCH_FLEET_RUNS (default: BENCH_RUNS) of figure 4 alone,
 * BENCH_FIGURES (default 1,2,3,4,5) which to run, in that order, BENCH_OUT (default bench/results.json) where to write,
 * BENCH_RAW_DELETE_TIMEOUT (default 60s) the plain resources' delete timeout in figure 2,
 * BENCH_FLEET_TENANTS (default 50) the fleet size of figure 4 (smaller only to try the bench out),
 * BENCH_CHANGED_TENANTS (default 1000) the fleet size of figure 5,
 * BENCH_DEPLOY_TENANTS (default 20,100) the stack sizes of figure 1 (smaller only to try the bench out).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../provider/automation/env";
import { ClusterNetwork } from "../provider/components/ClusterNetwork";
import { planCluster } from "../provider/core";
import { setCluster, startSharedCluster } from "../tests/e2e/support/cluster";
import { openInlineStack } from "../tests/e2e/support/stack";
import type { BenchContext, FigureResult } from "./context";
import { deadDestroyFigure } from "./dead-destroy";
import { deploySizesFigure } from "./deploy";
import { changedOnlyFigure } from "./changed-only";
import { fleetPlanFigure } from "./fleet-plan";
import { machine, versions } from "./machine";
import { planningFigure } from "./planning";
import { benchRuns, formatTable } from "./stats";
import { benchCluster } from "./workload";

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const runs = benchRuns();
  const fleetRuns = benchRuns(process.env, runs, "BENCH_FLEET_RUNS");
  const wanted = new Set((process.env.BENCH_FIGURES || "1,2,3,4,5").split(",").map((s) => s.trim()));
  const out = path.resolve(process.env.BENCH_OUT || path.join(__dirname, "results.json"));
  const started = new Date();
  // Before the first write of results.json, which would count as a change.
  const measured = commit();
  const loadBefore = os.loadavg();

  const { cp, binDir } = await startSharedCluster(log);
  const controller = cp.kubeOvn!;
  const ctx: BenchContext = { controller, info: planCluster(benchCluster).info, runs, log };
  log(
    `control plane ${cp.server}; kube-ovn-controller log ${controller.logs.controller}; ${runs} runs per figure (fleet plan: ${fleetRuns})`,
  );

  const figures: { [n: string]: FigureResult } = {};
  const results = () => ({
    measuredAt: started.toISOString(),
    durationMinutes: Math.round(((Date.now() - started.getTime()) / 60000) * 10) / 10,
    runs: { perFigure: runs, fleetPlan: fleetRuns, statistic: "median" },
    commit: measured,
    machine: { ...machine(), loadAverage1m: { start: round(loadBefore[0]), end: round(os.loadavg()[0]) } },
    versions: versions(binDir, cp.versions),
    note: "Wall-clock times on a shared machine; compare the ratios (both sides measured in the same run), not the seconds.",
    figures,
  });
  // Written after every figure, so a run cut short still leaves what it measured.
  const write = () => fs.writeFileSync(out, `${JSON.stringify(results(), null, 2)}\n`);
  const cluster = await openInlineStack("bench-cluster", async () => void new ClusterNetwork("cluster", benchCluster));
  try {
    await cluster.stack.up({ onOutput: () => undefined });
    await controller.settled(120_000);
    const plan: { [n: string]: () => Promise<FigureResult> } = {
      "1": () => deploySizesFigure(ctx, deploySizes()),
      "2": () => deadDestroyFigure(ctx),
      "3": () => planningFigure(ctx),
      "4": () => fleetPlanFigure(ctx, fleetRuns, benchRuns(process.env, 50, "BENCH_FLEET_TENANTS")),
      "5": () => changedOnlyFigure(ctx, benchRuns(process.env, 1000, "BENCH_CHANGED_TENANTS")),
    };
    const notMeasured = (n: string, why: string): FigureResult => ({
      title: `figure ${n}`,
      meaning: "",
      status: `not measured: ${why}`,
      rows: [],
    });
    // Stopped (Ctrl-C, a time limit): keep what was measured, say what was not, leave no cluster behind.
    let current: string | undefined;
    const interrupted = (signal: string) => {
      for (const n of wanted)
        if (!figures[n])
          figures[n] = notMeasured(
            n,
            n === current
              ? `the run was stopped (${signal}) during this figure`
              : `the run was stopped (${signal}) before this figure`,
          );
      write();
      log(`stopped by ${signal}; partial results written to ${out}`);
      void cp.stop().finally(() => process.exit(130));
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    for (const n of wanted) {
      const run = plan[n];
      if (!run) throw new Error(`BENCH_FIGURES: no figure ${JSON.stringify(n)} (figures: 1, 2, 3, 4, 5)`);
      current = n;
      log(`figure ${n}`);
      try {
        figures[n] = await run();
      } catch (e) {
        log(`figure ${n} failed: ${(e as Error).stack ?? e}`);
        figures[n] = notMeasured(n, `failed (${(e as Error).message.split("\n")[0]})`);
      }
      write();
    }
    await cluster.stack.destroy({ onOutput: () => undefined });
  } finally {
    cluster.cleanup();
    setCluster(undefined);
    await cp.stop();
  }

  write();
  const final = results();

  const rows: string[][] = [];
  for (const [n, f] of Object.entries(figures)) {
    rows.push([`${n}. ${f.title}`, "", "", ""]);
    if (f.status !== "measured") rows.push([`  ${f.status}`, "", "", ""]);
    for (const r of f.rows) rows.push([`  ${r[0]}`, ...r.slice(1)]);
  }
  console.log(formatTable(["figure", "ours", "baseline", "ratio"], rows));
  console.log(
    `\n${final.machine.cpuModel}, ${final.machine.cores} cores, ${final.machine.memoryGiB} GiB, node ${process.version}; ` +
      `load ${final.machine.loadAverage1m.start} -> ${final.machine.loadAverage1m.end}; ${runs} runs, medians. Written to ${path.relative(process.cwd(), out)}`,
  );
}

/** BENCH_DEPLOY_TENANTS: the stack sizes of figure 1, e.g. "20,100". */
function deploySizes(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env.BENCH_DEPLOY_TENANTS || "20,100";
  return raw.split(",").map((part) => benchRuns({ BENCH_DEPLOY_TENANTS: part.trim() }, 20, "BENCH_DEPLOY_TENANTS"));
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The commit measured, with `+changes` when the work tree differs from it; undefined outside a git checkout. */
function commit(): string | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain") ? "+changes" : "");
  } catch {
    return undefined;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
