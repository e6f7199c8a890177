/**
 * Figure 5: the pull request of a large fleet. A fleet file of BENCH_CHANGED_TENANTS (default 1 000)
 * tenants, one of which is already deployed and is edited (a route added to its namespace);
 * `kubeovn-tenants plan --changed-only <base>` run as a user runs it, a fresh process: the whole file
 * validated, the one changed tenant's stack previewed. Goal: under 20 s wall.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { loadFleet } from "../provider/fleet";
import { applyFleet, destroyStack } from "../provider/fleet/operations";
import { fleetEnv, runFleetCli } from "../tests/e2e/support/fleet-cli";
import type { BenchContext, FigureResult } from "./context";
import { median, timed } from "./stats";
import { benchCluster, benchTenants } from "./workload";

const GOAL_SECONDS = 20;

export async function changedOnlyFigure(ctx: BenchContext, count: number): Promise<FigureResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-bench-pr-"));
  const env = fleetEnv(dir);
  const tenants = benchTenants("pr", count);
  const edited = tenants[Math.floor(count / 2)];
  const base = path.join(dir, "base.yaml");
  const head = path.join(dir, "fleet.yaml");
  fs.writeFileSync(base, YAML.stringify({ project: "bench-pr", cluster: benchCluster, tenants }));
  const changed = structuredClone(tenants);
  changed[Math.floor(count / 2)].namespaces![0].routes = [{ dst: "10.0.0.0/8", gw: "10.10.1.1" }];
  fs.writeFileSync(head, YAML.stringify({ project: "bench-pr", cluster: benchCluster, tenants: changed }));

  // The tenant the pull request edits exists, as it would on a running platform (the cluster network
  // it uses is the bench's own, deployed from the same spec).
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const samples: number[] = [];
  const validation: number[] = [];
  try {
    const [applied] = await applyFleet(base, { tenants: [edited.tenant] });
    if (applied.result !== "updated") throw new Error(`deploying ${edited.tenant} failed: ${applied.error}`);
    for (let r = 0; r < ctx.runs; r++) {
      // What validating the whole file costs in this process (the CLI does the same before any stack).
      validation.push((await timed(async () => loadFleet(head))).seconds);
      const t = await timed(() =>
        runFleetCli(dir, env, ["-f", "fleet.yaml", "plan", "--changed-only", "base.yaml", "--json", "-"]),
      );
      if (t.value.code !== 2)
        throw new Error(`plan exited ${t.value.code}, expected 2 (changes): ${t.value.stderr.slice(-2000)}`);
      const report = JSON.parse(t.value.stdout);
      const planned = report.stacks.map((s: { stack: string; status: string }) => `${s.stack}:${s.status}`);
      if (planned.join() !== `${edited.tenant}:changed`)
        throw new Error(`expected one changed stack ${edited.tenant}, the report has ${planned.join(", ")}`);
      samples.push(t.seconds);
      ctx.log(`changed-only plan run ${r + 1}/${ctx.runs}: ${t.seconds.toFixed(1)}s`);
    }
    await destroyStack(base, edited.tenant, {});
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const wall = median(samples);
  const valid = median(validation);
  return {
    title: `pull request on a ${count}-tenant fleet: plan --changed-only`,
    meaning: `Wall time of \`kubeovn-tenants -f fleet.yaml plan --changed-only base.yaml\` in a fresh process, where fleet.yaml is base.yaml (${count} tenants) with one deployed tenant edited: the whole file validated and compared, one stack previewed. Goal: under ${GOAL_SECONDS} s.`,
    status: "measured",
    runs: ctx.runs,
    tenants: count,
    goalSeconds: GOAL_SECONDS,
    median: { wallSeconds: wall, validationSeconds: valid },
    samples: { wall: samples, validation },
    rows: [
      [`plan --changed-only, ${count} tenants, 1 changed`, `${wall.toFixed(1)} s`, `goal < ${GOAL_SECONDS} s`, ""],
      [`  of which validating the whole file (in process)`, `${valid.toFixed(2)} s`, "", ""],
    ],
  };
}
