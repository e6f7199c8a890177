import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import type { ResourceChange } from "../../provider/automation/changes";
import { diffFleets, parseFleet } from "../../provider/fleet/fleet-file";
import { describeNetworkChanges } from "../../provider/fleet/network-terms";
import { mapBounded, selectStacks } from "../../provider/fleet/operations";
import {
  EXIT,
  exitCode,
  failedReport,
  fleetReport,
  removedReport,
  renderJson,
  renderMarkdown,
  stackReport,
} from "../../provider/fleet/report";
import { engineDiagnostics, errorLines, lockGuidance } from "../../provider/fleet/stacks";
import { buildTopology, renderMermaid } from "../../provider/fleet/topology";
import { createProgress } from "../../provider/fleet/progress";
import { repoRoot } from "../support/demo";
import { assertGolden } from "../support/golden";
import { problemsOf } from "../support/problems";

const EXAMPLE = path.join(repoRoot, "examples", "fleet.yaml");
const exampleText = fs.readFileSync(EXAMPLE, "utf8");
const example = () => YAML.parse(exampleText);
const GOLDEN = path.join(repoRoot, "tests", "unit", "golden");

describe("fleet file", function () {
  it("the example loads with its project, cluster and three tenants", function () {
    const f = parseFleet(exampleText, "fleet.yaml");
    assert.equal(f.project, "kubeovn-tenants");
    assert.deepEqual(
      f.tenants.map((t) => t.tenant),
      ["acme", "globex", "initech"],
    );
    assert.equal(f.cluster.eipPools[0].name, "public-a");
  });

  it("names tenant, field and value of every problem, across tenants", function () {
    const doc = example();
    doc.tenants[0].subnets[1].cidr = "10.10.2.1/24";
    doc.tenants[1].eips[0].v4ip = "198.18.0.1";
    const e = problemsOf(() => parseFleet(YAML.stringify(doc), "fleet.yaml"));
    assert.match(e.message, /fleet file fleet\.yaml/);
    const paths = e.problems.map((p) => `${p.path} ${JSON.stringify(p.value)}`);
    assert.ok(paths.includes('tenants[acme].subnets[app].cidr "10.10.2.1/24"'), paths.join("\n"));
    assert.ok(
      paths.some((p) => p.startsWith("tenants[globex].eips[out].v4ip") && p.includes("198.18.0.1")),
      paths.join("\n"),
    );
  });

  it("refuses a namespace two tenants claim, and a tenant declared twice", function () {
    const doc = example();
    doc.tenants[2].namespaces.push({ name: "globex" });
    doc.tenants[2].subnets[0].namespaces.push("globex");
    doc.tenants.push({ ...doc.tenants[2] });
    const e = problemsOf(() => parseFleet(YAML.stringify(doc), "f.yaml"));
    assert.ok(
      e.problems.some((p) => p.path === "tenants[3].tenant" && p.value === "initech"),
      e.message,
    );
    assert.ok(
      e.problems.some(
        (p) =>
          p.path.startsWith("tenants[initech].namespaces") &&
          p.value === "globex" &&
          /belongs to tenant globex/.test(p.message),
      ),
      e.message,
    );
  });

  it("refuses unknown keys, a missing cluster, tenants that are not a list, and broken YAML", function () {
    const e = problemsOf(() => parseFleet("tenant: [a]\ntenants: {acme: {}}\n", "f.yaml"));
    assert.deepEqual(e.problems.map((p) => p.path).sort(), ["cluster", "tenant", "tenants"]);
    const y = problemsOf(() => parseFleet("cluster: [\n", "f.yaml"));
    assert.match(y.problems[0].message, /not valid YAML/);
  });

  it("changed-only: finds new and edited tenants, ignores key order, and a cluster edit touches all", function () {
    const base = parseFleet(exampleText, "a");
    const doc = example();
    doc.tenants[0].dnatRules[0].externalPort = 8443;
    doc.tenants[1] = Object.fromEntries(Object.entries(doc.tenants[1]).reverse());
    doc.tenants.splice(2, 1);
    doc.tenants.push({
      tenant: "hooli",
      namespaces: [{ name: "hooli" }],
      subnets: [{ name: "main", cidr: "10.40.1.0/24", namespaces: ["hooli"] }],
    });
    const head = parseFleet(YAML.stringify(doc), "b");
    assert.deepEqual(diffFleets(base, head), {
      clusterChanged: false,
      tenants: ["acme", "hooli"],
      removed: ["initech"],
    });
    doc.cluster.eipPools[0].excludeIps = ["203.0.113.250"];
    const all = diffFleets(base, parseFleet(YAML.stringify(doc), "c"));
    assert.equal(all.clusterChanged, true);
    assert.deepEqual(all.tenants, ["acme", "globex", "hooli"]);
    assert.equal(diffFleets(undefined, base).tenants.length, 3);
  });

  it("selects named tenants only (no cluster stack), and refuses a name not in the file", function () {
    const f = parseFleet(exampleText, "fleet.yaml");
    assert.deepEqual(
      selectStacks(f, "fleet.yaml", {}).map((r) => `${r.project}/${r.name}`),
      ["kubeovn-tenants-cluster/cluster", "kubeovn-tenants/acme", "kubeovn-tenants/globex", "kubeovn-tenants/initech"],
    );
    assert.deepEqual(
      selectStacks(f, "fleet.yaml", { tenants: ["globex"] }).map((r) => r.name),
      ["globex"],
    );
    assert.throws(() => selectStacks(f, "fleet.yaml", { tenants: ["nope"] }), /not a tenant of fleet\.yaml: nope/);
  });
});

// ------------------------------------------------------------------ change model

const T = "kubernetes:kubeovn.io/v1:";
const ns = (name: string, routes?: object[]) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, ...(routes ? { annotations: { "pulumi-kubeovn/pod-defaults": JSON.stringify({ routes }) } } : {}) },
});
const kube = (kind: string, name: string, spec: object) => ({
  apiVersion: "kubeovn.io/v1",
  kind,
  metadata: { name },
  spec,
});
const change = (
  type: string,
  op: string,
  oldInputs: any,
  newInputs: any,
  diffs: { [p: string]: string } = {},
): ResourceChange => ({
  urn: `urn:pulumi:acme::kubeovn-tenants::x$${type}::${(newInputs ?? oldInputs).metadata.name}`,
  type,
  name: (newInputs ?? oldInputs).metadata.name,
  op,
  diffs,
  oldInputs,
  newInputs,
});

const eipWeb = kube("IptablesEIP", "acme--web", {
  natGwDp: "acme--nat",
  externalSubnet: "public-a",
  v4ip: "203.0.113.11",
});
const neighbours = [
  kube("Vpc", "acme--vpc", { namespaces: ["acme-web"] }),
  kube("Subnet", "acme--web", { vpc: "acme--vpc", cidrBlock: "10.10.1.0/24" }),
  kube("Subnet", "acme--app", { vpc: "acme--vpc", cidrBlock: "10.10.3.0/24" }),
  kube("VpcNatGateway", "acme--nat", { subnet: "acme--web", lanIp: "10.10.1.254" }),
  eipWeb,
  kube("IptablesEIP", "acme--old", { natGwDp: "acme--nat", externalSubnet: "public-a", v4ip: "203.0.113.7" }),
];
const changes: ResourceChange[] = [
  change(
    "kubernetes:core/v1:Namespace",
    "update",
    ns("acme-web"),
    ns("acme-web", [{ dst: "10.0.0.0/8", gw: "10.10.1.1" }]),
    { "metadata.annotations": "add" },
  ),
  change(
    `${T}Subnet`,
    "replace",
    kube("Subnet", "acme--app", { vpc: "acme--vpc", cidrBlock: "10.10.2.0/24" }),
    kube("Subnet", "acme--app", { vpc: "acme--vpc", cidrBlock: "10.10.3.0/24" }),
    { "spec.cidrBlock": "update-replace" },
  ),
  change(
    `${T}IptablesEIP`,
    "delete",
    kube("IptablesEIP", "acme--old", { natGwDp: "acme--nat", externalSubnet: "public-a", v4ip: "203.0.113.7" }),
    undefined,
  ),
  change(
    `${T}IptablesDnatRule`,
    "create",
    undefined,
    kube("IptablesDnatRule", "acme--ssh", {
      eip: "acme--web",
      protocol: "tcp",
      externalPort: "22",
      internalIp: "10.10.1.20",
      internalPort: "22",
    }),
  ),
  change(
    `${T}Vpc`,
    "update",
    kube("Vpc", "acme--vpc", { staticRoutes: [] }),
    kube("Vpc", "acme--vpc", {
      staticRoutes: [{ cidr: "10.99.0.0/16", nextHopIP: "10.10.1.200", policy: "policyDst" }],
    }),
    { "spec.staticRoutes": "add" },
  ),
  change(
    "kubeovn:index:Teardown",
    "update",
    { metadata: { name: "t" } },
    { metadata: { name: "t" } },
    { objects: "update" },
  ),
];

describe("change model in network terms", function () {
  const lines = describeNetworkChanges(changes, neighbours);

  it("says each change the way a network engineer would, and flags the disruptive ones", function () {
    assert.deepEqual(
      lines.map((l) => `${l.disruptive ? "!" : " "} ${l.action} ${l.text}`),
      [
        "  update route 10.0.0.0/8 via 10.10.1.1 added to namespace acme-web",
        "! replace subnet acme--app CIDR change 10.10.2.0/24 -> 10.10.3.0/24 -> replaced: disrupts running pods",
        "! delete EIP 203.0.113.7 (acme--old, pool public-a) released",
        "  create DNAT tcp 203.0.113.11:22 -> 10.10.1.20:22 added",
        "  update static route 10.99.0.0/16 via 10.10.1.200 added to VPC acme--vpc",
      ],
    );
  });

  it("an EIP whose address changes is disruptive and names both addresses", function () {
    const [l] = describeNetworkChanges(
      [
        change(
          `${T}IptablesEIP`,
          "replace",
          eipWeb,
          kube("IptablesEIP", "acme--web", { natGwDp: "acme--nat", externalSubnet: "public-a", v4ip: "203.0.113.12" }),
          { "spec.v4ip": "update-replace" },
        ),
      ],
      [],
    );
    assert.equal(l.text, "EIP acme--web address 203.0.113.11 -> 203.0.113.12: 203.0.113.11 released");
    assert.equal(l.disruptive, true);
  });

  it("a changed NAT rule names the fields that change", function () {
    const snat = (cidr: string) => kube("IptablesSnatRule", "acme--app", { eip: "acme--web", internalCIDR: cidr });
    const [l] = describeNetworkChanges(
      [
        change(`${T}IptablesSnatRule`, "update", snat("10.10.2.0/24"), snat("10.10.3.0/24"), {
          "spec.internalCIDR": "update",
        }),
      ],
      neighbours,
    );
    assert.equal(l.text, "SNAT 10.10.3.0/24 -> 203.0.113.11: internalCIDR 10.10.2.0/24 -> 10.10.3.0/24");
    assert.equal(l.eip, "acme--web");
  });

  it("deleting an adopted namespace only detaches it: not disruptive", function () {
    const [l] = describeNetworkChanges(
      [change("kubernetes:core/v1:NamespacePatch", "delete", ns("legacy"), undefined)],
      [],
    );
    assert.equal(l.disruptive, false);
    assert.match(l.text, /leaves the tenant \(kept\)/);
  });

  it("the topology keeps deleted objects and marks every change", function () {
    const topo = buildTopology(neighbours, lines);
    const marks = Object.fromEntries(topo.nodes.map((n) => [n.id, n.change ?? ""]));
    assert.deepEqual(marks, {
      vpc_acme__vpc: "update",
      subnet_acme__app: "replace",
      subnet_acme__web: "",
      vpcnatgateway_acme__nat: "",
      iptableseip_acme__old: "delete",
      iptableseip_acme__web: "update",
    });
    const mermaid = renderMermaid(topo);
    assert.match(mermaid, /^flowchart LR/);
    assert.match(mermaid, /subnet_acme__app\["± subnet acme--app<br\/>10\.10\.3\.0\/24"\]/);
    assert.match(mermaid, /class iptableseip_acme__old delete/);
    assert.match(mermaid, /vpcnatgateway_acme__nat --> iptableseip_acme__old/);
  });
});

describe("plan report", function () {
  const lines = describeNetworkChanges(changes, neighbours);
  const report = fleetReport("kubeovn-tenants", "fleet.yaml", [
    stackReport("globex", "tenant", []),
    stackReport("acme", "tenant", lines, buildTopology(neighbours, lines)),
    failedReport("initech", "tenant", "error: preview failed"),
    stackReport("cluster", "cluster", []),
  ]);

  it("exit codes: 1 on a failed stack, else 3 disruptive (2 when allowed), 2 changes, 0 none", function () {
    assert.equal(exitCode(report), EXIT.errors);
    const ok = fleetReport(
      "p",
      "f",
      report.stacks.filter((s) => s.status !== "failed"),
    );
    assert.equal(exitCode(ok), 3);
    assert.equal(exitCode(ok, true), 2);
    const harmless = fleetReport("p", "f", [
      stackReport(
        "acme",
        "tenant",
        lines.filter((l) => !l.disruptive),
      ),
    ]);
    assert.equal(exitCode(harmless), 2);
    assert.equal(exitCode(fleetReport("p", "f", [stackReport("acme", "tenant", [])])), 0);
  });

  it("orders stacks (cluster first) and changes by kind, whatever order the engine used", function () {
    assert.deepEqual(
      report.stacks.map((s) => s.stack),
      ["cluster", "acme", "globex", "initech"],
    );
    const shuffled = stackReport("acme", "tenant", [...lines].reverse());
    assert.deepEqual(shuffled.changes, report.stacks[1].changes);
    assert.deepEqual(report.totals, {
      create: 1,
      update: 2,
      replace: 1,
      delete: 1,
      stacksChanged: 1,
      stacksFailed: 1,
      stacksRemoved: 0,
      disruptive: 2,
    });
  });

  it("a tenant removed from the file whose stack still runs: reported with its destroy command, exit 2", function () {
    const r = fleetReport("p", "fleet.yaml", [
      stackReport("cluster", "cluster", []),
      removedReport("initech", 9),
      stackReport("acme", "tenant", []),
    ]);
    assert.equal(r.totals.stacksRemoved, 1);
    assert.equal(exitCode(r), EXIT.changes);
    const md = renderMarkdown(r);
    assert.match(md, /no changes to apply, but tenants removed from the file still run — 0 of 2 stack\(s\) change/);
    assert.match(
      md,
      /- Tenant `initech`: its stack holds 9 resource\(s\)\. Tear it down with `kubeovn-tenants destroy initech`\./,
    );
    assert.doesNotMatch(md, /### Tenant `initech`/);
    assert.match(md, /No changes: `cluster`, `acme`\./);
    assert.equal(JSON.parse(renderJson(r)).stacks.find((s: any) => s.stack === "initech").resources, 9);
  });

  it("renders Markdown and JSON as the golden files show", function () {
    assertGolden(path.join(GOLDEN, "fleet-plan.md"), renderMarkdown(report));
    assertGolden(path.join(GOLDEN, "fleet-plan.json"), renderJson(report));
    const json = JSON.parse(renderJson(report));
    assert.equal(json.exitCode, 1);
    assert.equal(json.stacks[1].mermaid, renderMermaid(report.stacks[1].topology!));
  });
});

describe("bounded concurrency", function () {
  it("never runs more than the limit at once, and keeps results in input order", async function () {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    assert.equal(peak, 2);
    assert.deepEqual(out, [50, 10, 40, 20, 30, 0]);
    await assert.rejects(
      mapBounded([1], 0, async () => 1),
      /positive integer/,
    );
  });
});

describe("engine errors", function () {
  it("keep the Diagnostics errors per resource, without warnings or the generic failure line", function () {
    const output = [
      " +  pulumi:pulumi:Stack kubeovn-tenants-acme **creating failed (4s)** 1 error; 1 warning",
      "Diagnostics:",
      "  kubernetes:kubeovn.io/v1:Subnet (acme-subnet-web):",
      '    error: resource "urn:x" was not successfully created by the Kubernetes API server: conflict',
      '    The resource managed by field manager "a" had an apply conflict: .spec.excludeIps',
      "",
      "  pulumi:pulumi:Stack (kubeovn-tenants-acme):",
      "    warning: using pulumi-resource-kubernetes from $PATH",
      "    error: update failed",
      "Resources:",
      "    + 3 created",
    ].join("\n");
    assert.equal(
      engineDiagnostics(output),
      'kubernetes:kubeovn.io/v1:Subnet (acme-subnet-web): error: resource "urn:x" was not successfully created by the Kubernetes API server: conflict\n' +
        'kubernetes:kubeovn.io/v1:Subnet (acme-subnet-web): The resource managed by field manager "a" had an apply conflict: .spec.excludeIps',
    );
    assert.equal(engineDiagnostics("no diagnostics here"), "");
  });

  it("a plan error in the diagnostics keeps every problem under its error line", function () {
    const output = [
      "Diagnostics:",
      "  pulumi:pulumi:Stack (kubeovn-tenants-shop):",
      '    error: Unhandled exception: PlanError: 2 problems in tenant "shop":',
      '      - tenant: "shop" would be declared as Vpc shop, a name the cluster\'s Vpc shop holds',
      '      - dnatRules[https].name: "https" would be declared as IptablesDnatRule shop-https',
      "",
      "Resources:",
    ].join("\n");
    assert.equal(
      engineDiagnostics(`\n${output}`),
      [
        'pulumi:pulumi:Stack (kubeovn-tenants-shop): error: Unhandled exception: PlanError: 2 problems in tenant "shop":',
        '  - tenant: "shop" would be declared as Vpc shop, a name the cluster\'s Vpc shop holds',
        '  - dnatRules[https].name: "https" would be declared as IptablesDnatRule shop-https',
      ].join("\n"),
    );
  });

  it("a program that threw: its distinct error lines", function () {
    const out =
      "stderr: Command failed with exit code 1: pulumi preview\nerror: Unhandled exception: Error: TenantNetwork acme: no kubeconfig\n    at x\nerror: TenantNetwork acme: no kubeconfig\nPreviewing update (acme):\n";
    assert.equal(errorLines(out), "Unhandled exception: Error: TenantNetwork acme: no kubeconfig");
  });

  it("a locked stack comes with the commands that recover it", function () {
    const text = lockGuidance({ name: "acme", role: "tenant", project: "kubeovn-tenants" });
    assert.match(text, /kubeovn-tenants\/acme is locked/);
    assert.match(text, /pulumi cancel --yes --stack organization\/kubeovn-tenants\/acme/);
    assert.match(text, /kubeovn-tenants apply acme/);
  });
});

describe("progress", function () {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    return {
      chunks,
      stream: { isTTY, columns: 100, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream,
    };
  };
  let ci: string | undefined;
  beforeEach(() => {
    ci = process.env.CI;
    delete process.env.CI;
  });
  afterEach(() => {
    if (ci !== undefined) process.env.CI = ci;
  });

  it("plain lines when not on a terminal (CI logs)", function () {
    const s = sink(false);
    const p = createProgress(s.stream, ["acme"]);
    p.set("acme", "previewing");
    p.set("acme", "failed", "boom\nsecond line");
    p.close();
    assert.deepEqual(s.chunks, ["[acme] previewing\n", "[acme] failed: boom\nsecond line\n"]);
  });

  it("on a terminal, one row per stack, redrawn in place", function () {
    const s = sink(true);
    const p = createProgress(s.stream, ["acme", "globex"]);
    p.set("globex", "done", "no changes");
    p.close();
    const out = s.chunks.join("");
    assert.ok(out.includes("\x1b[2A"), "moves up over the previous two rows");
    const last = out.split("\x1b[2A").pop() as string;
    assert.match(last, /acme\s+waiting/);
    assert.match(last, /globex\s+done {2}no changes/);
  });
});
