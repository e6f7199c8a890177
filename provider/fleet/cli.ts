/**
 * kubeovn-tenants: one Pulumi stack per tenant, driven by one fleet file.
 *   kubeovn-tenants plan    [tenants...] [-f fleet.yaml] [--changed-only <git-ref|file>] [--shard i/n] [--markdown f] [--json f]
 *                           [--policy-pack <dir> [--policy-pack-config <file>]]
 *   kubeovn-tenants merge-reports <shard.json...> [--markdown f] [--json f]
 *   kubeovn-tenants export  --operator <dir> --workspace-image <image> [-f fleet.yaml] [--backend url] ...
 *   kubeovn-tenants apply   [tenants...] [-f fleet.yaml]
 *   kubeovn-tenants destroy <tenant|cluster> [-f fleet.yaml]
 *   kubeovn-tenants status  [-f fleet.yaml] [--no-drift]
 *   kubeovn-tenants import  [vpcs...] --out fleet.yaml [--kubeconfig file] [--report file]
 * Exit codes of plan and merge-reports: 0 no changes, 2 changes, 3 disruptive changes (2 with
 * --allow-disruptive), 1 errors (a stack blocked by a mandatory policy included).
 */
import * as fs from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { Command, InvalidArgumentError } from "commander";
import { PlanError } from "../core";
import {
  type ApplyResult,
  DEFAULT_CONCURRENCY,
  type StackStatus,
  applyFleet,
  destroyStack,
  fleetStatus,
  planFleetStacks,
} from "./operations";
import { renderCertificateReport, webhookCertificateReport } from "../webhook/expiry";
import { type Progress, createProgress } from "./progress";
import { EXIT, type FleetReport, exitCode, renderJson, renderMarkdown } from "./report";
import { MergeError, mergeReports, parseShard, reportFromJson } from "./shard";
import { loadFleet, parseFleet } from "./fleet-file";
import { adoptCluster, renderAdoption } from "./adopt";
import { readLiveCluster } from "../kube/cluster-objects";
import * as YAML from "yaml";
import { DEFAULT_ENV_SECRET, DEFAULT_SERVICE_ACCOUNT, defaultEnv, writeOperatorExport } from "./operator";

const say = (line = "") => process.stdout.write(`${line}\n`);
const warn = (line = "") => process.stderr.write(`${line}\n`);

const repeated = (v: string, previous: string[]) => [...previous, v];

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/**
 * First Ctrl-C (or SIGTERM): every running Pulumi operation gets SIGINT and stops cleanly (locks released).
 * Second: exit at once, saying how to clear locks a killed operation may leave.
 */
function interruptible(): AbortSignal {
  const ctl = new AbortController();
  let count = 0;
  const onSignal = (forward: boolean) => {
    count++;
    if (count === 1) {
      warn("\nInterrupted: cancelling the running Pulumi operations (Ctrl-C again to quit at once)...");
      // Ctrl-C on a terminal reaches the whole process group, Pulumi CLIs included; a second
      // SIGINT from us would make them quit at once instead of stopping cleanly.
      if (forward) ctl.abort();
      return;
    }
    warn("\nQuitting. A stack whose operation was cut off may stay locked; for each, run:");
    warn("  pulumi cancel --yes --stack organization/<project>/<stack>   then   kubeovn-tenants apply <stack>");
    process.exit(130);
  };
  process.on("SIGINT", () => onSignal(!process.stdin.isTTY));
  process.on("SIGTERM", () => onSignal(true));
  return ctl.signal;
}

function readReport(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new MergeError(`${file}: ${(e as Error).message}`);
  }
}

function writeOut(file: string | undefined, text: string): void {
  if (file === "-") process.stdout.write(text);
  else if (file) fs.writeFileSync(file, text);
}

export function buildCli(): Command {
  const program = new Command("kubeovn-tenants")
    .description("Tenant networks on Kube-OVN, one Pulumi stack per tenant, from one fleet file")
    .option("-f, --file <fleet.yaml>", "fleet file", "fleet.yaml")
    .option("-c, --concurrency <n>", "stacks worked on at the same time", positiveInt, DEFAULT_CONCURRENCY)
    .showHelpAfterError();

  // plan and apply select stacks the same way, and run them with the same settings.
  const selecting = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .argument("[tenants...]", "only these tenants (default: the cluster network and every tenant)")
      .option("--changed-only <ref>", "only tenants whose spec differs from this git revision or previous fleet file")
      .option(
        "--policy-pack <dir>",
        "run this CrossGuard policy pack with every preview and update (repeatable; the package ships one in policy-pack/)",
        repeated,
        [],
      )
      .option(
        "--policy-pack-config <file>",
        "config of the policy pack given in the same position (repeatable)",
        repeated,
        [],
      );
  const run = (
    tenants: string[],
    o: { changedOnly?: string; shard?: string; policyPack?: string[]; policyPackConfig?: string[] },
    progress: Progress,
  ) => {
    const g = program.opts();
    return {
      tenants,
      changedOnly: o.changedOnly,
      policyPacks: o.policyPack,
      policyPackConfigs: o.policyPackConfig,
      shard: o.shard === undefined ? undefined : parseShard(o.shard),
      concurrency: g.concurrency as number,
      progress,
      signal: interruptible(),
    };
  };

  const reporting = (c: Command) =>
    c
      .option("--markdown <file>", "write the Markdown report here ('-' for stdout)")
      .option("--json <file>", "write the JSON report here ('-' for stdout)")
      .option("--allow-disruptive", "exit 2 rather than 3 when changes are disruptive");
  const report = (r: FleetReport, o: { markdown?: string; json?: string; allowDisruptive?: boolean }) => {
    writeOut(o.markdown ?? (o.json ? undefined : "-"), renderMarkdown(r));
    writeOut(o.json, renderJson(r, o.allowDisruptive));
    process.exitCode = exitCode(r, o.allowDisruptive);
  };

  reporting(
    selecting("plan", "preview tenant stacks and report the changes in network terms").option(
      "--shard <i/n>",
      "only the stacks of shard i of n (stable by stack name), for CI runners in parallel; join with merge-reports",
    ),
  ).action(async (tenants: string[], o) => {
    const progress = createProgress();
    const r = await planFleetStacks(program.opts().file, run(tenants, o, progress));
    progress.close();
    report(r, o);
  });

  reporting(
    program
      .command("merge-reports")
      .description("join the JSON reports of every shard (`plan --shard i/n --json`) into one report")
      .argument("<reports...>", "JSON report files, one per shard"),
  ).action((files: string[], o) => {
    const reports = files.map((f) => ({ source: f, report: reportFromJson(f, readReport(f)) }));
    report(mergeReports(reports), o);
  });

  program
    .command("export")
    .description("write the fleet as Pulumi Kubernetes Operator (v2) objects: a Program and a Stack per stack")
    .requiredOption("--operator <dir>", "directory for the files, one per stack (Program, then Stack)")
    .requiredOption("--workspace-image <image>", "workspace image with the Pulumi CLI, Node.js and the kubeovn plugin")
    .option("--backend <url>", "Pulumi backend of the stacks (default: Pulumi Cloud)")
    .option("--secrets-provider <url>", "secrets provider of the stacks (default: the backend's)")
    .option("--organization <org>", "prefix the stack names with <org>/ (Pulumi Cloud)")
    .option("--namespace <ns>", "namespace of the objects (default: the applying tool's)")
    .option("--env-secret <name>", "Secret with the workspace's credentials, one key per variable", DEFAULT_ENV_SECRET)
    .option("--env <var...>", "variables taken from that Secret (default: what the backend needs)")
    .option("--service-account <name>", "service account of the workspace pods", DEFAULT_SERVICE_ACCOUNT)
    .option("--destroy-on-finalize", "destroy a tenant's network when its Stack object is deleted")
    .action((o) => {
      const file = program.opts().file as string;
      const files = writeOperatorExport(o.operator, loadFleet(file), o, file);
      say(`${files.length} stacks (Program and Stack each) written to ${o.operator}:`);
      for (const f of files) say(`  ${f}`);
      say(`Workspaces read ${(o.env ?? defaultEnv(o)).join(", ") || "no variables"} from Secret ${o.envSecret}.`);
    });

  selecting("apply", "run `up` on the stacks whose preview shows changes").action(async (tenants: string[], o) => {
    const progress = createProgress();
    const results = await applyFleet(program.opts().file, run(tenants, o, progress));
    progress.close();
    printApply(results);
    process.exitCode = results.some((r) => r.result === "failed" || r.result === "skipped") ? EXIT.errors : 0;
  });

  program
    .command("destroy")
    .description("destroy one tenant's stack (or `cluster` once no tenant remains)")
    .argument("<stack>", "tenant name, or cluster")
    .option("--keep-stack", "keep the empty stack (default: remove it)")
    .action(async (name: string, o) => {
      const progress = createProgress();
      const { releasedClaims } = await destroyStack(program.opts().file, name, {
        keepStack: o.keepStack,
        progress,
        signal: interruptible(),
      });
      progress.close();
      say(`${name}: destroyed${o.keepStack ? "" : " and its stack removed"}.`);
      if (releasedClaims.length)
        say(`${name}: released address claims no teardown held: ${releasedClaims.join(", ")}.`);
    });

  program
    .command("status")
    .description("stacks, their last update, drift between the stacks and the cluster, and the webhook's certificates")
    .option("--no-drift", "skip the refresh preview that detects drift")
    .option("--no-certificates", "skip reading the pod-defaults webhook's certificates from the cluster")
    .option("--json <file>", "write the status as JSON here ('-' for stdout)")
    .action(async (o) => {
      const g = program.opts();
      const status = await fleetStatus(g.file, {
        drift: o.drift,
        concurrency: g.concurrency,
        progress: createProgress(),
        signal: interruptible(),
      });
      if (o.json) writeOut(o.json, `${JSON.stringify(status, null, 2)}\n`);
      if (o.json !== "-") printStatus(status);
      if (o.certificates) await printWebhookCertificates(o.json === "-");
      process.exitCode = status.some((s) => s.error) ? EXIT.errors : 0;
    });
  program
    .command("import")
    .description(
      "write the fleet file of a running cluster's Kube-OVN networks (each object keeps its name and addresses; `apply` then imports them) and report what the model cannot express",
    )
    .argument("[vpcs...]", "only the tenants of these VPCs (default: every custom VPC)")
    .requiredOption("--out <fleet.yaml>", "where to write the fleet file")
    .option("--kubeconfig <file>", "the cluster's kubeconfig (default: $KUBECONFIG, else ~/.kube/config)")
    .option("--report <file>", "write the report (Markdown) here as well")
    .option("--project <name>", "Pulumi project of the tenant stacks")
    .option("--force", "overwrite --out when it exists")
    .action(async (vpcs: string[], o) => {
      if (fs.existsSync(o.out) && !o.force) throw new Error(`${o.out} exists; pass --force to overwrite it`);
      const kc = new k8s.KubeConfig();
      if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
      else kc.loadFromDefault();
      const source = kc.getCurrentCluster()?.server ?? "the cluster";
      const adoption = adoptCluster(await readLiveCluster(kc.exportConfig()), {
        ...(vpcs.length ? { only: vpcs } : {}),
        ...(o.project ? { project: o.project } : {}),
      });
      const report = renderAdoption(adoption, source);
      writeOut(o.report, report);
      if (!adoption.fleet) {
        warn(report);
        process.exitCode = EXIT.errors;
        return;
      }
      const text = `# Written by kubeovn-tenants import from ${source}: existing objects are adopted (kept, imported by \`apply\`).\n${YAML.stringify(adoption.fleet)}`;
      // What we write must be a valid fleet file: checked as `plan` and `apply` will check it.
      parseFleet(text, o.out);
      fs.writeFileSync(o.out, text);
      say(report);
      say(
        `Wrote ${o.out}: ${adoption.fleet.tenants.length} tenant(s). \`kubeovn-tenants -f ${o.out} plan\` shows the imports; \`apply\` performs them.`,
      );
    });
  return program;
}

function printApply(results: ApplyResult[]): void {
  say("\nSummary:");
  for (const r of results) {
    const detail = r.changes
      ? Object.entries(r.changes)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ")
      : r.error
        ? r.error
        : "";
    say(`  ${r.stack.padEnd(20)} ${r.result}${detail ? `: ${detail}` : ""}`);
  }
  const failed = results.filter((r) => r.result === "failed" || r.result === "skipped").length;
  say(
    `${results.filter((r) => r.result === "updated").length} updated, ${results.filter((r) => r.result === "unchanged").length} unchanged, ${failed} failed or skipped.`,
  );
}

function printStatus(status: StackStatus[]): void {
  say(`${"STACK".padEnd(20)} ${"ROLE".padEnd(8)} ${"RESOURCES".padEnd(10)} ${"LAST UPDATE".padEnd(40)} DRIFT`);
  for (const s of status) {
    const last = s.lastUpdate ? `${s.lastUpdate.time} ${s.lastUpdate.result}` : "never";
    const drift = s.error
      ? `error: ${s.error.split("\n")[0]}`
      : s.drift === undefined
        ? "-"
        : s.drift.length === 0
          ? "none"
          : s.drift.map((d) => `${d.op} ${d.name}`).join(", ");
    const note = !s.inFile
      ? "  (not in the fleet file: `destroy` it)"
      : s.resources === undefined
        ? "  (no stack yet: `apply` creates it)"
        : "";
    say(
      `${s.stack.padEnd(20)} ${s.role.padEnd(8)} ${String(s.resources ?? "-").padEnd(10)} ${last.padEnd(40)} ${drift}${note}`,
    );
  }
}

/**
 * The pod-defaults webhook's certificates on the cluster of the current kubeconfig, as kubectl would
 * pick it; a warning (on stderr) when one has fewer than 30 days left (see webhook/expiry.ts).
 */
async function printWebhookCertificates(quiet: boolean): Promise<void> {
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromDefault();
    for (const line of renderCertificateReport(await webhookCertificateReport(kc)))
      if (line.startsWith("WARNING")) warn(line);
      else if (!quiet) say(line);
  } catch (e) {
    warn(`Webhook certificates: not checked (${e instanceof Error ? e.message.split("\n")[0] : String(e)}).`);
  }
}

/** Runs the CLI; bad input (the fleet file) is reported with every problem and exit code 1. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    warn(e instanceof PlanError ? e.message : `error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = EXIT.errors;
  }
}

if (require.main === module) void main();
