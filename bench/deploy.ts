/**
 * Figure 1: preview and up of 20 and of 100 tenants through our components ÷ the identical objects
 * declared directly as pulumi-kubernetes resources. Both are inline TypeScript programs in the same
 * engine; the sizes are BENCH_DEPLOY_TENANTS (bench/run.ts).
 */
import { TenantNetwork } from "../provider/components/TenantNetwork";
import { type TenantSpec, planTenant } from "../provider/core";
import type { PlannedObject } from "../provider/core";
import { mergePlans, openRawStack, releaseFinalizers } from "../tests/e2e/support/raw";
import { type InlineStack, openInlineStack, ourObjects } from "../tests/e2e/support/stack";
import type { BenchContext, FigureResult } from "./context";
import { median, ratio, timed } from "./stats";
import { benchTenants } from "./workload";

const quiet = { onOutput: () => undefined };

interface Sample {
  preview: number;
  up: number;
  destroy: number;
  resources: number;
  /** Kube-OVN objects and namespaces in the cluster after up (ours and the baseline must match). */
  inCluster: string[];
  /** The destroy failed (`destroy` is then the time until it failed) and the run released the finalizers left. */
  destroyFailed?: true;
}

/**
 * The plain resources' delete timeout here: long enough for any delete the controller finishes, short
 * enough that upstream's EIP race (an IptablesEIP the controller never finalizes, docs/upstream-behaviour.md)
 * costs a run minutes, not pulumi-kubernetes' default 10 minutes per object.
 */
const RAW_DELETE_TIMEOUT = "120s";

async function measure(ctx: BenchContext, open: () => Promise<InlineStack>, objects: PlannedObject[]): Promise<Sample> {
  const s = await open();
  try {
    const preview = await timed(() => s.stack.preview(quiet));
    const up = await timed(() => s.stack.up(quiet));
    await ctx.controller.settled(120_000);
    const resources = (await s.stack.exportStack()).deployment.resources?.length ?? 0;
    const inCluster = await ourObjects();
    const started = process.hrtime.bigint();
    const sample: Sample = { preview: preview.seconds, up: up.seconds, destroy: 0, resources, inCluster };
    try {
      await s.stack.destroy(quiet);
    } catch (e) {
      // Only the destroy is unmeasured information; the next run needs a clean cluster, so release what
      // the controller left and finish the destroy, and say so in the results.
      ctx.log(`destroy failed (${String(e).split("\n")[0]}); releasing the finalizers left and destroying again`);
      sample.destroyFailed = true;
      await releaseFinalizers(objects);
      await s.stack.destroy(quiet);
    }
    sample.destroy = Number(process.hrtime.bigint() - started) / 1e9;
    return sample;
  } finally {
    s.cleanup();
  }
}

export async function deployFigure(ctx: BenchContext, count = 20): Promise<FigureResult> {
  const tenants: TenantSpec[] = benchTenants("up", count);
  const objects = mergePlans(tenants.map((t) => planTenant(t, ctx.info)));
  const ours = () =>
    openInlineStack("bench-ours", async () => {
      for (const t of tenants) new TenantNetwork(t.tenant, { ...t, cluster: ctx.info });
    });
  const raw = () => openRawStack("bench-raw", objects, { deleteTimeout: RAW_DELETE_TIMEOUT });
  const samples: { ours: Sample[]; raw: Sample[] } = { ours: [], raw: [] };
  // Both programs run inside this process: an unmeasured preview of each first loads their modules
  // (our components and the Kubernetes client; pulumi-kubernetes), which would otherwise be charged
  // to whichever side runs first.
  for (const open of [ours, raw]) {
    const s = await open();
    try {
      await s.stack.preview(quiet);
    } finally {
      s.cleanup();
    }
  }
  for (let r = 0; r < ctx.runs; r++) {
    // Alternate who goes first, so a change in the machine's load does not favour one side.
    const order: ("ours" | "raw")[] = r % 2 === 0 ? ["ours", "raw"] : ["raw", "ours"];
    for (const side of order) {
      const s = await measure(ctx, side === "ours" ? ours : raw, objects);
      samples[side].push(s);
      ctx.log(
        `deploy run ${r + 1}/${ctx.runs} ${side}: preview ${s.preview.toFixed(1)}s, up ${s.up.toFixed(1)}s, destroy ${s.destroy.toFixed(1)}s${s.destroyFailed ? " (failed, finished after releasing finalizers)" : ""} (${s.resources} resources in state)`,
      );
    }
  }
  const differ = [...samples.ours, ...samples.raw].find((s) => s.inCluster.join() !== samples.ours[0].inCluster.join());
  if (differ)
    throw new Error(
      `ours and the baseline did not create the same objects: ${samples.ours[0].inCluster.length} vs ${differ.inCluster.length}`,
    );
  const med = (side: "ours" | "raw", k: "preview" | "up" | "destroy" | "resources") =>
    median(samples[side].map((s) => s[k]));
  const failed = (side: "ours" | "raw") => {
    const n = samples[side].filter((x) => x.destroyFailed).length;
    return n ? ` (${n} of ${samples[side].length} failed; finalizers released)` : "";
  };
  const row = (k: "preview" | "up" | "destroy") => [
    `${count} tenants: ${k}`,
    `${med("ours", k).toFixed(1)} s${k === "destroy" ? failed("ours") : ""}`,
    `${med("raw", k).toFixed(1)} s${k === "destroy" ? failed("raw") : ""}`,
    `${ratio(med("ours", k), med("raw", k))}×`,
  ];
  return {
    title: `${count} tenants through the components ÷ the same objects as plain pulumi-kubernetes resources`,
    meaning:
      "Wall time of preview and up (destroy shown for information) of a fresh stack, after one unmeasured preview of each program has loaded its modules in the bench process; ours includes planning, validation, reading the cluster once for the whole program (address claims, namespace owners, Subnets, IPs, Vips, IptablesEIPs, service range) and one teardown resource per tenant (our provider plugin starts).",
    status: "measured",
    tenants: count,
    kubernetesObjects: objects.length,
    median: {
      ours: {
        preview: med("ours", "preview"),
        up: med("ours", "up"),
        destroy: med("ours", "destroy"),
        stateResources: med("ours", "resources"),
      },
      raw: {
        preview: med("raw", "preview"),
        up: med("raw", "up"),
        destroy: med("raw", "destroy"),
        stateResources: med("raw", "resources"),
      },
    },
    ratio: {
      preview: ratio(med("ours", "preview"), med("raw", "preview")),
      up: ratio(med("ours", "up"), med("raw", "up")),
    },
    objectsInClusterAfterUp: samples.ours[0].inCluster.length,
    samples: Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [
        k,
        v.map(({ inCluster, ...rest }) => ({ ...rest, objectsInCluster: inCluster.length })),
      ]),
    ),
    rows: [row("preview"), row("up"), row("destroy")],
  };
}

/** Figure 1 at each of `sizes` (tenants), one after the other, as one figure. */
export async function deploySizesFigure(ctx: BenchContext, sizes: number[]): Promise<FigureResult> {
  const bySize: { [tenants: string]: FigureResult } = {};
  for (const n of sizes) {
    ctx.log(`deploy: ${n} tenants`);
    bySize[n] = await deployFigure(ctx, n);
  }
  const first = bySize[sizes[0]];
  return {
    title: `${sizes.join(" and ")} tenants through the components ÷ the same objects as plain pulumi-kubernetes resources`,
    meaning: first.meaning,
    status: "measured",
    sizes: Object.fromEntries(
      Object.entries(bySize).map(([n, { rows: _rows, title: _t, meaning: _m, ...rest }]) => [n, rest]),
    ),
    rows: sizes.flatMap((n) => bySize[n].rows),
  };
}
