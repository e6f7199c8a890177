/**
 * Child process of the planning figure: plans `argv[2]` tenants and prints one JSON line. One size per
 * process, so peaks do not mix. `argv[3]` is the workload: `shared` (default; benchTenants, every
 * tenant with the same subnet CIDR and LAN address, as tenants of one template have) or `distinct`
 * (distinctTenants, no address text in common). The first plan is what a fresh CLI process pays (its
 * time, CPU and the peak memory up to then). The same plan is then repeated WARM_REPEATS times in
 * that process and the fastest counts as warm: it tells the JavaScript engine's warm-up (code runs
 * unoptimised until the engine has compiled it) apart from the planning's own growth.
 */
import * as fs from "node:fs";
import { planFleet } from "../provider/core";
import { benchCluster, benchTenants, distinctTenants } from "./workload";

const count = Number(process.argv[2]);
const workload = process.argv[3] ?? "shared";
const make = { shared: benchTenants, distinct: distinctTenants }[workload];
if (!Number.isInteger(count) || count < 1 || !make)
  throw new Error(`usage: plan-child.ts <tenants> [shared|distinct] (got ${process.argv.slice(2).join(" ")})`);

/**
 * Seconds the main thread has run on a CPU (Linux: /proc/<pid>/task/<pid>/schedstat), undefined
 * elsewhere. Unlike the process's CPU time it leaves out the engine's helper threads (compiler, GC),
 * and unlike wall time it leaves out waiting for a CPU on a busy machine.
 */
function mainThreadSeconds(): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    return undefined;
  }
}

function timedPlan() {
  const tenants = (make as typeof benchTenants)("t", count);
  const cpu = process.cpuUsage();
  const main = mainThreadSeconds();
  const start = process.hrtime.bigint();
  const plan = planFleet(benchCluster, tenants);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const mainAfter = mainThreadSeconds();
  const used = process.cpuUsage(cpu);
  const eips = plan.tenants.reduce((n, t) => n + Object.keys(t.addresses.eips).length, 0);
  return {
    tenants: plan.tenants.length,
    eips,
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    mainThreadSeconds: main === undefined || mainAfter === undefined ? undefined : mainAfter - main,
  };
}

const WARM_REPEATS = 8;
const cold = timedPlan();
const maxRssMB = process.resourceUsage().maxRSS / 1024;
let warmSeconds = Infinity;
for (let i = 0; i < WARM_REPEATS; i++) {
  const warm = timedPlan();
  if (warm.tenants !== cold.tenants || warm.eips !== cold.eips)
    throw new Error("a repeated plan differs from the first");
  warmSeconds = Math.min(warmSeconds, warm.seconds);
}
process.stdout.write(`${JSON.stringify({ ...cold, maxRssMB, warmSeconds, warmRepeats: WARM_REPEATS })}\n`);
