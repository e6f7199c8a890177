/**
 * Figure 3: the planning core alone (planFleet: validation, joint EIP and interconnect allocation
 * from /16 ranges, objects) for 1 000, 5 000, 10 000 and 20 000 tenants, plus 10 000 tenants that
 * share no address text. Each size runs in its own child process, so its peak memory (max RSS) is its
 * own. Growth t(n) ÷ t(1 000) equals n ÷ 1 000 when time grows linearly; it is given for the first
 * plan of a fresh process and for the same plan repeated once warmed up (the fastest of a few
 * repeats in that process). Goal: 10 000 tenants in under 0.5 s in a fresh process.
 *
 * Runs alone, without the control plane: `npx ts-node --transpile-only bench/planning.ts` prints the
 * figure (BENCH_RUNS repetitions, default 3); with BENCH_OUT=<file> it also writes its JSON there.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BenchContext, FigureResult } from "./context";
import { benchRuns, formatTable, median, ratio } from "./stats";

type Workload = "shared" | "distinct";

interface Sample {
  tenants: number;
  eips: number;
  seconds: number;
  cpuSeconds: number;
  /** The main thread's own CPU time (Linux only): the plan's cost, whatever else the machine runs. */
  mainThreadSeconds?: number;
  maxRssMB: number;
  /** The fastest of the same plan repeated in the warmed-up process. */
  warmSeconds: number;
  /** How many repeats that was the fastest of (the child decides). */
  warmRepeats: number;
}

export const PLANNING_SIZES = [1000, 5000, 10000, 20000];
export const PLANNING_GOAL = { tenants: 10000, seconds: 0.5 };

function planInChild(count: number, workload: Workload): Sample {
  const out = execFileSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "plan-child.ts"), String(count), workload],
    {
      encoding: "utf8",
      cwd: path.resolve(__dirname, ".."),
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out.trim().split("\n").pop() as string);
}

export async function planningFigure(
  ctx: Pick<BenchContext, "runs" | "log">,
  sizes = PLANNING_SIZES,
): Promise<FigureResult> {
  const cases: { id: string; workload: Workload; tenants: number }[] = [
    ...sizes.map((n) => ({ id: String(n), workload: "shared" as const, tenants: n })),
    { id: `${PLANNING_GOAL.tenants}-distinct`, workload: "distinct", tenants: PLANNING_GOAL.tenants },
  ];
  const byCase = new Map<string, Sample[]>();
  for (let r = 0; r < ctx.runs; r++) {
    for (const c of cases) {
      const s = planInChild(c.tenants, c.workload);
      if (s.tenants !== c.tenants || s.eips !== c.tenants)
        throw new Error(`planning ${c.tenants} tenants produced ${s.tenants} tenants and ${s.eips} EIPs`);
      (byCase.get(c.id) ?? byCase.set(c.id, []).get(c.id))!.push(s);
      ctx.log(
        `planning run ${r + 1}/${ctx.runs} ${c.tenants} tenants (${c.workload}): ${s.seconds.toFixed(2)}s (cpu ${s.cpuSeconds.toFixed(2)}s), max RSS ${s.maxRssMB.toFixed(0)} MB, warm ${s.warmSeconds.toFixed(2)}s`,
      );
    }
  }
  const med = (id: string | number, k: Exclude<keyof Sample, "mainThreadSeconds">) =>
    median((byCase.get(String(id)) as Sample[]).map((s) => s[k]));
  const medMain = (id: string | number) => {
    const xs = (byCase.get(String(id)) as Sample[]).map((s) => s.mainThreadSeconds);
    return xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined;
  };
  const small = sizes[0];
  const growth = Object.fromEntries(
    sizes.map((n) => [
      n,
      {
        wall: ratio(med(n, "seconds"), med(small, "seconds")),
        cpu: ratio(med(n, "cpuSeconds"), med(small, "cpuSeconds")),
        warm: ratio(med(n, "warmSeconds"), med(small, "warmSeconds")),
        linear: n / small,
      },
    ]),
  );
  const goalId = String(PLANNING_GOAL.tenants);
  const goal = {
    tenants: PLANNING_GOAL.tenants,
    underSeconds: PLANNING_GOAL.seconds,
    seconds: med(goalId, "seconds"),
    distinctSeconds: med(`${goalId}-distinct`, "seconds"),
    met: med(goalId, "seconds") < PLANNING_GOAL.seconds,
  };
  const perTenant = (id: string | number, k: "seconds" | "warmSeconds") =>
    `${Math.round((med(id, k) / (byCase.get(String(id)) as Sample[])[0].tenants) * 1e6)} µs`;
  const describe = (id: string | number) => {
    const main = medMain(id);
    return `${med(id, "seconds").toFixed(2)} s (${perTenant(id, "seconds")} a tenant), cpu ${med(id, "cpuSeconds").toFixed(2)} s${main === undefined ? "" : ` (main thread ${main.toFixed(2)} s)`}, ${med(id, "maxRssMB").toFixed(0)} MB; warm ${med(id, "warmSeconds").toFixed(3)} s (${perTenant(id, "warmSeconds")})`;
  };
  return {
    title: `planning core: ${sizes.join(", ")} tenants, one allocated EIP each from a /16 pool`,
    meaning: `planFleet time (wall; CPU of the process, and of its main thread alone where Linux tells it, which a busy machine does not inflate) and the peak memory (max RSS) of a fresh process planning that many tenants, and the time of the same plan repeated in that process once warmed up (the fastest of ${byCase.get(String(small))![0].warmRepeats} repeats); growth t(n) ÷ t(${small}), equal to n ÷ ${small} when linear. The tenants share one subnet CIDR and LAN address, as tenants of one template do; "${goalId}-distinct" plans ${goalId} tenants that share no address text (each its own /24). Goal: ${PLANNING_GOAL.tenants} tenants in under ${PLANNING_GOAL.seconds} s in a fresh process.`,
    status: "measured",
    median: Object.fromEntries(
      cases.map((c) => [
        c.id,
        {
          seconds: med(c.id, "seconds"),
          cpuSeconds: med(c.id, "cpuSeconds"),
          mainThreadSeconds: medMain(c.id),
          maxRssMB: med(c.id, "maxRssMB"),
          warmSeconds: med(c.id, "warmSeconds"),
        },
      ]),
    ),
    growth,
    goal,
    samples: Object.fromEntries(byCase),
    rows: [
      ...sizes.map((n) => [
        `plan ${n} tenants`,
        describe(n),
        "",
        n === small
          ? ""
          : `t ÷ t(${small}) ${growth[n].wall}× (cpu ${growth[n].cpu}×, warm ${growth[n].warm}×; linear ${n / small}×)`,
      ]),
      [`plan ${goalId} tenants sharing no address text`, describe(`${goalId}-distinct`), "", ""],
      [
        `goal: ${PLANNING_GOAL.tenants} tenants under ${PLANNING_GOAL.seconds} s`,
        `${goal.seconds.toFixed(2)} s: ${goal.met ? "met" : "not met"}`,
        "",
        "",
      ],
    ],
  };
}

if (require.main === module) {
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  planningFigure({ runs: benchRuns(), log })
    .then((figure) => {
      console.log(
        formatTable(["figure", "ours", "baseline", "ratio"], [[`3. ${figure.title}`, "", "", ""], ...figure.rows]),
      );
      if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, `${JSON.stringify(figure, null, 2)}\n`);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
