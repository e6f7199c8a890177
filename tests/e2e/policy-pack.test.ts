import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";
import { POLICY } from "../../provider/policy/rules";
import { type Run, explain, fleetEnv, runFleetCli } from "./support/fleet-cli";
import { openDemoStack, ourObjects } from "./support/stack";

const PACK = path.join(repoRoot, "policy-pack");

/** The guardrails of the test: acme may use pool public-a (two EIPs), tcp 80/443/8000-8999, 10.10.0.0/16. */
const guardrails = (o: { approved?: string[]; level?: "advisory" | "mandatory" } = {}) => ({
  [POLICY.eips]: { enforcementLevel: o.level ?? "mandatory", tenants: { acme: { pools: ["public-a"], maxEips: 2 } } },
  [POLICY.dnat]: {
    enforcementLevel: o.level ?? "mandatory",
    tenants: { "*": { protocols: ["tcp"], ports: [80, 443, "8000-8999"] } },
  },
  [POLICY.subnets]: { enforcementLevel: o.level ?? "mandatory", tenants: { acme: ["10.10.0.0/16"] } },
  [POLICY.disruption]: { approved: o.approved ?? [] },
});

/**
 * The shipped policy pack on the real engine, kube-apiserver and kube-ovn-controller: the fleet tool's
 * plan and apply with the pack (a compliant fleet passes; one edit breaking every rule is stopped at
 * preview, each violation next to the change it blocks in the Markdown and JSON reports; approvals and
 * advisory levels let it through), and `pulumi preview --policy-pack` on a Pulumi YAML program.
 */
describe("policy pack: tenant guardrails at preview", function () {
  let dir: string;
  let env: { [k: string]: string };
  const cli = (...args: string[]): Promise<Run> => runFleetCli(dir, env, ["-f", "fleet.yaml", ...args]);
  const withPack = (config: string) => ["--policy-pack", PACK, "--policy-pack-config", config];
  const writeConfig = (name: string, config: object) => fs.writeFileSync(path.join(dir, name), JSON.stringify(config));
  const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-policy-"));
    env = fleetEnv(dir);
    const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8"));
    doc.project = "kubeovn-guarded";
    doc.cluster.eipPools.push({ name: "public-b", cidr: "198.51.100.0/24", gateway: "198.51.100.1" });
    doc.tenants = doc.tenants.filter((t: any) => t.tenant === "acme");
    fs.writeFileSync(path.join(dir, "fleet.yaml"), YAML.stringify(doc));
    writeConfig("guardrails.json", guardrails());
  });

  after(async function () {
    if (dir) {
      await cli("destroy", "acme");
      await cli("destroy", "cluster");
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await ourObjects(), [], "the stacks were destroyed, so none of our objects may be left");
  });

  it("pulumi preview --policy-pack stops a violating Pulumi YAML program (first: nothing of the fleet on the cluster yet)", async function () {
    const demo = await openDemoStack("guarded-yaml");
    try {
      fs.writeFileSync(
        path.join(demo.dir, "guardrails.json"),
        JSON.stringify({ [POLICY.dnat]: { tenants: { "*": { ports: [80] } } } }),
      );
      const r = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          "pulumi",
          ["preview", "--stack", "guarded-yaml", "--policy-pack", PACK, "--policy-pack-config", "guardrails.json"],
          { cwd: demo.dir, env: { ...process.env, ...(demo.stack.workspace.envVars as { [k: string]: string }) } },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: stdout + stderr }),
        ),
      );
      assert.notEqual(r.code, 0, r.out);
      assert.match(r.out, /tenant-dnat-ports/, r.out);
      assert.match(r.out, /public port \d+ not allowed; allowed: 80/, r.out);
    } finally {
      demo.cleanup();
    }
  });

  it("a compliant fleet plans without a violation and applies with the pack", async function () {
    const plan = await cli(
      "plan",
      ...withPack("guardrails.json"),
      "--json",
      "plan-ok.json",
      "--markdown",
      "plan-ok.md",
    );
    assert.equal(plan.code, 2, explain(plan));
    const report = JSON.parse(read("plan-ok.json"));
    assert.equal(report.totals.policyViolations, undefined, read("plan-ok.md"));
    assert.deepEqual(
      report.stacks.map((s: any) => `${s.stack}:${s.status}`),
      ["cluster:changed", "acme:changed"],
    );
    assert.doesNotMatch(read("plan-ok.md"), /policy/);
    const apply = await cli("apply", ...withPack("guardrails.json"));
    assert.equal(apply.code, 0, explain(apply));
  });

  it("an edit breaking every rule is blocked at preview, each violation next to its change (Markdown, JSON)", async function () {
    const doc = YAML.parse(read("fleet.yaml"));
    const acme = doc.tenants[0];
    // tenant-eip-pools and disruptive-change-approval: the egress EIP moves to pool public-b (its
    // address is released); tenant-eip-pools: a third EIP.
    acme.eips[0] = { name: "egress", pool: "public-b", v4ip: "198.51.100.10" };
    acme.eips.push({ name: "spare", pool: "public-a", v4ip: "203.0.113.12" });
    // tenant-dnat-ports: public ssh.
    acme.dnatRules.push({
      name: "ssh",
      eip: "web",
      protocol: "tcp",
      externalPort: 22,
      internalIp: "10.10.1.10",
      internalPort: 22,
    });
    // tenant-subnet-supernets: a subnet outside 10.10.0.0/16.
    acme.subnets.push({ name: "ops", cidr: "10.11.0.0/24", namespaces: [] });
    fs.writeFileSync(path.join(dir, "fleet.yaml"), YAML.stringify(doc));

    const r = await cli("plan", "acme", ...withPack("guardrails.json"), "--json", "plan.json", "--markdown", "plan.md");
    assert.equal(r.code, 1, explain(r));
    const md = read("plan.md");
    const report = JSON.parse(read("plan.json"));
    const acmeReport = report.stacks[0];
    assert.equal(acmeReport.status, "blocked", md);
    assert.equal(report.exitCode, 1);
    /** The policies (and levels) attached to the changes of `kind` whose text matches `text`. */
    const attached = (kind: string, text: RegExp): string[] => {
      const changes = acmeReport.changes.filter((c: any) => c.kind === kind && text.test(c.text));
      assert.ok(changes.length > 0, `no ${kind} change ${text} in\n${md}`);
      return [
        ...new Set<string>(changes.flatMap((c: any) => c.violations ?? []).map((v: any) => `${v.policy}:${v.level}`)),
      ].sort();
    };
    assert.deepEqual(attached("IptablesEIP", /203\.0\.113\.10|198\.51\.100\.10/), [
      `${POLICY.disruption}:mandatory`,
      `${POLICY.eips}:mandatory`,
    ]);
    assert.deepEqual(attached("IptablesEIP", /203\.0\.113\.12/), [`${POLICY.eips}:mandatory`]);
    assert.deepEqual(attached("IptablesDnatRule", /:22 -> 10\.10\.1\.10:22/), [`${POLICY.dnat}:mandatory`]);
    assert.deepEqual(attached("Subnet", /10\.11\.0\.0\/24/), [`${POLICY.subnets}:mandatory`]);
    // In the Markdown, a change's violations are the rows right after it.
    const lines = md.split("\n");
    const follows = (change: RegExp, violation: RegExp) => {
      const i = lines.findIndex((l) => change.test(l));
      assert.ok(i >= 0, `no row ${change} in\n${md}`);
      let j = i + 1;
      while (lines[j]?.startsWith("| :no_entry: blocked") && !violation.test(lines[j])) j++;
      assert.ok(
        lines[j]?.startsWith("| :no_entry: blocked") && violation.test(lines[j]),
        `${violation} does not follow ${change} in\n${md}`,
      );
    };
    follows(
      /^\| create \| DNAT tcp 203\.0\.113\.11:22 -> 10\.10\.1\.10:22 added \|/,
      /tenant-dnat-ports \(mandatory\): .*public port 22 not allowed/,
    );
    follows(
      /^\| create \| subnet \S+ 10\.11\.0\.0\/24 created/,
      /tenant-subnet-supernets \(mandatory\): .*not inside the tenant's supernets \(10\.10\.0\.0\/16\)/,
    );
    follows(/^\| create \| EIP 203\.0\.113\.12 /, /tenant-eip-pools \(mandatory\): .*3 EIPs .* at most 2 allowed/);
    assert.match(md, /^:no_entry: 1 stack\(s\) blocked by policy/m);
  });

  it("approved and advisory, the same edit is let through: warnings in the report, exit 3 (disruptive)", async function () {
    writeConfig("approved.json", guardrails({ approved: ["acme"], level: "advisory" }));
    const r = await cli("plan", "acme", ...withPack("approved.json"), "--json", "approved.json.out");
    assert.equal(r.code, 3, explain(r));
    const report = JSON.parse(read("approved.json.out"));
    const levels = report.stacks[0].changes.flatMap((c: any) => c.violations ?? []).map((v: any) => v.level);
    assert.equal(report.stacks[0].status, "changed");
    assert.ok(levels.length >= 4 && levels.every((l: string) => l === "advisory"), JSON.stringify(levels));
    assert.ok(
      !report.stacks[0].changes.some((c: any) => c.violations?.some((v: any) => v.policy === POLICY.disruption)),
      "the approved disruption is not reported",
    );
  });
});
