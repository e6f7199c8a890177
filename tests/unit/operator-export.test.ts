import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { planCluster } from "../../provider/core";
import { buildCli } from "../../provider/fleet/cli";
import { parseFleet } from "../../provider/fleet/fleet-file";
import {
  type KubeObject,
  type OperatorExportOptions,
  operatorStacks,
  programProject,
} from "../../provider/fleet/operator";
import { PUBLISHING } from "../../provider/publishing";
import { repoRoot } from "../support/demo";
import { problemsOf } from "../support/problems";

const exampleText = fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8");
const fleet = () => parseFleet(exampleText, "fleet.yaml");
const OPTS: OperatorExportOptions = {
  workspaceImage: "registry.example/kubeovn-ws:0.1.0",
  envSecret: "kubeovn-tenants-pulumi",
  serviceAccount: "kubeovn-tenants",
};

interface Field {
  type: string;
  values?: string[];
}

/** The fields docs/operator.md lists as documented by the operator: `Kind.path` -> type. */
function documentedFields(): Map<string, Field> {
  const doc = fs.readFileSync(path.join(repoRoot, "docs", "operator.md"), "utf8");
  const fields = new Map<string, Field>();
  for (const m of doc.matchAll(/^\| `((?:Program|Stack)\.[^`]+)` \| ([^|]+) \|/gm)) {
    const type = m[2].trim();
    const e = /^enum: (.+)$/.exec(type);
    fields.set(m[1], e ? { type: "string", values: e[1].split(", ") } : { type });
  }
  return fields;
}

/**
 * Every field of `obj` that the table does not document (or documents with another type), walking
 * objects into their fields, `map[string]object` into `[key]` and `[]object` into `[index]`.
 */
function undocumented(obj: KubeObject, fields: Map<string, Field>): string[] {
  const out: string[] = [];
  const below = (prefix: string) => [...fields.keys()].some((k) => k.startsWith(prefix));
  const walk = (at: string, v: unknown) => {
    const f = fields.get(at);
    const isMap = v !== null && typeof v === "object" && !Array.isArray(v);
    if (!f) {
      if (Array.isArray(v) && below(`${at}[index]`)) for (const x of v) walk(`${at}[index]`, x);
      else if (isMap && below(`${at}[key]`)) for (const x of Object.values(v as object)) walk(`${at}[key]`, x);
      else if (isMap && below(`${at}.`)) for (const [k, x] of Object.entries(v as object)) walk(`${at}.${k}`, x);
      else out.push(`${at} (not documented)`);
    } else if (f.type === "string" || f.type === "boolean") {
      if (typeof v !== f.type) out.push(`${at}: ${JSON.stringify(v)} is not a ${f.type}`);
      else if (f.values && !f.values.includes(v as string)) out.push(`${at}: ${JSON.stringify(v)} not in ${f.values}`);
    } else if (f.type === "map[string]string") {
      if (!isMap || Object.values(v as object).some((x) => typeof x !== "string"))
        out.push(`${at}: not a map of strings`);
    } else if (f.type === "map[string]JSON") {
      if (!isMap) out.push(`${at}: not a map`);
    } else out.push(`${at}: type ${f.type} not handled by the check`);
  };
  walk(obj.kind, obj);
  return out;
}

function captureStdout<T>(f: () => Promise<T>): Promise<{ result: T; out: string }> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  return f()
    .then((result) => ({ result, out }))
    .finally(() => {
      process.stdout.write = write;
    });
}

describe("export --operator: Pulumi Kubernetes Operator objects", function () {
  it("emits only fields docs/operator.md lists from the operator's documentation, with their types", function () {
    const fields = documentedFields();
    assert.ok(fields.size >= 20, `parsed ${fields.size} fields from docs/operator.md`);
    // Every option set, so every field we can emit is checked.
    const all = operatorStacks(fleet(), {
      ...OPTS,
      backend: "s3://state",
      secretsProvider: "awskms://alias/pulumi",
      organization: "acme-corp",
      namespace: "pulumi-fleet",
      env: ["AWS_ACCESS_KEY_ID"],
      destroyOnFinalize: true,
    });
    const objects = all.flatMap((s) => [s.program, s.stack]);
    assert.deepEqual(
      objects.flatMap((o) => undocumented(o, fields)),
      [],
    );
    // The check sees a field the operator does not know, a wrong type and a value outside an enum.
    const stack = structuredClone(all[1].stack) as any;
    stack.spec.workspaceTemplate.spec.imag = "typo";
    stack.spec.destroyOnFinalize = "yes";
    stack.spec.workspaceReclaimPolicy = "Keep";
    stack.spec.envRefs.X = { type: "Secret", secret: { name: "s", key: "X", optional: true } };
    assert.deepEqual(undocumented(stack, fields).sort(), [
      'Stack.spec.destroyOnFinalize: "yes" is not a boolean',
      "Stack.spec.envRefs[key].secret.optional (not documented)",
      'Stack.spec.workspaceReclaimPolicy: "Keep" not in Retain,Delete',
      "Stack.spec.workspaceTemplate.spec.imag (not documented)",
    ]);
  });

  it("a tenant's Program is the fleet tool's TenantNetwork: its spec with the cluster facts, the plugin pinned", function () {
    const f = fleet();
    const [cluster, acme] = operatorStacks(f, OPTS);
    assert.equal(cluster.name, "kubeovn-tenants-cluster");
    assert.deepEqual((cluster.program.program as any).resources.cluster, {
      type: "kubeovn:index:ClusterNetwork",
      properties: f.cluster,
      options: { version: PUBLISHING.version },
    });
    assert.equal(acme.name, "kubeovn-tenants-acme");
    const res = (acme.program.program as any).resources.acme;
    assert.equal(res.type, "kubeovn:index:TenantNetwork");
    assert.deepEqual(res.properties, {
      ...f.tenants[0],
      cluster: JSON.parse(JSON.stringify(planCluster(f.cluster).info)),
    });
    assert.deepEqual((acme.program.program as any).outputs, {
      vpcName: "${acme.vpcName}",
      subnetNames: "${acme.subnetNames}",
      interconnectIp: "${acme.interconnectIp}",
      eipAddresses: "${acme.eipAddresses}",
    });
    // What the operator's workspace runs: the Program's name is the Pulumi project.
    assert.deepEqual(Object.keys(programProject(acme.program)), ["name", "runtime", "resources", "outputs"]);
    assert.equal(programProject(acme.program).name, "kubeovn-tenants-acme");
  });

  it("Stacks: the tenants wait for the cluster stack; credentials are Secret references; idle workspaces go", function () {
    const [cluster, acme] = operatorStacks(fleet(), { ...OPTS, backend: "s3://state" });
    const spec = acme.stack.spec as any;
    assert.equal(spec.stack, "acme");
    assert.deepEqual(spec.programRef, { name: "kubeovn-tenants-acme" });
    assert.deepEqual(spec.prerequisites, [{ name: "kubeovn-tenants-cluster" }]);
    assert.equal((cluster.stack.spec as any).prerequisites, undefined);
    assert.equal((cluster.stack.spec as any).stack, "cluster");
    assert.deepEqual(spec.envRefs, {
      PULUMI_CONFIG_PASSPHRASE: {
        type: "Secret",
        secret: { name: "kubeovn-tenants-pulumi", key: "PULUMI_CONFIG_PASSPHRASE" },
      },
    });
    assert.equal(spec.backend, "s3://state");
    assert.equal(spec.workspaceReclaimPolicy, "Delete");
    assert.deepEqual(spec.workspaceTemplate, { spec: { image: OPTS.workspaceImage } });
    assert.equal(spec.destroyOnFinalize, undefined, "destroying a network on a deleted object is opt-in");
    // Pulumi Cloud (no backend) wants a token; a KMS secrets provider needs no passphrase.
    const cloud = operatorStacks(fleet(), { ...OPTS, organization: "acme-corp" })[1].stack.spec as any;
    assert.deepEqual(Object.keys(cloud.envRefs), ["PULUMI_ACCESS_TOKEN"]);
    assert.equal(cloud.stack, "acme-corp/acme");
    const kms = operatorStacks(fleet(), { ...OPTS, backend: "s3://b", secretsProvider: "awskms://k" });
    assert.equal((kms[1].stack.spec as any).envRefs, undefined);
    const opted = operatorStacks(fleet(), { ...OPTS, destroyOnFinalize: true });
    assert.equal((opted[1].stack.spec as any).destroyOnFinalize, true);
    assert.equal((opted[0].stack.spec as any).destroyOnFinalize, undefined, "never the cluster stack");
  });

  it("values from the fleet file stay literal in Pulumi YAML (${ escaped)", function () {
    const text = exampleText.replace("image: docker.io/kubeovn/vpc-nat-gateway:v1.16.2", "image: reg/${tag}:1");
    const [cluster] = operatorStacks(parseFleet(text, "fleet.yaml"), OPTS);
    assert.equal((cluster.program.program as any).resources.cluster.properties.natGateway.image, "reg/$${tag}:1");
  });

  it("refuses options and names the operator cannot take, naming the field and the value", function () {
    const f = fleet();
    const e = problemsOf(() =>
      operatorStacks(f, {
        ...OPTS,
        workspaceImage: "",
        backend: "my-bucket",
        env: ["PULUMI-TOKEN"],
        serviceAccount: "Kubeovn",
      }),
    );
    assert.deepEqual(
      e.problems.map((p) => `${p.path}=${JSON.stringify(p.value)}`),
      ['--workspace-image=""', '--backend="my-bucket"', '--service-account="Kubeovn"', '--env="PULUMI-TOKEN"'],
    );
    // A tenant named `cluster` would take the cluster stack's Program and Stack.
    const clash = structuredClone(f);
    clash.tenants[2].tenant = "cluster";
    const c = problemsOf(() => operatorStacks(clash, OPTS));
    assert.equal(c.problems.length, 1);
    assert.equal(c.problems[0].path, "tenants[cluster].tenant");
    assert.match(c.problems[0].message, /"kubeovn-tenants-cluster", which project has/);
    // Names too long for the workspace Service, or not DNS-1035 (a project with '_' or capitals).
    const long = { ...f, project: "a".repeat(50) };
    assert.match(problemsOf(() => operatorStacks(long, OPTS)).message, /at most 53 characters/);
    const under = { ...f, project: "My_Fleet" };
    assert.equal(problemsOf(() => operatorStacks(under, OPTS)).problems[0].path, "project");
  });

  it("the CLI writes one file per stack, Program then Stack, and removes only files it wrote for gone tenants", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-operator-unit-"));
    try {
      fs.writeFileSync(path.join(dir, "fleet.yaml"), exampleText);
      const out = path.join(dir, "out");
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, "kustomization.yaml"), "resources: []\n");
      const argv = (file: string) => [
        "node",
        "kubeovn-tenants",
        "-f",
        path.join(dir, file),
        "export",
        "--operator",
        out,
        "--workspace-image",
        "img:1",
      ];
      const { out: said } = await captureStdout(() => buildCli().parseAsync(argv("fleet.yaml")));
      assert.match(said, /4 stacks \(Program and Stack each\) written/);
      assert.match(said, /PULUMI_ACCESS_TOKEN from Secret kubeovn-tenants-pulumi/);
      const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "kubeovn-tenants-globex.yaml"), "utf8"));
      assert.deepEqual(
        docs.map((d) => d.toJS().kind),
        ["Program", "Stack"],
      );
      // globex leaves the fleet: its file goes, the user's kustomization stays.
      const f = YAML.parse(exampleText);
      f.tenants = f.tenants.filter((t: any) => t.tenant !== "globex");
      fs.writeFileSync(path.join(dir, "smaller.yaml"), YAML.stringify(f));
      await captureStdout(() => buildCli().parseAsync(argv("smaller.yaml")));
      assert.deepEqual(fs.readdirSync(out).sort(), [
        "kubeovn-tenants-acme.yaml",
        "kubeovn-tenants-cluster.yaml",
        "kubeovn-tenants-initech.yaml",
        "kustomization.yaml",
      ]);
      // Invalid options write nothing.
      const bad = path.join(dir, "bad");
      await assert.rejects(
        captureStdout(() =>
          buildCli().parseAsync([...argv("fleet.yaml").slice(0, -4), "--operator", bad, "--workspace-image", "a b"]),
        ),
        /--workspace-image: "a b"/,
      );
      assert.equal(fs.existsSync(bad), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
