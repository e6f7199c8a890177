/**
 * `dependsOn: [tenant]` (and `dependsOn: [cluster]`) waits for every object of the component, the
 * tenant's Subnets Ready included: what the README tells users to do so that workloads never take
 * addresses from the default subnet. Shown from the engine's own step events (the dependent's step
 * starts only after every object of the component finished) and from the API server's timestamps
 * (the dependent was created no earlier than the Subnets became Ready), for a TypeScript program
 * using the classes directly and for a Python program, where the components run in the plugin.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as k8sPulumi from "@pulumi/kubernetes";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { loadDemo } from "../support/demo";
import { kubeConfig } from "./support/cluster";
import { ExampleStack, preparePython } from "./support/examples";
import { type InlineStack, getKubeOvn, openInlineStack, ourObjects } from "./support/stack";

/** One engine step event: a resource's step starting (`pre`) or finished (`outputs`). */
interface Step {
  kind: "pre" | "outputs";
  op: string;
  urn: string;
  sequence: number;
}

/** The tenant both programs declare (the Python one in support/examples/ordering_program.py). */
const TENANT = {
  tenant: "ordering",
  namespaces: [{ name: "ordering-web" }, { name: "ordering-app" }],
  subnets: [
    { name: "web", cidr: "10.72.1.0/24", namespaces: ["ordering-web"] },
    { name: "app", cidr: "10.72.2.0/24", namespaces: ["ordering-app"] },
  ],
};
const SUBNETS = ["ordering--web", "ordering--app"];

const nameOf = (urn: string) => urn.split("::").pop() as string;
/** The URN's type chain, e.g. `kubeovn:index:TenantNetwork$kubernetes:kubeovn.io/v1:Subnet`. */
const typesOf = (urn: string) => urn.split("::")[2] ?? "";

function stepsOf(events: EngineEvent[]): Step[] {
  const steps: Step[] = [];
  for (const e of events) {
    for (const [kind, m] of [
      ["pre", e.resourcePreEvent?.metadata],
      ["outputs", e.resOutputsEvent?.metadata],
    ] as const) {
      if (m) steps.push({ kind, op: m.op, urn: m.urn, sequence: e.sequence });
    }
  }
  return steps;
}

/**
 * Asserts that the step creating `dependent` started after every object of `component` (a direct
 * child of the component type, e.g. `kubeovn:index:TenantNetwork`) was created; returns the
 * children's names and types.
 */
function assertCreatedAfter(steps: Step[], dependent: string, component: string): { name: string; type: string }[] {
  const order = steps.map((s) => `${s.sequence} ${s.kind} ${s.op} ${nameOf(s.urn)}`).join("\n");
  const start = steps.find((s) => s.kind === "pre" && s.op === "create" && nameOf(s.urn) === dependent);
  assert.ok(start, `the engine created ${dependent}; its steps:\n${order}`);
  const created = steps.filter(
    (s) => s.kind === "outputs" && s.op === "create" && typesOf(s.urn).startsWith(`${component}$`),
  );
  assert.ok(created.length > 0, `the engine created objects of the ${component}; its steps:\n${order}`);
  const late = created.filter((s) => s.sequence > start.sequence).map((s) => nameOf(s.urn));
  assert.deepEqual(
    late,
    [],
    `${dependent} (dependsOn the ${component}) started at event ${start.sequence}, before these objects of the ${component} were created; the engine's steps:\n${order}`,
  );
  return created.map((s) => ({ name: nameOf(s.urn), type: typesOf(s.urn).split("$").pop() as string }));
}

/** The time the API server created ConfigMap default/`name`. */
async function configMapCreated(name: string): Promise<number> {
  const cm = await kubeConfig().makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name, namespace: "default" });
  return new Date(cm.metadata?.creationTimestamp as unknown as string).getTime();
}

/** When the Subnet became Ready, by the controller's own condition. */
async function subnetReadySince(name: string): Promise<number> {
  const subnet = await getKubeOvn("subnets", name);
  const ready = (subnet.status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
  assert.equal(ready?.status, "True", `Subnet ${name} is Ready: ${JSON.stringify(subnet.status?.conditions)}`);
  return new Date(ready.lastTransitionTime).getTime();
}

/** Everything the tenant's order must show, from the engine's steps and the API server's timestamps. */
async function assertOrdered(steps: Step[]): Promise<void> {
  const tenantObjects = assertCreatedAfter(steps, "after-tenant", "kubeovn:index:TenantNetwork");
  const subnets = tenantObjects.filter((o) => o.type === "kubernetes:kubeovn.io/v1:Subnet").map((o) => o.name);
  assert.equal(subnets.length, SUBNETS.length, `both Subnets are among the tenant's objects: ${subnets.join(", ")}`);
  assert.ok(
    tenantObjects.some((o) => o.type === "kubernetes:kubeovn.io/v1:Vpc"),
    tenantObjects.map((o) => o.name).join(", "),
  );
  assert.ok(
    tenantObjects.some((o) => o.type === "kubeovn:index:Teardown"),
    tenantObjects.map((o) => o.name).join(", "),
  );
  assertCreatedAfter(steps, "after-cluster", "kubeovn:index:ClusterNetwork");
  // The API server's timestamps have a resolution of one second: not earlier is what they can show.
  const created = await configMapCreated("after-tenant");
  for (const subnet of SUBNETS) {
    const ready = await subnetReadySince(subnet);
    assert.ok(
      created >= ready,
      `ConfigMap after-tenant created at ${new Date(created).toISOString()}, Subnet ${subnet} Ready since ${new Date(ready).toISOString()}`,
    );
  }
}

/** Nothing of the program is left in the cluster. */
async function assertGone(): Promise<void> {
  assert.deepEqual(
    (await ourObjects()).filter((o) => /ordering|ovn-vpc-external-network|public-a/.test(o)),
    [],
  );
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const left = (await core.listNamespacedConfigMap({ namespace: "default" })).items
    .map((c) => c.metadata?.name)
    .filter((n) => n === "after-tenant" || n === "after-cluster");
  assert.deepEqual(left, []);
}

describe("dependsOn a tenant or the cluster network waits for all of its objects, Subnets Ready included", function () {
  describe("TypeScript, the classes used directly", function () {
    let s: InlineStack;
    let deployed = false;

    before(async function () {
      const demo = loadDemo();
      s = await openInlineStack("ordering", async () => {
        const cluster = new ClusterNetwork("cluster", demo.cluster);
        const tenant = new TenantNetwork("ordering", { ...TENANT, cluster: cluster.info });
        const configMap = (name: string, dependsOn: ClusterNetwork | TenantNetwork) =>
          new k8sPulumi.core.v1.ConfigMap(
            name,
            { metadata: { name, namespace: "default" }, data: { "waits-for": name } },
            { dependsOn: [dependsOn] },
          );
        configMap("after-tenant", tenant);
        configMap("after-cluster", cluster);
      });
    });

    after(async function () {
      if (deployed) await s.stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
      s?.cleanup();
    });

    it("up creates the dependents only after every object of the tenant and of the cluster network", async function () {
      const events: EngineEvent[] = [];
      deployed = true;
      await s.stack.up({ onOutput: () => undefined, onEvent: (e) => events.push(e) });
      await assertOrdered(stepsOf(events));
    });

    it("destroy leaves nothing", async function () {
      await s.stack.destroy({ onOutput: () => undefined });
      deployed = false;
      await assertGone();
    });
  });

  describe("Python, through the plugin", function () {
    let stack: ExampleStack;
    let deployed = false;

    before(async function () {
      this.timeout(30 * 60_000); // a cold Python set-up downloads and installs for minutes
      stack = new ExampleStack(
        "python",
        preparePython(path.join(__dirname, "support", "examples", "ordering_program.py")),
      );
    });

    after(async function () {
      if (deployed) await stack.run("destroy").catch(() => undefined);
      stack?.cleanup();
    });

    it("up creates the dependents only after every object of the tenant and of the cluster network", async function () {
      deployed = true;
      const up = await stack.run("up");
      await assertOrdered(up.steps ?? []);
    });

    it("destroy leaves nothing", async function () {
      await stack.run("destroy");
      deployed = false;
      await assertGone();
    });
  });
});
