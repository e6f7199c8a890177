/**
 * Runs the TypeScript example as a Pulumi Automation API inline program, or (without a program
 * file) the Pulumi program in the work directory itself, e.g. the YAML example.
 *
 * This machine's toolchain has no pulumi-language-nodejs host, so `pulumi up` cannot start a
 * TypeScript program itself. The Automation API runs it in this process instead: the example stays
 * an ordinary index.ts whose exports are the stack outputs. Prints one JSON line: the resources the
 * operation changed (anything but same, read or refresh) and the stack outputs.
 *
 * Usage: ts-node run-node.ts <work-dir with Pulumi.yaml> <stack> up|preview|destroy [program.ts]
 */
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { ChangeCollector } from "../../../../provider/automation/changes";

async function open(workDir: string, stackName: string, programFile?: string): Promise<Stack> {
  if (!programFile) return LocalWorkspace.createOrSelectStack({ stackName, workDir });
  const file = require.resolve(programFile);
  const program = async () => {
    delete require.cache[file]; // each operation runs the program afresh
    return require(file);
  };
  return LocalWorkspace.createOrSelectStack(
    { stackName, projectName: "unused-the-work-dir-has-Pulumi.yaml", program },
    { workDir },
  );
}

async function main(): Promise<void> {
  const [workDir, stackName, op, programFile] = process.argv.slice(2);
  const stack = await open(workDir, stackName, programFile);
  const c = new ChangeCollector();
  const common = { onOutput: (s: string) => process.stderr.write(s), onEvent: c.onEvent };
  let outputs: { [k: string]: unknown } = {};
  if (op === "up") {
    const r = await stack.up(common);
    outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
  } else if (op === "preview") {
    await stack.preview({ ...common, diff: true });
  } else if (op === "destroy") {
    await stack.destroy(common);
  } else {
    throw new Error(`unknown operation ${op}`);
  }
  process.stdout.write(`${JSON.stringify({ changes: c.changes.map((x) => `${x.op} ${x.urn}`), outputs })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
