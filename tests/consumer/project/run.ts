// Runs the program with the Automation API of the project's own @pulumi/pulumi (no Node.js language
// host here). Prints one JSON line: what the operation changed and the stack outputs.
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as path from "node:path";
import { program } from "./index";

async function main(): Promise<void> {
  const op = process.argv[2];
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "consumer-ts", projectName: "consumer-ts", program },
    { workDir: path.resolve(__dirname, "..") },
  );
  const changes: string[] = [];
  const common = {
    onOutput: (s: string) => process.stderr.write(s),
    onEvent: (e: { resourcePreEvent?: { metadata: { op: string; urn: string } } }) => {
      const m = e.resourcePreEvent?.metadata;
      if (m && !["same", "read", "refresh"].includes(m.op)) changes.push(`${m.op} ${m.urn}`);
    },
  };
  let outputs: { [k: string]: unknown } = {};
  if (op === "up") {
    const r = await stack.up(common);
    outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
  } else if (op === "preview") await stack.preview({ ...common, diff: true });
  else if (op === "destroy") await stack.destroy(common);
  else throw new Error(`unknown operation ${op}`);
  process.stdout.write(`${JSON.stringify({ changes, outputs })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
