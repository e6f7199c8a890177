/**
 * Figure 4: planning a fleet of 50 tenant stacks (one stack per tenant, each previewed) with 4
 * previews at a time ÷ one at a time.
 *
 * `previewFleet` is a thin local equivalent of the fleet tool's plan (open or create each tenant's
 * stack, preview it with its changes collected, bounded concurrency). Switch it to the tool's
 * programmatic plan (`planFleetStacks(file, { concurrency })`) once that is available here.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChangeCollector } from "../provider/automation/changes";
import { TenantNetwork } from "../provider/components/TenantNetwork";
import { mapBounded } from "../provider/fleet/operations";
import { ClusterNetworkInfo, TenantSpec } from "../provider/core";
import { openInlineStack } from "../tests/e2e/support/stack";
import { BenchContext, FigureResult } from "./context";
import { median, ratio, timed } from "./stats";
import { benchTenants } from "./workload";

/** Previews every tenant's stack (created on first use) in one backend; returns how many resources each preview would create. */
async function previewFleet(tenants: TenantSpec[], info: ClusterNetworkInfo, backend: string, concurrency: number): Promise<number> {
    let creates = 0;
    await mapBounded(tenants, concurrency, async (t) => {
        const s = await openInlineStack(t.tenant, async () => void new TenantNetwork(t.tenant, { ...t, cluster: info }), { backend, project: "bench-fleet" });
        const c = new ChangeCollector();
        await s.stack.preview({ diff: true, onEvent: c.onEvent });
        creates += c.resourceChanges.filter((r) => r.op === "create").length;
    });
    return creates;
}

export async function fleetPlanFigure(ctx: BenchContext, runs: number, count = 50, concurrency = 4): Promise<FigureResult> {
    const tenants = benchTenants("fleet", count);
    const samples: { concurrent: number[]; sequential: number[] } = { concurrent: [], sequential: [] };
    for (let r = 0; r < runs; r++) {
        for (const side of r % 2 === 0 ? (["concurrent", "sequential"] as const) : (["sequential", "concurrent"] as const)) {
            // A fresh backend each time, so both sides create their 50 stacks as a first plan does.
            const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-bench-fleet-"));
            try {
                const t = await timed(() => previewFleet(tenants, ctx.info, backend, side === "concurrent" ? concurrency : 1));
                samples[side].push(t.seconds);
                ctx.log(`fleet plan run ${r + 1}/${runs} ${side}: ${t.seconds.toFixed(1)}s, ${t.value} creates previewed`);
            } finally {
                fs.rmSync(backend, { recursive: true, force: true });
            }
        }
    }
    const c = median(samples.concurrent);
    const s = median(samples.sequential);
    return {
        title: `fleet plan of ${count} tenant stacks: concurrency ${concurrency} ÷ sequential`,
        meaning: `Wall time to preview ${count} tenant stacks (one stack per tenant, created on first use) with ${concurrency} previews at a time ÷ one at a time. Measured with a local equivalent of the fleet tool's plan.`,
        status: "measured",
        runs,
        tenants: count,
        concurrency,
        median: { concurrent: c, sequential: s },
        ratio: ratio(c, s),
        samples,
        rows: [[`plan ${count} stacks`, `${c.toFixed(1)} s (${concurrency} at a time)`, `${s.toFixed(1)} s (one at a time)`, `${ratio(c, s)}×`]],
    };
}
