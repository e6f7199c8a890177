/**
 * Figure 2: destroy of one tenant while kube-ovn-controller is dead. Plain pulumi-kubernetes waits for
 * finalizers nobody removes until its delete timeout (cut to RAW_DELETE_TIMEOUT so this ends) and
 * fails; ours removes them after its grace period. Ratio raw ÷ ours, and what each leaves behind.
 */
import { TenantNetwork } from "../provider/components/TenantNetwork";
import { planTenant } from "../provider/core";
import { openRawStack, releaseFinalizers } from "../tests/e2e/support/raw";
import { type InlineStack, openInlineStack, ourObjects } from "../tests/e2e/support/stack";
import type { BenchContext, FigureResult } from "./context";
import { median, ratio, timed } from "./stats";
import { benchTenant } from "./workload";

const quiet = { onOutput: () => undefined };
/** pulumi-kubernetes' own default is 10 minutes per object. */
export const RAW_DELETE_TIMEOUT = process.env.BENCH_RAW_DELETE_TIMEOUT || "60s";
/** Our default grace period before finalizers are removed. */
const GRACE_SECONDS = 10;

interface Sample {
  seconds: number;
  succeeded: boolean;
  left: string[];
}

export async function deadDestroyFigure(ctx: BenchContext): Promise<FigureResult> {
  const tenant = benchTenant("dead");
  const objects = planTenant(tenant, ctx.info).objects;
  const leftBehind = () => ourObjects(`pulumi-kubeovn/tenant=${tenant.tenant}`);

  async function measure(open: () => Promise<InlineStack>): Promise<Sample> {
    const s = await open();
    try {
      await s.stack.up(quiet);
      await ctx.controller.settled(120_000);
      await ctx.controller.controller.stop();
      const d = await timed(() =>
        s.stack.destroy(quiet).then(
          () => true,
          () => false,
        ),
      );
      const left = await leftBehind();
      // Put the cluster back: free what is stuck, revive the controller, finish the destroy.
      await releaseFinalizers(objects);
      await ctx.controller.controller.start();
      await s.stack.destroy(quiet);
      return { seconds: d.seconds, succeeded: d.value, left };
    } finally {
      await ctx.controller.controller.start();
      s.cleanup();
    }
  }

  const samples: { ours: Sample[]; raw: Sample[] } = { ours: [], raw: [] };
  const ours = () =>
    openInlineStack(
      "bench-dead-ours",
      async () =>
        void new TenantNetwork(tenant.tenant, {
          ...tenant,
          cluster: ctx.info,
          teardown: { graceSeconds: GRACE_SECONDS },
        }),
    );
  const raw = () => openRawStack("bench-dead-raw", objects, { deleteTimeout: RAW_DELETE_TIMEOUT });
  for (let r = 0; r < ctx.runs; r++) {
    for (const side of r % 2 === 0 ? (["ours", "raw"] as const) : (["raw", "ours"] as const)) {
      const s = await measure(side === "ours" ? ours : raw);
      samples[side].push(s);
      ctx.log(
        `dead-controller destroy run ${r + 1}/${ctx.runs} ${side}: ${s.seconds.toFixed(1)}s, ${s.succeeded ? "succeeded" : "failed"}, ${s.left.length} objects left`,
      );
    }
  }
  const med = (side: "ours" | "raw") => median(samples[side].map((s) => s.seconds));
  const leftMax = (side: "ours" | "raw") => Math.max(...samples[side].map((s) => s.left.length));
  const outcome = (side: "ours" | "raw") =>
    `${samples[side].filter((s) => s.succeeded).length}/${samples[side].length} succeeded`;
  return {
    title: "destroy of one tenant, controller dead: plain pulumi-kubernetes ÷ ours",
    meaning:
      `Wall time of destroy of one tenant (${objects.length} objects) after kube-ovn-controller died. Plain pulumi-kubernetes with customTimeouts.delete ${RAW_DELETE_TIMEOUT} ` +
      `(its default is 10 minutes per object) ÷ ours with teardown.graceSeconds ${GRACE_SECONDS}; plus the tenant's objects still in the cluster afterwards.`,
    status: "measured",
    rawDeleteTimeout: RAW_DELETE_TIMEOUT,
    oursGraceSeconds: GRACE_SECONDS,
    kubernetesObjects: objects.length,
    median: { raw: med("raw"), ours: med("ours") },
    ratio: ratio(med("raw"), med("ours")),
    leftBehind: { raw: samples.raw[samples.raw.length - 1].left, ours: samples.ours[samples.ours.length - 1].left },
    outcome: { raw: outcome("raw"), ours: outcome("ours") },
    samples,
    rows: [
      [
        "destroy, controller dead",
        `${med("ours").toFixed(1)} s (${outcome("ours")})`,
        `${med("raw").toFixed(1)} s (${outcome("raw")})`,
        `raw ÷ ours ${ratio(med("raw"), med("ours"))}×`,
      ],
      ["objects left behind (worst run)", `${leftMax("ours")}`, `${leftMax("raw")}`, ""],
    ],
  };
}
