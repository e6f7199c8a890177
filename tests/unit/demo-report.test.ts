import { strict as assert } from "node:assert";
import type { ResourceChange } from "../../provider/automation/changes";
import { demoPlan, terminalReport, topologyMarkdown } from "../../scripts/demo/report";

// npm start's report: the fleet tool's report of one stack, split into the cluster network and its tenants.
const T = "kubernetes:kubeovn.io/v1:";
const obj = (kind: string, name: string, spec: object, tenant?: string) => ({
  kind,
  metadata: { name, ...(tenant ? { labels: { "pulumi-kubeovn/tenant": tenant } } : {}) },
  spec,
});
const create = (type: string, inputs: any): ResourceChange => ({
  urn: `urn:pulumi:demo::kubeovn-demo::${type}::${inputs.metadata.name}`,
  type,
  name: inputs.metadata.name,
  op: "create",
  diffs: {},
  newInputs: inputs,
});

const objects = [
  [`${T}Subnet`, obj("Subnet", "public-a", { cidrBlock: "203.0.113.0/24" })],
  [`${T}Vpc`, obj("Vpc", "acme", {}, "acme")],
  [`${T}Subnet`, obj("Subnet", "acme-web", { vpc: "acme", cidrBlock: "10.10.1.0/24" }, "acme")],
  [`${T}VpcNatGateway`, obj("VpcNatGateway", "acme", { subnet: "acme-web", lanIp: "10.10.1.254" }, "acme")],
  [
    `${T}IptablesEIP`,
    obj("IptablesEIP", "acme-egress", { natGwDp: "acme", externalSubnet: "public-a", v4ip: "203.0.113.10" }, "acme"),
  ],
  [`${T}Vpc`, obj("Vpc", "globex", {}, "globex")],
  [`${T}Subnet`, obj("Subnet", "globex-main", { vpc: "globex", cidrBlock: "10.10.1.0/24" }, "globex")],
] as const;
const resources = objects.map(([type, inputs]) => ({ type, inputs: inputs as any }));

describe("npm start's report (scripts/demo/report.ts)", function () {
  it("splits one stack like the fleet: the cluster network first, then each tenant by its label", function () {
    // globex is deployed already: its objects are known but do not change.
    const changes = objects.filter(([, o]) => !o.metadata.name.startsWith("globex")).map(([t, o]) => create(t, o));
    const plan = demoPlan("Pulumi.yaml", changes, resources);
    assert.deepEqual(plan.tenants, ["acme", "globex"]);
    assert.deepEqual(
      plan.report.stacks.map((s) => [s.stack, s.role, s.status, s.changes.map((c) => c.text)]),
      [
        ["cluster", "cluster", "changed", ["subnet public-a 203.0.113.0/24 created"]],
        [
          "acme",
          "tenant",
          "changed",
          [
            "VPC acme created",
            "subnet acme-web 10.10.1.0/24 created",
            "NAT gateway acme created (LAN 10.10.1.254 in subnet acme-web)",
            "EIP 203.0.113.10 (acme-egress, pool public-a) allocated",
          ],
        ],
        ["globex", "tenant", "unchanged", []],
      ],
    );
    // One picture of every tenant, unchanged ones included; the cluster's subnets are not in it.
    assert.deepEqual(
      plan.topology.nodes.map((n) => `${n.id}:${n.change ?? ""}`),
      [
        "vpc_acme:create",
        "vpc_globex:",
        "subnet_acme_web:create",
        "subnet_globex_main:",
        "vpcnatgateway_acme:create",
        "iptableseip_acme_egress:create",
      ],
    );
  });

  it("the terminal gets the report without diagrams; the file has the whole picture and the report", function () {
    const plan = demoPlan(
      "Pulumi.yaml",
      objects.map(([t, o]) => create(t, o)),
      resources,
    );
    const text = terminalReport(plan);
    assert.match(text, /^## kubeovn-tenants plan: Pulumi\.yaml/);
    assert.match(text, /\| create \| VPC acme created \| Vpc `acme` \|/);
    assert.doesNotMatch(text, /mermaid/);
    const md = topologyMarkdown(plan, { stack: "demo", cluster: "a test", when: new Date(0) });
    const blocks = md.match(/```mermaid\nflowchart LR\n[^`]*```/g) ?? [];
    // The whole picture, then each changed tenant's own in the report.
    assert.equal(blocks.length, 3, md);
    assert.match(blocks[0], /vpc_acme --> subnet_acme_web/);
    assert.match(blocks[0], /vpc_globex --> subnet_globex_main/);
    assert.match(md, /## Change report[\s\S]*\| create \| VPC globex created \|/);
  });
});
