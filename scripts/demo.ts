// npm start: the demo. Two tenants on one cluster network (Pulumi.yaml), previewed and deployed
// with the real Pulumi engine against $KUBECONFIG, or against the embedded local control plane.
//   npm start                 preview, then up
//   npm start -- --destroy    destroy the demo stack
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ChangeCollector, describeChanges } from "../provider/automation/changes";
import { repoRoot } from "../provider/automation/env";
import { applyEnv, pulumiEnv } from "../localcluster/pulumi-env";
import { ensureLocalCluster } from "../localcluster/background";
import { ensureToolchain } from "../localcluster/toolchain";

const say = (line = "") => process.stdout.write(`${line}\n`);
const STACK = "demo";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { destroy: { type: "boolean", default: false } } });
  const toolchainBin = await ensureToolchain();

  const external = process.env.KUBECONFIG && fs.existsSync(process.env.KUBECONFIG.split(path.delimiter)[0]);
  let kubeconfig: string;
  if (external) {
    kubeconfig = process.env.KUBECONFIG as string;
    say(`Using the cluster in KUBECONFIG=${kubeconfig}`);
  } else {
    say(
      "No KUBECONFIG: using the embedded local control plane (etcd, kube-apiserver, the real kube-ovn-controller v1.16.2 with OVN NB/SB, kwok as the node).",
    );
    kubeconfig = (await ensureLocalCluster()).kubeconfigPath;
  }

  // State lives beside the cluster it describes, outside the repository.
  const backendDir = path.join(
    os.homedir(),
    ".cache",
    "pulumi-kubeovn",
    external ? "demo-state-external" : "demo-state-local",
  );
  fs.mkdirSync(backendDir, { recursive: true });
  const envVars = pulumiEnv({ backendDir, toolchainBin, kubeconfig });
  applyEnv(envVars);
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: STACK, workDir: repoRoot }, { envVars });

  if (values.destroy) {
    say("\nDestroying the demo stack...");
    await stack.destroy({ onOutput: (o) => process.stdout.write(o) });
    say("\nDone. Stop the local control plane with: npm run cluster:down");
    return;
  }

  // A local control plane restarted since the last run has lost its objects: forget them.
  await stack.refresh({ onOutput: () => undefined });

  say("\n=== Preview ===");
  const changes = new ChangeCollector();
  await stack.preview({ diff: true, onEvent: changes.onEvent, onOutput: (o) => process.stdout.write(o) });
  const lines = describeChanges(changes.resourceChanges);
  say(`\n=== ${lines.length} object(s) will change ===`);
  for (const l of lines) say(`  ${l}`);

  say("\n=== Up ===");
  const result = await stack.up({ onOutput: (o) => process.stdout.write(o) });
  say(`\n=== Outputs ===`);
  for (const [k, v] of Object.entries(result.outputs)) say(`  ${k}: ${JSON.stringify(v.value)}`);
  printHowTo(stack, kubeconfig, backendDir);
}

function printHowTo(stack: Stack, kubeconfig: string, backendDir: string): void {
  say(`
=== Inspect ===
  export KUBECONFIG=${kubeconfig}
  kubectl get vpcs,subnets,vpc-nat-gateways,iptables-eips,iptables-snat-rules,iptables-dnat-rules,iptables-fip-rules
  (no kubectl? the API answers curl: see \`npm run cluster:status\`)
  Pulumi state: PULUMI_BACKEND_URL=file://${backendDir} pulumi stack --stack ${stack.name} --show-urns

=== Tear down ===
  npm start -- --destroy     removes everything the demo created
  npm run cluster:down       stops the local control plane`);
}

main().catch((err) => {
  process.stderr.write(`\n${err instanceof Error ? err.message : err}\n`);
  process.exit(1);
});
