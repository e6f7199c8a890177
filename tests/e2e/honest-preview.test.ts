/**
 * Honest previews: when the Kubernetes provider's credentials or the cluster facts come from a
 * resource of the same program that is not created yet, the preview still lists every object `up`
 * creates (values unknown where they must be), and says which checks it could not make. The
 * program has the usual "cluster and tenants in one program" shape: its provider's kubeconfig is
 * known only once another resource exists (here a ConfigMap on the shared cluster; in real life the
 * managed cluster). The ClusterNetwork gives pods API-server access, so its `info` carries the
 * `kubernetes` Service address it reads through that provider: unknown at preview. One tenant plans
 * against that info (cluster facts unknown), the other against the facts as plain values
 * (credentials unknown only).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as k8sPulumi from "@pulumi/kubernetes";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { planCluster } from "../../provider/core";
import { loadDemo } from "../support/demo";
import { getCluster } from "./support/cluster";
import { type InlineStack, openInlineStack, ourObjects } from "./support/stack";

const tenantSpec = (tenant: string, octet: number) => ({
  tenant,
  namespaces: [{ name: `${tenant}-web` }],
  subnets: [{ name: "web", cidr: `10.${octet}.1.0/24`, namespaces: [`${tenant}-web`] }],
  natGateway: { subnet: "web", lanIp: `10.${octet}.1.254` },
  eips: [
    { name: "fixed", pool: "public-a", v4ip: `203.0.113.${octet}` },
    { name: "egress", pool: "public-a" },
  ],
  snatRules: [{ name: "web-out", eip: "egress", internalCIDR: `10.${octet}.1.0/24` }],
});

/** Each resource step of one kind, by URN: the engine's `op` and the inputs it showed. */
function steps(events: EngineEvent[]): Map<string, { op: string; inputs: any }> {
  const out = new Map<string, { op: string; inputs: any }>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (m) out.set(m.urn, { op: m.op, inputs: m.new?.inputs });
  }
  return out;
}

const created = (s: Map<string, { op: string }>) =>
  [...s.entries()]
    .filter(([, v]) => v.op === "create")
    .map(([urn]) => urn)
    .sort();

const ofTenant = (urns: string[], tenant: string) =>
  urns.filter((u) => u.includes("TenantNetwork") && u.includes(`::${tenant}`));

const warnings = (events: EngineEvent[]) =>
  events
    .map((e) => e.diagnosticEvent)
    .filter((d) => d && (d.severity === "warning" || d.severity === "info"))
    .map((d) => d?.message ?? "");

describe("previews list every object up creates, with credentials or cluster facts unknown", function () {
  let s: InlineStack;
  let deployed = false;
  const previewEvents: EngineEvent[] = [];
  const upEvents: EngineEvent[] = [];

  before(async function () {
    const demo = loadDemo();
    const kubeconfig = fs.readFileSync(getCluster().kubeconfigPath, "utf8");
    s = await openInlineStack("honest-preview", async () => {
      // Known only once it exists: the id of a resource being created is unknown at preview.
      const holder = new k8sPulumi.core.v1.ConfigMap("kubeconfig-holder", {
        metadata: { name: "honest-preview-holder", namespace: "default" },
      });
      const provider = new k8sPulumi.Provider("late", { kubeconfig: holder.id.apply(() => kubeconfig) });
      const clusterSpec = { ...demo.cluster, apiServerAccess: { cidr: "100.100.100.0/24" } };
      const cluster = new ClusterNetwork("cluster", clusterSpec, { provider });
      // The facts as plain values (as a tenant stack may be given them): only the credentials are unknown.
      new TenantNetwork(
        "prevcreds",
        { ...tenantSpec("prevcreds", 76), cluster: planCluster(clusterSpec).info },
        { provider },
      );
      // The ClusterNetwork's info, unknown at preview: its Service address is read through `late`.
      new TenantNetwork(
        "prevfacts",
        { ...tenantSpec("prevfacts", 77), apiServerAccess: true, cluster: cluster.info },
        { provider },
      );
    });
  });

  after(async function () {
    if (deployed) await s.stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
    s?.cleanup();
  });

  it("the preview lists every object of both tenants, says what it could not check, and shows unknown what it cannot know", async function () {
    await s.stack.preview({ onOutput: () => undefined, onEvent: (e) => previewEvents.push(e) });
    const planned = steps(previewEvents);
    const urns = created(planned);
    for (const t of ["prevcreds", "prevfacts"])
      assert.ok(ofTenant(urns, t).length >= 9, `the preview lists ${t}'s objects: ${ofTenant(urns, t).join("\n")}`);
    const said = warnings(previewEvents).join("\n");
    assert.match(said, /TenantNetwork prevcreds: the Kubernetes provider's credentials are unknown at this preview/);
    assert.match(said, /address claims and the owners of the tenant's namespaces were not read/);
    assert.match(said, /TenantNetwork prevfacts: the cluster facts are unknown at this preview/);
    const inputsOf = (tenant: string, name: string) =>
      [...planned.entries()].find(([u]) => u.endsWith(`::${tenant}-${name}`))?.[1].inputs;
    // Credentials unknown: the spec's own values are shown, addresses up allocates are not.
    assert.equal(inputsOf("prevcreds", "eip-fixed")?.spec?.v4ip, "203.0.113.76");
    assert.equal(inputsOf("prevcreds", "subnet-web")?.spec?.cidrBlock, "10.76.1.0/24");
    const unknownMark = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    assert.equal(inputsOf("prevcreds", "eip-egress")?.spec?.v4ip, unknownMark);
    // Facts unknown: names known, values unknown.
    assert.equal(inputsOf("prevfacts", "subnet-web")?.metadata?.name, "prevfacts--web");
    assert.equal(inputsOf("prevfacts", "subnet-web")?.spec, unknownMark);
  });

  it("up creates exactly what the preview listed", async function () {
    deployed = true;
    await s.stack.up({ onOutput: () => undefined, onEvent: (e) => upEvents.push(e) });
    const previewed = created(steps(previewEvents));
    const done = created(steps(upEvents));
    assert.deepEqual(done, previewed, "the same resources, one for one");
    for (const t of ["prevcreds", "prevfacts"]) {
      const objects = (await ourObjects()).filter((o) => o.includes(t));
      assert.ok(objects.includes(`IptablesEIP/${t}--egress`), objects.join(", "));
    }
  });

  it("destroy leaves nothing", async function () {
    await s.stack.destroy({ onOutput: () => undefined });
    deployed = false;
    assert.deepEqual(
      (await ourObjects()).filter((o) =>
        /prevcreds|prevfacts|ovn-vpc-external-network|public-a|api-server-access/.test(o),
      ),
      [],
    );
  });
});
