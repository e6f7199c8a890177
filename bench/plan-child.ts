/**
 * Child process of the planning figure: plans `argv[2]` tenants once and prints one JSON line with
 * the time planFleet took and this process's peak memory. One size per process, so peaks do not mix.
 */
import { planFleet } from "../provider/core";
import { benchCluster, benchTenants } from "./workload";

const count = Number(process.argv[2]);
const tenants = benchTenants("t", count);
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
const plan = planFleet(benchCluster, tenants);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const used = process.cpuUsage(cpu);
const eips = plan.tenants.reduce((n, t) => n + Object.keys(t.addresses.eips).length, 0);
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ tenants: plan.tenants.length, eips, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMB }) + "\n");
