import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { repoRoot } from "../../provider/automation/env";
import { type KubeObject, programProject } from "../../provider/fleet/operator";
import { kubeOvn } from "./support/cluster";
import { type Run, explain, fleetEnv, runFleetCli } from "./support/fleet-cli";
import { ourObjects } from "./support/stack";

/** What a stack declared: each Kubernetes object's inputs by `Kind/name`, and the stack outputs. */
interface Declared {
  objects: { [kindName: string]: unknown };
  outputs: unknown;
}

function declared(state: any): Declared {
  const objects: { [k: string]: unknown } = {};
  let outputs: unknown;
  for (const r of state.deployment.resources ?? []) {
    if (r.type === "pulumi:pulumi:Stack") outputs = r.outputs;
    if (!r.type.startsWith("kubernetes:") || r.type.startsWith("pulumi:providers:") || !r.custom) continue;
    const { __inputs, ...inputs } = r.inputs ?? {};
    objects[`${r.inputs.kind}/${r.inputs.metadata?.name}`] = inputs;
  }
  return { objects, outputs };
}

/**
 * The operator export's Programs run the way the operator's workspace runs them (Pulumi.yaml =
 * the Program's spec, its name as project, runtime yaml, through the YAML language host), against
 * the test control plane; they must declare exactly what the fleet tool declares for the same fleet.
 * The operator itself is not run: its workspaces are pods, and the local control plane runs none.
 */
describe("kubeovn-tenants export --operator: the Programs declare what the fleet tool declares", function () {
  let controller: KubeOvn;
  let dir: string;
  let env: { [k: string]: string };
  let objects: { [file: string]: KubeObject[] } = {};
  const viaProgram: { [stack: string]: Declared } = {};
  const viaFleet: { [stack: string]: Declared } = {};

  const cli = (...args: string[]): Promise<Run> => runFleetCli(dir, env, args);
  const pulumiExport = (stack: string): Promise<any> =>
    new Promise((resolve, reject) =>
      execFile(
        "pulumi",
        ["stack", "export", "--stack", stack],
        { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 },
        (e, out, err) => (e ? reject(new Error(`pulumi stack export ${stack}: ${err}`)) : resolve(JSON.parse(out))),
      ),
    );

  before(async function () {
    controller = kubeOvn();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-operator-export-"));
    // Lean: the cluster stack and one tenant.
    const fleet = YAML.parse(fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8"));
    fleet.tenants = fleet.tenants.filter((t: any) => t.tenant === "acme");
    fs.writeFileSync(path.join(dir, "fleet.yaml"), YAML.stringify(fleet));
    env = fleetEnv(dir);
  });

  after(async function () {
    // Leave the shared control plane as we found it: other tests count our objects.
    if (dir) {
      await cli("destroy", "acme");
      await cli("destroy", "cluster");
    }
    const left = await ourObjects();
    await controller?.controller.start(); // back for the next test, had another stopped it
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(left, [], "every stack was destroyed, so none of our objects may be left");
  });

  it("export writes the cluster stack's and the tenant's Program and Stack", async function () {
    const r = await cli("export", "--operator", "operator", "--workspace-image", "registry.example/kubeovn-ws:0.1.0");
    assert.equal(r.code, 0, explain(r));
    const files = fs.readdirSync(path.join(dir, "operator")).sort();
    assert.deepEqual(files, ["kubeovn-tenants-acme.yaml", "kubeovn-tenants-cluster.yaml"]);
    objects = Object.fromEntries(
      files.map((f) => [
        f,
        YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "operator", f), "utf8")).map((d) => d.toJS()),
      ]),
    );
    for (const docs of Object.values(objects))
      assert.deepEqual(
        docs.map((d) => `${d.apiVersion} ${d.kind}`),
        ["pulumi.com/v1 Program", "pulumi.com/v1 Stack"],
      );
  });

  it("each Program, run with the YAML language host, declares the fleet tool's objects and outputs", async function () {
    // The operator's order: the cluster stack, then the tenant (its prerequisite); destroy in reverse.
    const order = ["kubeovn-tenants-cluster.yaml", "kubeovn-tenants-acme.yaml"];
    const stacks = [];
    for (const file of order) {
      const [program, stackObject] = objects[file];
      const workDir = fs.mkdtempSync(path.join(dir, "workspace-"));
      fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), YAML.stringify(programProject(program)));
      const stackName = (stackObject.spec as any).stack as string;
      const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir }, { envVars: env });
      await stack.up();
      viaProgram[stackName] = declared(await stack.exportStack());
      stacks.push(stack);
    }
    const live = await ourObjects();
    for (const stack of stacks.reverse()) await stack.destroy();
    assert.deepEqual(await ourObjects(), []);

    await controller.settled();
    const r = await cli("apply");
    assert.equal(r.code, 0, explain(r));
    viaFleet.cluster = declared(await pulumiExport("organization/kubeovn-tenants-cluster/cluster"));
    viaFleet.acme = declared(await pulumiExport("organization/kubeovn-tenants/acme"));
    assert.deepEqual(await ourObjects(), live, "the same objects live in the cluster after either run");

    for (const s of ["cluster", "acme"]) {
      const kinds = Object.keys(viaFleet[s].objects).sort();
      assert.ok(kinds.length > (s === "acme" ? 10 : 1), `${s}: ${kinds.join(", ")}`);
      assert.deepEqual(Object.keys(viaProgram[s].objects).sort(), kinds, `${s}: the same objects`);
      for (const k of kinds) assert.deepEqual(viaProgram[s].objects[k], viaFleet[s].objects[k], `${s}: ${k}`);
      assert.deepEqual(viaProgram[s].outputs, viaFleet[s].outputs, `${s}: the same stack outputs`);
    }
    assert.ok(Object.keys(viaFleet.acme.objects).includes("IptablesEIP/acme--web"));
  });
});
