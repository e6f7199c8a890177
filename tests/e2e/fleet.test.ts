import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { repoRoot } from "../../provider/automation/env";
import { assertGolden } from "../support/golden";
import * as k8s from "@kubernetes/client-node";
import { claimObject } from "../../provider/core/claims";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { type Run, explain, fleetEnv, runFleetCli } from "./support/fleet-cli";
import { getKubeOvn, ourObjects } from "./support/stack";

const GOLDEN = path.join(repoRoot, "tests", "e2e", "golden");

/**
 * The fleet tool as a user runs it: a child process in a directory holding fleet.yaml, on a local
 * file backend, against the test control plane.
 */
describe("kubeovn-tenants: tenant stacks from one fleet file", function () {
  let controller: KubeOvn;
  let dir: string;
  let env: { [k: string]: string };
  const fleetFile = () => path.join(dir, "fleet.yaml");

  const cli = (...args: string[]): Promise<Run> => runFleetCli(dir, env, args);

  before(async function () {
    controller = kubeOvn();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-fleet-"));
    fs.copyFileSync(path.join(repoRoot, "examples", "fleet.yaml"), fleetFile());
    env = fleetEnv(dir);
  });

  after(async function () {
    // Leave the shared control plane as we found it: other tests count our objects.
    if (dir) {
      await Promise.all(["acme", "globex", "initech"].map((t) => cli("destroy", t)));
      await cli("destroy", "cluster");
    }
    const left = await ourObjects();
    await controller?.controller.start(); // back for the next test, had this one stopped it
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(left, [], "the fleet's stacks were destroyed, so none of our objects may be left");
  });

  it("validates the file before touching any stack, naming tenant, field and value", async function () {
    const bad = YAML.parse(fs.readFileSync(fleetFile(), "utf8"));
    bad.tenants[1].subnets[0].cidr = "10.20.1.7/24";
    fs.writeFileSync(path.join(dir, "bad.yaml"), YAML.stringify(bad));
    const r = await cli("-f", "bad.yaml", "plan");
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /tenants\[globex\]\.subnets\[main\]\.cidr: "10\.20\.1\.7\/24"/);
    assert.equal(fs.readdirSync(path.join(dir, ".state")).length, 0, "no stack may be created for an invalid file");
  });

  it("apply creates the cluster network and three tenant stacks", async function () {
    const r = await cli("-f", "fleet.yaml", "apply");
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /4 updated, 0 unchanged, 0 failed or skipped/);
    const objs = await ourObjects();
    for (const o of [
      "Subnet/acme--app",
      "Subnet/globex--main",
      "Subnet/initech--main",
      "IptablesEIP/acme--web",
      "Subnet/ovn-vpc-external-network",
    ])
      assert.ok(objs.includes(o), `${o} missing: ${objs.join(", ")}`);
    assert.equal((await getKubeOvn("iptables-eips", "acme--web")).spec.v4ip, "203.0.113.11");
    // Progress in CI is plain lines, one per state change; new stacks go straight to `up`.
    assert.match(r.stderr, /^\[acme\] waiting\n(.*\n)*\[acme\] updating\n(.*\n)*\[acme\] done: 15 create$/m);
  });

  it("plan after editing two tenants reports exactly those changes; disruptive exits 3", async function () {
    await controller.settled();
    fs.copyFileSync(fleetFile(), path.join(dir, "fleet.base.yaml"));
    const doc = YAML.parse(fs.readFileSync(fleetFile(), "utf8"));
    // globex, harmless: a port forward and a route for its pods.
    const globex = doc.tenants.find((t: any) => t.tenant === "globex");
    globex.dnatRules = [
      { name: "ssh", eip: "out", protocol: "tcp", externalPort: 2222, internalIp: "10.20.1.20", internalPort: 22 },
    ];
    globex.namespaces[0].routes = [{ dst: "10.0.0.0/8", gw: "10.20.1.1" }];
    // acme, disruptive: the app subnet moves to another CIDR.
    const acme = doc.tenants.find((t: any) => t.tenant === "acme");
    acme.subnets.find((s: any) => s.name === "app").cidr = "10.10.3.0/24";
    acme.snatRules.find((r: any) => r.name === "app-out").internalCIDR = "10.10.3.0/24";
    fs.writeFileSync(fleetFile(), YAML.stringify(doc));

    const r = await cli("-f", "fleet.yaml", "plan", "--markdown", "plan.md", "--json", "plan.json");
    assert.equal(r.code, 3, explain(r));
    const md = fs.readFileSync(path.join(dir, "plan.md"), "utf8");
    const json = fs.readFileSync(path.join(dir, "plan.json"), "utf8");
    assertGolden(path.join(GOLDEN, "fleet-plan.md"), normalise(md));
    assertGolden(path.join(GOLDEN, "fleet-plan.json"), normalise(json));
    const report = JSON.parse(json);
    assert.deepEqual(
      report.stacks.map((s: any) => `${s.stack}:${s.status}`),
      ["cluster:unchanged", "acme:changed", "globex:changed", "initech:unchanged"],
    );
    assert.equal(report.stacks[1].disruptive, true);
    assert.equal(report.stacks[2].disruptive, false);
  });

  it("the same plan on two CI runners (--shard 1/2, 2/2) merges into the same report", async function () {
    const shards = await Promise.all(
      ["1/2", "2/2"].map((s, i) => cli("-f", "fleet.yaml", "plan", "--shard", s, "--json", `shard-${i + 1}.json`)),
    );
    const planned = shards.map((r, i) => {
      assert.ok(r.code === 0 || r.code === 2 || r.code === 3, explain(r));
      return JSON.parse(fs.readFileSync(path.join(dir, `shard-${i + 1}.json`), "utf8"));
    });
    const names = planned.map((p) => p.stacks.map((s: any) => s.stack));
    assert.deepEqual(
      [...names[0], ...names[1]].sort(),
      ["acme", "cluster", "globex", "initech"],
      JSON.stringify(names),
    );
    assert.deepEqual(
      planned.map((p) => p.shard),
      [
        { index: 1, count: 2 },
        { index: 2, count: 2 },
      ],
    );

    const merged = await cli("merge-reports", "shard-2.json", "shard-1.json", "--markdown", "merged.md", "--json", "-");
    assert.equal(merged.code, 3, explain(merged));
    assert.equal(
      normalise(fs.readFileSync(path.join(dir, "merged.md"), "utf8")),
      normalise(fs.readFileSync(path.join(dir, "plan.md"), "utf8")),
    );
    assert.deepEqual(JSON.parse(merged.stdout), JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")));

    const partial = await cli("merge-reports", "shard-1.json");
    assert.equal(partial.code, 1, explain(partial));
    assert.match(partial.stderr, /missing shard\(s\) 2\/2/);
  });

  it("--allow-disruptive exits 2, and --changed-only previews only the edited tenants", async function () {
    const r = await cli(
      "-f",
      "fleet.yaml",
      "plan",
      "--changed-only",
      "fleet.base.yaml",
      "--allow-disruptive",
      "--json",
      "-",
    );
    assert.equal(r.code, 2, explain(r));
    const report = JSON.parse(r.stdout);
    assert.deepEqual(
      report.stacks.map((s: any) => s.stack),
      ["acme", "globex"],
    );
    assert.equal(report.exitCode, 2);
  });

  it("a plan leaves the backend as it found it; a tenant dropped from the file is reported with its destroy command", async function () {
    const doc = YAML.parse(fs.readFileSync(fleetFile(), "utf8"));
    const initech = doc.tenants.find((t: any) => t.tenant === "initech");
    doc.tenants = doc.tenants.filter((t: any) => t !== initech);
    // A new tenant shaped like the dropped one, on its own addresses.
    doc.tenants.push({
      ...initech,
      tenant: "hooli",
      namespaces: [{ name: "hooli" }],
      subnets: [{ ...initech.subnets[0], cidr: "10.40.1.0/24", namespaces: ["hooli"] }],
    });
    fs.writeFileSync(path.join(dir, "next.yaml"), YAML.stringify(doc));
    // The file backend's stack files; `stack rm` keeps a .bak of a removed stack, which is not a stack.
    const stackFiles = () =>
      (fs.readdirSync(path.join(dir, ".state", ".pulumi", "stacks"), { recursive: true }) as string[])
        .filter((f) => !/\.bak(\.attrs)?$/.test(f))
        .sort();
    const stacksBefore = stackFiles();

    const r = await cli("-f", "next.yaml", "plan", "--allow-disruptive", "--json", "-");
    assert.equal(r.code, 2, explain(r));
    const report = JSON.parse(r.stdout);
    const row = (name: string) => report.stacks.find((s: any) => s.stack === name);
    assert.equal(row("hooli").status, "changed");
    assert.ok(row("hooli").counts.create > 0, JSON.stringify(row("hooli")));
    assert.equal(row("initech").status, "removed");
    assert.ok(row("initech").resources > 0, JSON.stringify(row("initech")));
    assert.equal(report.totals.stacksRemoved, 1);
    assert.deepEqual(stackFiles(), stacksBefore, "the plan must not leave a stack for the new tenant");

    const md = await cli("-f", "next.yaml", "plan", "--allow-disruptive", "--markdown", "-");
    assert.match(
      md.stdout,
      /Tenant `initech`: its stack holds \d+ resource\(s\)\. Tear it down with `kubeovn-tenants destroy initech`/,
    );
    // Named tenants: only those; a removed one is not reported.
    const named = await cli("-f", "next.yaml", "plan", "hooli", "--json", "-");
    assert.deepEqual(
      JSON.parse(named.stdout).stacks.map((s: any) => s.stack),
      ["hooli"],
      explain(named),
    );
  });

  it("destroy removes one tenant; the cluster stack is refused while tenants remain; status shows the rest", async function () {
    // A claim no Teardown holds, as a first `up` that failed half-way leaves: destroy releases it too.
    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const stray = claimObject({
      range: "public-a",
      address: "203.0.113.200",
      holder: "initech/stray",
      tenant: "initech",
    });
    await leases.createNamespacedLease({ namespace: stray.metadata.namespace, body: stray as k8s.V1Lease });
    const d = await cli("-f", "fleet.yaml", "destroy", "initech");
    assert.equal(d.code, 0, explain(d));
    assert.deepEqual(
      (await ourObjects()).filter((o) => /initech/.test(o)),
      [],
    );
    assert.match(
      d.stdout,
      new RegExp(`initech: released address claims no teardown held: ${stray.metadata.name.replace(/\./g, "\\.")}\\.`),
      explain(d),
    );
    const left = await leases.listNamespacedLease({
      namespace: stray.metadata.namespace,
      labelSelector: "pulumi-kubeovn/tenant=initech",
    });
    assert.deepEqual(
      left.items.map((l) => l.metadata?.name),
      [],
      "no claim of the destroyed tenant may remain",
    );

    const refused = await cli("-f", "fleet.yaml", "destroy", "cluster");
    assert.equal(refused.code, 1, explain(refused));
    assert.match(refused.stderr, /tenant stacks still hold resources on the cluster network: acme, globex/);

    const s = await cli("-f", "fleet.yaml", "status", "--json", "-");
    assert.equal(s.code, 0, explain(s));
    const status = JSON.parse(s.stdout);
    const row = (name: string) => status.find((x: any) => x.stack === name);
    assert.deepEqual(
      status.map((x: any) => x.stack),
      ["cluster", "acme", "globex", "initech"],
    );
    for (const name of ["cluster", "acme", "globex"]) {
      assert.ok(row(name).resources > 0, `${name}: ${JSON.stringify(row(name))}`);
      assert.match(row(name).lastUpdate.result, /update succeeded/);
      assert.deepEqual(row(name).drift, [], `${name} drifted: ${JSON.stringify(row(name).drift)}`);
    }
    assert.equal(row("initech").resources, undefined, "initech has no stack any more");
  });
});

/** Nothing volatile is in the report (no times, no URNs); only line endings are evened out. */
function normalise(text: string): string {
  return text.replace(/\r\n/g, "\n");
}
