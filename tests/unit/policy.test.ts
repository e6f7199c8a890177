// The tenant guardrails policy pack: each rule on the objects the planner declares for the example
// fleet (compliant) and on edits of them (violating); disruption inference against a checkpoint;
// the pack's policies as CrossGuard runs them; violations in the fleet report next to their changes.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ChangeCollector } from "../../provider/automation/changes";
import { planFleet } from "../../provider/core";
import { parseFleet } from "../../provider/fleet/fleet-file";
import { EXIT, exitCode, fleetReport, previewReport, renderJson, renderMarkdown } from "../../provider/fleet/report";
import {
  type PriorResource,
  changedPaths,
  findDisruptions,
  inferChanges,
  isApproved,
} from "../../provider/policy/disruption";
import { PACK_NAME, guardrailPolicies } from "../../provider/policy/pack";
import {
  POLICY,
  type PolicyInput,
  TYPES,
  checkDnatPorts,
  checkEipPools,
  checkSubnetSupernets,
} from "../../provider/policy/rules";
import { repoRoot } from "../support/demo";

const fleet = parseFleet(fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8"), "fleet.yaml");
// A second pool, so a tenant can take an EIP the policy does not allow it.
fleet.cluster.eipPools.push({ name: "public-b", cidr: "198.51.100.0/24", gateway: "198.51.100.1" });

/** Moves acme's subnet `app` (and the SNAT rule of it) to `cidr`. */
const moveApp = (a: any, cidr: string) => {
  a.subnets[1].cidr = cidr;
  a.subnets[1].allowSubnets = [];
  a.snatRules[1].internalCIDR = cidr;
};

/** The resources a stack of tenant `name` declares (as the engine hands them to a policy). */
function declared(tenants = fleet.tenants, name = "acme"): PolicyInput[] {
  const plan = planFleet(fleet.cluster, tenants).tenants.find((t) => t.tenant === name);
  assert.ok(plan, `no plan for ${name}`);
  return plan.objects.map((o) => {
    const group = o.apiVersion.includes("/") ? o.apiVersion : `core/${o.apiVersion}`;
    const type = `kubernetes:${group}:${o.patch ? `${o.kind}Patch` : o.kind}`;
    const props = JSON.parse(
      JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec }),
    );
    return {
      type,
      urn: `urn:pulumi:${name}::kubeovn-tenants::kubeovn:index:TenantNetwork$${type}::${name}-${o.id.replace(/\//g, "-")}`,
      props,
    };
  });
}

/** The example fleet with tenant acme edited. */
function editedAcme(edit: (acme: any) => void) {
  const tenants = JSON.parse(JSON.stringify(fleet.tenants));
  edit(tenants.find((t: any) => t.tenant === "acme"));
  return declared(tenants);
}

const byType = (rs: PolicyInput[], type: string) => rs.filter((r) => r.type === type);
const urnOf = (rs: PolicyInput[], type: string, name: string) =>
  (rs.find((r) => r.type === type && r.props.metadata.name === name) as PolicyInput).urn;

describe("policy pack: tenant-eip-pools", () => {
  const config = { tenants: { acme: { pools: ["public-a"], maxEips: 2 }, "*": { pools: [], maxEips: 0 } } };

  it("passes the example tenant: two EIPs from public-a (the interconnect address is not counted)", () => {
    const rs = declared();
    assert.equal(byType(rs, TYPES.eip).length, 3, "two pool EIPs and the interconnect address");
    assert.deepEqual(checkEipPools(rs, config), []);
  });

  it("stops an EIP from another pool and a third EIP, naming the EIP, the pool and the limit", () => {
    const rs = editedAcme((a) => a.eips.push({ name: "extra", pool: "public-a", v4ip: "203.0.113.12" }));
    const vs = checkEipPools(rs, { tenants: { acme: { pools: ["public-b"], maxEips: 2 } } });
    const pools = vs.filter((v) => v.message.includes("allowed pools: public-b"));
    assert.equal(pools.length, 3);
    assert.match(pools[0].message, /tenant acme: EIP acme-\S+ takes its address from pool public-a/);
    const count = vs.filter((v) => v.message.includes("at most 2 allowed"));
    assert.equal(count.length, 3, "the count is reported on each of the tenant's EIPs");
    assert.match(count[0].message, /3 EIPs \(acme-\S+, acme-\S+, acme-\S+\)/);
    assert.ok(count.every((v) => v.urn?.includes("IptablesEIP")));
  });

  it("`*` applies to tenants without an entry; no entry at all leaves a tenant unrestricted", () => {
    const rs = declared();
    assert.equal(checkEipPools(rs, { tenants: { "*": { maxEips: 1 } } }).length, 2);
    assert.deepEqual(checkEipPools(rs, { tenants: { globex: { maxEips: 0 } } }), []);
    assert.deepEqual(checkEipPools(rs, undefined), []);
  });
});

describe("policy pack: tenant-dnat-ports", () => {
  const config = { tenants: { "*": { protocols: ["tcp"], ports: [80, 443, "8000-8999"] } } };
  const dnats = (rs: PolicyInput[]) => byType(rs, TYPES.dnat).flatMap((r) => checkDnatPorts(r, config));

  it("passes the example's tcp 443", () => {
    assert.equal(byType(declared(), TYPES.dnat).length, 1);
    assert.deepEqual(dnats(declared()), []);
  });

  it("stops public port 22 and udp, naming the rule, the port and what is allowed; a port in a range passes", () => {
    const rs = editedAcme((a) =>
      a.dnatRules.push(
        { name: "ssh", eip: "web", protocol: "tcp", externalPort: 22, internalIp: "10.10.1.10", internalPort: 22 },
        { name: "dns", eip: "web", protocol: "udp", externalPort: 8053, internalIp: "10.10.1.10", internalPort: 53 },
      ),
    );
    const vs = dnats(rs);
    assert.deepEqual(
      vs.map((v) => v.message),
      [
        "tenant acme: DNAT acme-dnat-ssh (tcp port 22 -> 10.10.1.10:22): public port 22 not allowed; allowed: 80, 443, 8000-8999",
        "tenant acme: DNAT acme-dnat-dns (udp port 8053 -> 10.10.1.10:53): protocol udp not allowed; allowed: tcp",
      ].map((m) => m.replace(/acme-dnat-(\w+)/, (_, r) => urnName(rs, r))),
    );
    assert.equal(vs[0].urn, urnOf(rs, TYPES.dnat, urnName(rs, "ssh")));
  });
});

/** The cluster name of acme's DNAT rule `rule` (names come from the planner). */
function urnName(rs: PolicyInput[], rule: string): string {
  const r = byType(rs, TYPES.dnat).find((x) => String(x.props.metadata.name).endsWith(rule));
  return r?.props.metadata.name;
}

describe("policy pack: tenant-subnet-supernets", () => {
  const check = (rs: PolicyInput[], supernets: string[]) =>
    byType(rs, TYPES.subnet).flatMap((r) => checkSubnetSupernets(r, { tenants: { acme: supernets } }));

  it("passes subnets inside the tenant's supernet", () => {
    assert.deepEqual(check(declared(), ["10.10.0.0/16"]), []);
  });

  it("stops a subnet outside it, naming the subnet, its CIDR and the supernets", () => {
    const rs = editedAcme((a) => moveApp(a, "10.20.2.0/24"));
    const vs = check(rs, ["10.10.0.0/16", "fd00:10::/48"]);
    assert.equal(vs.length, 1);
    assert.match(
      vs[0].message,
      /^tenant acme: subnet \S+ 10\.20\.2\.0\/24 is not inside the tenant's supernets \(10\.10\.0\.0\/16, fd00:10::\/48\)$/,
    );
  });

  it("a supernet of the policy that is not a CIDR is a violation, not a silent pass", () => {
    const vs = check(declared(), ["10.10.0.0/33"]);
    assert.ok(vs.length > 0);
    assert.match(vs[0].message, /supernets 10\.10\.0\.0\/33 are not CIDRs/);
  });
});

describe("policy pack: disruptive-change-approval", () => {
  const before = declared();
  /** A checkpoint of `rs`, with the replaceOnChanges the components declare. */
  const checkpoint = (rs: PolicyInput[]): PriorResource[] => {
    const plan = planFleet(fleet.cluster, fleet.tenants).tenants[0];
    return rs.map((r) => ({
      urn: r.urn,
      type: r.type,
      inputs: r.props,
      replaceOnChanges: plan.objects.find((o) => o.metadata.name === r.props.metadata.name && o.kind === r.props.kind)
        ?.replaceOnChanges,
    }));
  };

  it("no change, no disruption; adding a DNAT rule is a change but not disruptive", () => {
    assert.deepEqual(inferChanges(checkpoint(before), before), []);
    const added = editedAcme((a) =>
      a.dnatRules.push({
        name: "http",
        eip: "web",
        protocol: "tcp",
        externalPort: 80,
        internalIp: "10.10.1.10",
        internalPort: 80,
      }),
    );
    assert.deepEqual(
      inferChanges(checkpoint(before), added).map((c) => c.op),
      [],
      "a new resource is not in the checkpoint: nothing of it is changed",
    );
    assert.deepEqual(findDisruptions(checkpoint(before), added), []);
  });

  it("a subnet CIDR change is a replacement, and disruptive, in the fleet report's words", () => {
    const after = editedAcme((a) => moveApp(a, "10.10.3.0/24"));
    const ds = findDisruptions(checkpoint(before), after);
    assert.equal(ds.length, 1);
    assert.equal(ds[0].change.kind, "Subnet");
    assert.equal(ds[0].tenant, "acme");
    assert.match(
      ds[0].change.text,
      /CIDR change 10\.10\.2\.0\/24 -> 10\.10\.3\.0\/24 -> replaced: disrupts running pods/,
    );
  });

  it("an EIP that moves or goes is disruptive; a removed DNAT rule is not", () => {
    const moved = editedAcme((a) => {
      a.eips[1].v4ip = "203.0.113.30";
      a.dnatRules = [];
    });
    const texts = findDisruptions(checkpoint(before), moved).map((d) => d.change.text);
    assert.equal(texts.length, 1, texts.join("\n"));
    assert.match(texts[0], /^EIP 203\.0\.113\.30 .* replaced|address 203\.0\.113\.11 -> 203\.0\.113\.30/);
    const gone = findDisruptions(
      checkpoint(before),
      editedAcme((a) => a.eips.splice(0, 1) && a.snatRules.splice(0)),
    );
    assert.ok(
      gone.some((d) => /EIP 203\.0\.113\.10 .* released/.test(d.change.text)),
      gone.map((d) => d.change.text).join("\n"),
    );
  });

  it("a renamed resource (alias to its old URN) is not a delete", () => {
    const renamed = before.map((r) => ({ ...r, urn: `${r.urn}-v2`, aliases: [r.urn] }));
    assert.deepEqual(inferChanges(checkpoint(before), renamed), []);
    assert.ok(findDisruptions(checkpoint(before), renamed.slice(1)).length > 0, "the one not declared is deleted");
  });

  it("during an update, the objects as the API server returns them (uid, defaults) are not changes; a moved EIP is", () => {
    const served = (rs: PolicyInput[]) =>
      rs.map((r) => ({
        ...r,
        props: {
          ...r.props,
          metadata: { ...r.props.metadata, uid: "u-1", resourceVersion: "7", managedFields: [{ manager: "pulumi" }] },
          spec: { ...r.props.spec, defaultedByServer: "" },
          status: { ready: true },
        },
      }));
    assert.deepEqual(findDisruptions(checkpoint(before), served(before), true), []);
    const moved = served(
      editedAcme((a) => {
        a.eips[1].v4ip = "203.0.113.30";
      }),
    );
    assert.equal(findDisruptions(checkpoint(before), moved, true).length, 1);
    assert.ok(findDisruptions(checkpoint(before), served(before), false).length > 0, "a preview compares every path");
  });

  it("changedPaths goes down to the differing leaves", () => {
    assert.deepEqual(changedPaths({ spec: { a: 1, b: { c: 2 } } }, { spec: { a: 1, b: { c: 3 }, d: 4 } }), [
      "spec.b.c",
      "spec.d",
    ]);
    assert.deepEqual(changedPaths({ spec: { r: [{ a: 1 }] } }, { spec: { r: [{ a: 1, b: 2 }] } }, true), []);
    assert.deepEqual(changedPaths({ spec: { r: [{ a: 1 }] } }, { spec: { r: [{ a: 2 }] } }, true), ["spec.r"]);
  });

  it("approvals: *, the tenant, or Kind/name", () => {
    const after = editedAcme((a) => moveApp(a, "10.10.3.0/24"));
    const [d] = findDisruptions(checkpoint(before), after);
    assert.equal(isApproved(d, []), false);
    assert.equal(isApproved(d, ["globex", "Subnet/other"]), false);
    assert.equal(isApproved(d, ["*"]), true);
    assert.equal(isApproved(d, ["acme"]), true);
    assert.equal(isApproved(d, [`Subnet/${d.change.name}`]), true);
  });
});

describe("policy pack: the CrossGuard policies", () => {
  const policies = guardrailPolicies([]).policies;
  const named = (n: string) => policies.find((p) => p.name === n) as any;

  /** Runs one policy as the CrossGuard server does, collecting its violations. */
  async function run(
    name: string,
    resources: PolicyInput[],
    config: object,
  ): Promise<{ message: string; urn?: string }[]> {
    const p = named(name);
    const out: { message: string; urn?: string }[] = [];
    const report = (message: string, urn?: string) => out.push({ message, urn });
    const base = { getConfig: () => config, stackTags: new Map(), notApplicable: () => undefined as never };
    if (p.validateStack)
      await p.validateStack({ ...base, resources: resources.map((r) => ({ ...r, opts: { aliases: [] } })) }, report);
    else for (const r of resources) await p.validateResource({ ...base, ...r, name: r.urn.split("::").pop() }, report);
    return out;
  }

  it("four policies, mandatory by default, each with a config schema", () => {
    assert.equal(PACK_NAME, "kubeovn-tenant-guardrails");
    assert.deepEqual(policies.map((p) => p.name).sort(), Object.values(POLICY).sort());
    for (const p of policies) {
      assert.equal(p.enforcementLevel, "mandatory", p.name);
      assert.ok(Object.keys(p.configSchema?.properties ?? {}).length > 0, p.name);
    }
  });

  it("each passes the compliant example and stops a violating edit", async () => {
    const bad = editedAcme((a) => {
      a.dnatRules[0].externalPort = 22;
      a.eips[0].pool = "public-b";
      a.eips[0].v4ip = "198.51.100.10";
    });
    assert.deepEqual(await run(POLICY.dnat, declared(), { tenants: { acme: { ports: [443] } } }), []);
    assert.equal((await run(POLICY.dnat, bad, { tenants: { acme: { ports: [443] } } })).length, 1);
    assert.deepEqual(await run(POLICY.eips, declared(), { tenants: { acme: { pools: ["public-a"] } } }), []);
    assert.equal((await run(POLICY.eips, bad, { tenants: { acme: { pools: ["public-a"] } } })).length, 1);
    assert.deepEqual(await run(POLICY.subnets, declared(), { tenants: { acme: ["10.10.0.0/16"] } }), []);
    assert.equal((await run(POLICY.subnets, declared(), { tenants: { acme: ["10.10.1.0/24"] } })).length, 1);
  });

  it("the disruption policy reads the checkpoint, and fails closed when it cannot", async () => {
    const before = declared();
    const prior = before.map((r) => ({ urn: r.urn, type: r.type, inputs: r.props }));
    const stackPolicy = (state: PriorResource[] | Error) =>
      guardrailPolicies(state).policies.find((p) => p.name === POLICY.disruption) as any;
    const out: string[] = [];
    const args = (resources: PolicyInput[], approved: string[]) => ({
      resources: resources.map((r) => ({ ...r, opts: { aliases: [] } })),
      getConfig: () => ({ approved }),
    });
    const fewer = before.filter((r) => r.type !== TYPES.subnet || !r.props.metadata.name.endsWith("app"));
    await stackPolicy(prior).validateStack(args(before, []), (m: string) => out.push(m));
    assert.equal(out.length, 0, out.join("\n"));
    await stackPolicy(prior).validateStack(args(fewer, []), (m: string) => out.push(m));
    assert.equal(out.length, 1);
    assert.match(
      out[0],
      /^disruptive change without approval: subnet \S+ 10\.10\.2\.0\/24 deleted: disrupts running pods/,
    );
    out.length = 0;
    await stackPolicy(prior).validateStack(args(fewer, ["acme"]), (m: string) => out.push(m));
    assert.equal(out.length, 0, out.join("\n"));
    await stackPolicy(new Error("no backend")).validateStack(args(before, []), (m: string) => out.push(m));
    assert.deepEqual(out, ["cannot tell which changes are disruptive: no backend"]);
  });
});

describe("policy violations in the fleet report", () => {
  const T = "kubernetes:kubeovn.io/v1:";
  const dnatUrn = `urn:pulumi:acme::p::${T}IptablesDnatRule::acme-dnat-ssh`;
  const dnat = {
    kind: "IptablesDnatRule",
    metadata: { name: "acme-dnat-ssh" },
    spec: { eip: "acme-web", protocol: "tcp", externalPort: "22", internalIp: "10.10.1.10", internalPort: "22" },
  };
  const collector = new ChangeCollector();
  collector.onEvent({
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: {
      metadata: { op: "create", urn: dnatUrn, type: `${T}IptablesDnatRule`, new: { inputs: dnat } } as any,
    },
  });
  const policyEvent = (message: string, level: string, urn?: string) => ({
    sequence: 2,
    timestamp: 0,
    policyEvent: {
      resourceUrn: urn,
      message,
      color: "never",
      policyName: POLICY.dnat,
      policyPackName: PACK_NAME,
      policyPackVersion: "0.1.0",
      policyPackVersionTag: "0.1.0",
      enforcementLevel: level as "mandatory",
    },
  });
  // As the engine sends it: in its colour markup.
  collector.onEvent(policyEvent("<{%fg 13%}>public port 22 not allowed<{%reset%}>", "mandatory", dnatUrn));
  collector.onEvent(policyEvent("stack-wide note", "advisory"));

  it("the collector names each violation's object", () => {
    assert.deepEqual(collector.violations, [
      {
        policy: POLICY.dnat,
        pack: PACK_NAME,
        level: "mandatory",
        message: "public port 22 not allowed",
        urn: dnatUrn,
        kind: "IptablesDnatRule",
        name: "acme-dnat-ssh",
      },
      { policy: POLICY.dnat, pack: PACK_NAME, level: "advisory", message: "stack-wide note" },
    ]);
  });

  it("Markdown and JSON show the violation next to the change it blocks; the stack is blocked, exit 1", () => {
    const stack = previewReport(
      "acme",
      "tenant",
      collector.resourceChanges,
      [...collector.inputs.values()],
      collector.violations,
    );
    assert.equal(stack.status, "blocked");
    const report = fleetReport("p", "fleet.yaml", [stack]);
    assert.equal(report.totals.stacksBlocked, 1);
    assert.equal(report.totals.policyViolations, 2);
    assert.equal(exitCode(report), EXIT.errors);
    const md = renderMarkdown(report).split("\n");
    const row = md.findIndex((l) => l.startsWith("| create | DNAT tcp acme-web:22 -> 10.10.1.10:22 added |"));
    assert.ok(row > 0, md.join("\n"));
    assert.equal(
      md[row + 1],
      "| :no_entry: blocked | policy tenant-dnat-ports (mandatory): public port 22 not allowed | IptablesDnatRule `acme-dnat-ssh` |",
    );
    assert.ok(md.includes("- :warning: advisory policy tenant-dnat-ports (advisory): stack-wide note"), md.join("\n"));
    assert.match(md[2], /^:no_entry: 1 stack\(s\) blocked by policy/);
    const json = JSON.parse(renderJson(report));
    assert.equal(json.exitCode, EXIT.errors);
    assert.equal(json.stacks[0].status, "blocked");
    assert.equal(json.stacks[0].changes[0].violations[0].message, "public port 22 not allowed");
    assert.equal(json.stacks[0].violations[0].message, "stack-wide note");
  });

  it("without violations the report is as before (no policy totals)", () => {
    const plain = new ChangeCollector();
    const stack = previewReport("acme", "tenant", plain.resourceChanges, [], plain.violations);
    const report = fleetReport("p", "fleet.yaml", [stack]);
    assert.equal(report.totals.stacksBlocked, undefined);
    assert.equal(exitCode(report), EXIT.noChanges);
  });
});
