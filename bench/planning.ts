/**
 * Figure 3: the planning core alone (planFleet: validation, joint EIP and interconnect allocation
 * from /16 ranges, objects) for 1 000 and 10 000 tenants. Each size runs in its own child process,
 * so its peak memory (max RSS) is its own. Growth t(10k) ÷ t(1k) is 10 when time grows linearly;
 * it is given for the first plan of a fresh process and for the same plan repeated once warmed up
 * (the fastest of a few repeats in that process).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import type { BenchContext, FigureResult } from "./context";
import { median, ratio } from "./stats";

interface Sample {
  tenants: number;
  eips: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMB: number;
  /** The fastest of the same plan repeated in the warmed-up process. */
  warmSeconds: number;
  /** How many repeats that was the fastest of (the child decides). */
  warmRepeats: number;
}

function planInChild(count: number): Sample {
  const out = execFileSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", path.join(__dirname, "plan-child.ts"), String(count)],
    {
      encoding: "utf8",
      cwd: path.resolve(__dirname, ".."),
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out.trim().split("\n").pop() as string);
}

export async function planningFigure(ctx: BenchContext, sizes = [1000, 10000]): Promise<FigureResult> {
  const bySize = new Map<number, Sample[]>();
  for (let r = 0; r < ctx.runs; r++) {
    for (const n of sizes) {
      const s = planInChild(n);
      if (s.tenants !== n || s.eips !== n)
        throw new Error(`planning ${n} tenants produced ${s.tenants} tenants and ${s.eips} EIPs`);
      (bySize.get(n) ?? bySize.set(n, []).get(n))!.push(s);
      ctx.log(
        `planning run ${r + 1}/${ctx.runs} ${n} tenants: ${s.seconds.toFixed(2)}s (cpu ${s.cpuSeconds.toFixed(2)}s), max RSS ${s.maxRssMB.toFixed(0)} MB`,
      );
    }
  }
  const med = (n: number, k: keyof Sample) => median((bySize.get(n) as Sample[]).map((s) => s[k]));
  const [small, large] = sizes;
  const growth = ratio(med(large, "seconds"), med(small, "seconds"));
  const cpuGrowth = ratio(med(large, "cpuSeconds"), med(small, "cpuSeconds"));
  const warmGrowth = ratio(med(large, "warmSeconds"), med(small, "warmSeconds"));
  return {
    title: `planning core: ${sizes.join(" and ")} tenants, one allocated EIP each from a /16 pool`,
    meaning: `planFleet time (wall and CPU) and the peak memory (max RSS) of a fresh process planning that many tenants, and the time of the same plan repeated in that process once warmed up (the fastest of ${bySize.get(small)![0].warmRepeats} repeats); growth t(large) ÷ t(small), 10 = linear.`,
    status: "measured",
    median: Object.fromEntries(
      sizes.map((n) => [
        n,
        {
          seconds: med(n, "seconds"),
          cpuSeconds: med(n, "cpuSeconds"),
          maxRssMB: med(n, "maxRssMB"),
          warmSeconds: med(n, "warmSeconds"),
        },
      ]),
    ),
    growth: { wall: growth, cpu: cpuGrowth, warm: warmGrowth, linear: large / small },
    samples: Object.fromEntries(bySize),
    rows: [
      ...sizes.map((n) => [
        `plan ${n} tenants`,
        `${med(n, "seconds").toFixed(2)} s, cpu ${med(n, "cpuSeconds").toFixed(2)} s, ${med(n, "maxRssMB").toFixed(0)} MB; warm ${med(n, "warmSeconds").toFixed(2)} s`,
        "",
        "",
      ]),
      [
        `growth t(${large}) ÷ t(${small})`,
        `${growth}× (cpu ${cpuGrowth}×; warm ${warmGrowth}×)`,
        "",
        `linear = ${large / small}×`,
      ],
    ],
  };
}
