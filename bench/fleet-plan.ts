/**
 * Figure 4: `kubeovn-tenants plan` of a 50-tenant fleet file (one stack per tenant plus the cluster
 * stack, each previewed) with 4 previews at a time ÷ one at a time. It calls the tool's own
 * `planFleetStacks`, so what is timed is exactly what the CLI runs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { applyEnv, pulumiEnv } from "../localcluster/pulumi-env";
import { planFleetStacks } from "../provider/fleet";
import { getCluster } from "../tests/e2e/support/cluster";
import type { BenchContext, FigureResult } from "./context";
import { cpuSecondsWithChildren, machine } from "./machine";
import { median, ratio, timed } from "./stats";
import { benchCluster, benchTenants } from "./workload";

/** Plans the fleet file into a fresh file backend; returns how many creates the report lists and the CPU seconds spent. */
async function planFresh(file: string, concurrency: number): Promise<{ creates: number; cpu?: number }> {
  // A fresh backend each time, so every side creates its stacks as a first plan does.
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-bench-fleet-"));
  const saved = { ...process.env };
  try {
    applyEnv(
      pulumiEnv({
        backendDir: backend,
        toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
        kubeconfig: getCluster().kubeconfigPath,
      }),
    );
    const cpuBefore = cpuSecondsWithChildren();
    const report = await planFleetStacks(file, { concurrency });
    const cpuAfter = cpuSecondsWithChildren();
    const failed = report.stacks.filter((s) => s.status === "failed");
    if (failed.length)
      throw new Error(`fleet plan failed for ${failed.map((s) => `${s.stack}: ${s.error}`).join("; ")}`);
    const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    return { creates: report.stacks.reduce((n, s) => n + s.counts.create, 0), cpu };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(backend, { recursive: true, force: true });
  }
}

export async function fleetPlanFigure(
  ctx: BenchContext,
  runs: number,
  count = 50,
  concurrency = 4,
): Promise<FigureResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-bench-fleetfile-"));
  const file = path.join(dir, "fleet.yaml");
  fs.writeFileSync(
    file,
    YAML.stringify({ project: "bench-fleet", cluster: benchCluster, tenants: benchTenants("fleet", count) }),
  );
  const samples: { concurrent: number[]; sequential: number[] } = { concurrent: [], sequential: [] };
  const cpu: { concurrent: number[]; sequential: number[] } = { concurrent: [], sequential: [] };
  try {
    for (let r = 0; r < runs; r++) {
      // Alternate which side goes first, so neither always runs on a warmer machine.
      for (const side of r % 2 === 0
        ? (["concurrent", "sequential"] as const)
        : (["sequential", "concurrent"] as const)) {
        const t = await timed(() => planFresh(file, side === "concurrent" ? concurrency : 1));
        samples[side].push(t.seconds);
        if (t.value.cpu !== undefined) cpu[side].push(t.value.cpu);
        ctx.log(
          `fleet plan run ${r + 1}/${runs} ${side}: ${t.seconds.toFixed(1)}s, cpu ${t.value.cpu?.toFixed(1) ?? "?"}s, ${t.value.creates} creates in the report`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const c = median(samples.concurrent);
  const s = median(samples.sequential);
  const cores = machine().cores;
  // With every core busy, no concurrency can beat CPU time ÷ cores: the floor the concurrent plan is compared with.
  const cpuConcurrent = cpu.concurrent.length ? median(cpu.concurrent) : undefined;
  const floor = cpuConcurrent === undefined ? undefined : cpuConcurrent / cores;
  return {
    title: `fleet plan of ${count} tenants: concurrency ${concurrency} ÷ sequential`,
    meaning: `Wall time of the fleet tool's plan (planFleetStacks, what \`kubeovn-tenants plan\` runs) of a fleet file with ${count} tenants: ${count} tenant stacks plus the cluster stack, each created on first use, previewed and removed again, ${concurrency} at a time ÷ one at a time. CPU time counts this process (inline programs) and every Pulumi CLI run with its plugins, not the API server or kube-ovn-controller; CPU time ÷ cores is the least wall time any concurrency could reach.`,
    status: "measured",
    runs,
    tenants: count,
    stacks: count + 1,
    concurrency,
    median: { concurrent: c, sequential: s },
    ratio: ratio(c, s),
    cpuSeconds:
      cpuConcurrent === undefined
        ? "not measured (needs Linux /proc)"
        : { concurrent: cpuConcurrent, sequential: median(cpu.sequential), perStack: cpuConcurrent / (count + 1) },
    cpuBoundFloorSeconds: floor,
    samples,
    cpuSamples: cpu,
    rows: [
      [
        `plan ${count} tenants (${count + 1} stacks)`,
        `${c.toFixed(1)} s (${concurrency} at a time)`,
        `${s.toFixed(1)} s (one at a time)`,
        `${ratio(c, s)}×`,
      ],
      ...(floor === undefined
        ? []
        : [
            [
              `  CPU time, and its ÷ ${cores} cores floor`,
              `${cpuConcurrent!.toFixed(1)} s cpu, floor ${floor.toFixed(1)} s`,
              `${median(cpu.sequential).toFixed(1)} s cpu`,
              `wall ÷ floor ${ratio(c, floor)}×`,
            ],
          ]),
    ],
  };
}
