// npm start: the demo. Two tenants on one cluster network (Pulumi.yaml), previewed and deployed
// with the real Pulumi engine against $KUBECONFIG, or against the embedded local control plane.
// It shows what the product is for: the plan in network terms (the report `kubeovn-tenants plan`
// posts on pull requests), the tenants' topology (a Markdown file with a Mermaid diagram), then the
// outputs and how to inspect and tear down. The engine's own output only with --verbose.
//   npm start                  report, topology, up, outputs
//   npm start -- --destroy     destroy the demo stack
//   npm start -- --verbose     the same, with the engine's own output (every property of every object)
//   npm start -- --help        the other options
import { type EngineEvent, LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { Command } from "commander";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChangeCollector } from "../provider/automation/changes";
import { repoRoot } from "../provider/automation/env";
import { engineDiagnostics, errorLines } from "../provider/fleet/stacks";
import { applyEnv, pulumiEnv } from "../localcluster/pulumi-env";
import { ensureLocalCluster } from "../localcluster/background";
import { ensureToolchain } from "../localcluster/toolchain";
import { statePaths } from "../localcluster/state";
import { renderImage } from "./demo/image";
import { demoPlan, ownerOf, terminalReport, topologyMarkdown, writeTopology } from "./demo/report";
import { renderMermaid } from "../provider/fleet/topology";

const say = (line = "") => process.stdout.write(`${line}\n`);
const PROGRAM = "Pulumi.yaml";

interface Options {
  destroy: boolean;
  verbose: boolean;
  stack: string;
  stateDir?: string;
  out?: string;
}

function parseOptions(argv: string[]): Options {
  return new Command("npm start --")
    .description(
      "The pulumi-kubeovn demo: two tenants on one cluster network (Pulumi.yaml), on $KUBECONFIG or the local control plane",
    )
    .option("--destroy", "destroy the demo stack instead of deploying it", false)
    .option("-v, --verbose", "also print the Pulumi engine's own output (the raw preview with every property)", false)
    .option("--stack <name>", "stack name", "demo")
    .option(
      "--state-dir <dir>",
      "the stack's file backend (default: demo-state-local or demo-state-external in $KUBEOVN_STATE_DIR, else in ~/.cache/pulumi-kubeovn)",
    )
    .option("--out <dir>", "where the topology and report Markdown goes (default: the state dir)")
    .showHelpAfterError()
    .parse(argv)
    .opts<Options>();
}

/** "[2/6] title ..." lines, and how long each step took. */
class Steps {
  private n = 0;
  private started = Date.now();
  constructor(private readonly total: number) {}
  start(title: string): void {
    this.n++;
    this.started = Date.now();
    say(`\n[${this.n}/${this.total}] ${title} ...`);
  }
  done(detail: string): void {
    say(`      ${detail} (${elapsed(Date.now() - this.started)})`);
  }
}

function elapsed(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv);
  const steps = new Steps(o.destroy ? 3 : 6);

  steps.start(
    "The toolchain: the pinned Pulumi CLI and pulumi-kubernetes, kube-apiserver, etcd, kube-ovn-controller, kwok " +
      "(built from Go modules on the first run, about 30 minutes; cached after that)",
  );
  const toolchainBin = await ensureToolchain();
  steps.done(`ready in ${toolchainBin}`);

  const external = Boolean(process.env.KUBECONFIG && fs.existsSync(process.env.KUBECONFIG.split(path.delimiter)[0]));
  let kubeconfig: string;
  let where: string;
  if (external) {
    steps.start("The cluster: the one in $KUBECONFIG");
    kubeconfig = process.env.KUBECONFIG as string;
    where = `the cluster in KUBECONFIG=${kubeconfig}`;
    steps.done(`using KUBECONFIG=${kubeconfig}`);
  } else {
    steps.start(
      "The cluster: no KUBECONFIG, so the embedded local control plane (etcd, kube-apiserver, the real " +
        "kube-ovn-controller v1.16.2 with OVN NB/SB, kwok as the node)",
    );
    const local = await ensureLocalCluster();
    kubeconfig = local.kubeconfigPath;
    where = `the local control plane (${local.server})`;
    steps.done(
      local.started
        ? `started in the background at ${local.server} (log: ${statePaths().log})`
        : `already running at ${local.server}`,
    );
  }

  // State lives beside the cluster it describes, outside the repository.
  const backendDir =
    o.stateDir ??
    path.join(
      process.env.KUBEOVN_STATE_DIR ?? path.join(os.homedir(), ".cache", "pulumi-kubeovn"),
      external ? "demo-state-external" : "demo-state-local",
    );
  fs.mkdirSync(backendDir, { recursive: true });
  const envVars = pulumiEnv({ backendDir, toolchainBin, kubeconfig });
  applyEnv(envVars);
  const raw = o.verbose ? (text: string) => process.stdout.write(text) : () => undefined;

  if (o.destroy) {
    steps.start(`Destroying stack ${o.stack} (pulumi destroy)`);
    const stack = await LocalWorkspace.createOrSelectStack({ stackName: o.stack, workDir: repoRoot }, { envVars });
    const removed = new ChangeCollector();
    const progress = objectProgress("deleted");
    await engine(o, () =>
      stack.destroy({
        onOutput: raw,
        onEvent: (e) => {
          removed.onEvent(e);
          progress(e);
        },
      }),
    );
    const plan = demoPlan(PROGRAM, removed.resourceChanges, [...removed.inputs.values()]);
    const lines = plan.report.stacks.flatMap((s) => s.changes.map((c) => `${s.stack}: ${c.text}`));
    steps.done(`${progress.count} Kubernetes object(s) deleted; what that removed, in network terms:`);
    for (const l of lines) say(`  ${l}`);
    say(`\nDone.${external ? "" : ` Stop the local control plane with: ${again(o).env}npm run cluster:down`}`);
    return;
  }

  steps.start(`The demo stack ${o.stack}: reading what is deployed (pulumi refresh)`);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: o.stack, workDir: repoRoot }, { envVars });
  // A local control plane restarted since the last run has lost its objects: forget them.
  await engine(o, () => stack.refresh({ onOutput: raw }));
  const deployed = ((await stack.exportStack()).deployment?.resources ?? []).filter((r: { type: string }) =>
    r.type.startsWith("kubernetes:"),
  ).length;
  steps.done(`${deployed} Kubernetes object(s) deployed, state in ${backendDir}`);

  steps.start(`The plan: previewing ${PROGRAM} and saying what changes in network terms`);
  const changes = new ChangeCollector();
  await engine(o, () => stack.preview({ diff: true, onEvent: changes.onEvent, onOutput: raw }));
  const plan = demoPlan(PROGRAM, changes.resourceChanges, [...changes.inputs.values()]);
  const outDir = o.out ?? backendDir;
  const file = writeTopology(outDir, topologyMarkdown(plan, { stack: o.stack, cluster: where, when: new Date() }));
  const picture = renderImage(renderMermaid(plan.topology), outDir);
  steps.done(`tenants ${plan.tenants.join(", ")}; the report \`kubeovn-tenants plan\` posts on a pull request:`);
  say();
  say(
    terminalReport(plan)
      .split("\n")
      .map((l) => (l ? `  ${l}` : l))
      .join("\n"),
  );
  say();
  say(`  The tenants' topology (Mermaid diagram) and this report: ${file}`);
  say("image" in picture ? `  The topology as an image: ${picture.image}` : `  No image: ${picture.skipped}`);

  steps.start("Deploying (pulumi up): the controller reconciles each object before it counts as created");
  const progress = objectProgress("done");
  const result = await engine(o, () => stack.up({ onOutput: raw, onEvent: progress }));
  const summary = Object.entries(result.summary.resourceChanges ?? {})
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  steps.done(`${result.summary.result}: ${progress.count} Kubernetes object(s) changed; Pulumi resources: ${summary}`);

  steps.start("Outputs, and how to look around");
  for (const [k, v] of Object.entries(result.outputs)) say(`  ${k}: ${JSON.stringify(v.value)}`);
  printHowTo(stack, { kubeconfig, backendDir, file, external, cmd: again(o), toolchainBin, envVars });
}

/**
 * One line per Kubernetes object the engine finished (in place of its property dumps):
 * `  done  Subnet acme--web  (acme)`.
 */
function objectProgress(verb: string): ((e: EngineEvent) => void) & { count: number } {
  const progress = Object.assign(
    (e: EngineEvent) => {
      const m = e.resOutputsEvent?.metadata;
      if (!m?.type.startsWith("kubernetes:") || ["same", "read", "refresh"].includes(m.op)) return;
      const state = m.new ?? m.old;
      const name = (state?.inputs?.metadata as { name?: string } | undefined)?.name ?? m.urn.split("::").pop();
      progress.count++;
      say(`      ${verb.padEnd(8)}${m.type.split(":").pop()} ${name}  (${ownerOf(state?.inputs)})`);
    },
    { count: 0 },
  );
  return progress;
}

/** Runs a Pulumi operation; on failure, says why in a few lines (the raw output only with --verbose). */
async function engine<T>(o: Options, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const why = engineDiagnostics(text) || errorLines(text) || text.slice(0, 4000);
    throw new Error(`${why}${o.verbose ? "" : "\n(the engine's full output: npm start -- --verbose)"}`);
  }
}

/** What a later command needs to find this run's cluster and stack: KUBEOVN_STATE_DIR, --stack, --state-dir. */
function again(o: Options): { env: string; args: string } {
  const dir = process.env.KUBEOVN_STATE_DIR;
  return {
    env: dir ? `KUBEOVN_STATE_DIR=${dir} ` : "",
    args: `${o.stack === "demo" ? "" : ` --stack ${o.stack}`}${o.stateDir ? ` --state-dir ${o.stateDir}` : ""}`,
  };
}

function printHowTo(
  stack: Stack,
  h: {
    kubeconfig: string;
    backendDir: string;
    file: string;
    external: boolean;
    cmd: { env: string; args: string };
    toolchainBin: string;
    envVars: { [k: string]: string };
  },
): void {
  const { kubeconfig, file, external, cmd } = h;
  say(`
  Inspect:
    export KUBECONFIG=${kubeconfig}
    kubectl get vpcs,subnets,vpc-nat-gateways,iptables-eips,iptables-snat-rules,iptables-dnat-rules,iptables-fip-rules
    kubectl get namespaces -l pulumi-kubeovn/tenant --show-labels
    kubectl get vpc acme -o yaml          (status, static routes; the same for subnets, EIPs, rules)${
      external
        ? ""
        : `
    ${cmd.env}npm run cluster:status    (the local control plane: pids, logs, curl without kubectl)`
    }
    The Pulumi state, from this directory:
      PULUMI_BACKEND_URL=${h.envVars.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE=${h.envVars.PULUMI_CONFIG_PASSPHRASE} \\
      ${path.join(h.toolchainBin, "pulumi")} stack --stack ${stack.name} --show-urns
    The topology and the change report: ${file}
    Edit Pulumi.yaml and run npm start again: the report says what the edit changes in network terms.

  Tear down:
    ${cmd.env}npm start -- --destroy${cmd.args}     removes everything the demo created${
      external
        ? ""
        : `
    ${cmd.env}npm run cluster:down     stops the local control plane`
    }`);
}

main().catch((err) => {
  process.stderr.write(`\n${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
});
