import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import type { KubeOvn } from "../../localcluster/kubeovn";
import type { PlannedObject } from "../../provider/core";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { openRawStack, releaseFinalizers } from "./support/raw";
import { leastPrivilegeKubeconfig } from "./support/rbac";
import { type DemoStack, getKubeOvn, openDemoStack, ourObjects } from "./support/stack";

const RAW_DELETE_TIMEOUT = "60s";

/** The same kind of objects as plain pulumi-kubernetes custom resources: a VPC with two subnets. */
const rawObjects: PlannedObject[] = [
  { id: "vpc", apiVersion: "kubeovn.io/v1", kind: "Vpc", metadata: { name: "raw" }, spec: {}, dependsOn: [] },
  ...[
    ["raw-web", "10.20.1.0/24"],
    ["raw-app", "10.20.2.0/24"],
  ].map(([name, cidr]) => ({
    id: name,
    apiVersion: "kubeovn.io/v1",
    kind: "Subnet",
    metadata: { name },
    spec: { vpc: "raw", cidrBlock: cidr, protocol: "IPv4", provider: "ovn" },
    dependsOn: ["vpc"],
  })),
];

/**
 * The demo reduced to the cluster network and tenant acme (two subnets), destroyed with a grace period
 * of `graceSeconds`: short where the controller is stopped, long where it is healthy but may be slow.
 */
async function acmeStack(name: string, kubeconfig: string, graceSeconds = 3): Promise<DemoStack> {
  const s = await openDemoStack(name);
  delete s.program.resources.globex;
  s.program.outputs = { acmeEips: "${acme.eipAddresses}" };
  s.program.config = { teardownKubeconfig: { type: "string", secret: true } };
  s.program.resources.acme.properties.teardown = { graceSeconds, kubeconfig: "${teardownKubeconfig}" };
  s.program.resources.cluster.properties.teardown = { graceSeconds, kubeconfig: "${teardownKubeconfig}" };
  s.write();
  await s.stack.setConfig("teardownKubeconfig", { value: kubeconfig, secret: true });
  return s;
}

/** Engine diagnostics of an operation: the warnings our teardown sent. */
function warningsOf(events: any[]): string[] {
  return events
    .filter((e) => e.diagnosticEvent?.severity === "warning")
    .map((e) => e.diagnosticEvent.message as string);
}

const acmeKinds = (objs: string[]) => objs.filter((o) => /acme/.test(o));

/** The NAT gateway's StatefulSet and pod, and the pod's IP object, where still present. */
async function gatewayWorkloadLeft(gateway: string): Promise<string[]> {
  const kc = kubeConfig();
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const gone = (e: unknown) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e));
  const name = `vpc-nat-gw-${gateway}`;
  const left = [
    (await apps.readNamespacedStatefulSet({ name, namespace: "kube-system" }).catch(gone)) && `StatefulSet/${name}`,
    (await core.readNamespacedPod({ name: `${name}-0`, namespace: "kube-system" }).catch(gone)) && `Pod/${name}-0`,
    (await custom
      .getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "ips", name: `${name}-0.kube-system` })
      .catch(gone)) && `IP/${name}-0.kube-system`,
  ];
  return left.filter((x): x is string => !!x);
}

describe("safe teardown: destroy never leaves a subnet behind", function () {
  let controller: KubeOvn;
  let creds: { kubeconfig: string; token: string };

  before(async function () {
    creds = await leastPrivilegeKubeconfig();
  });

  beforeEach(async function () {
    controller = kubeOvn();
  });

  afterEach(async function () {
    await controller.controller.start(); // back for the next test, had this one stopped it
  });

  it("controller healthy: it releases everything itself, nothing is forced", async function () {
    // A healthy controller on a busy machine can take more than a few seconds to release an EIP (it
    // calls into the gateway pod first); what counts here is that it releases everything itself.
    const s = await acmeStack("healthy", creds.kubeconfig, 60);
    try {
      await s.stack.up({ onOutput: () => undefined });
      await controller.settled();
      assert.ok(acmeKinds(await ourObjects()).length > 5);
      const events: any[] = [];
      await s.stack.destroy({ onEvent: (e) => events.push(e) });
      assert.deepEqual(
        warningsOf(events).filter((w) => /removed finalizer|deleted StatefulSet/.test(w)),
        [],
      );
      assert.deepEqual(acmeKinds(await ourObjects()), []);
      assert.deepEqual(await gatewayWorkloadLeft("acme--nat"), []);
    } finally {
      s.cleanup();
    }
  });

  it("controller dead: ours takes seconds and says what it forced, where plain pulumi-kubernetes hangs until its delete timeout", async function () {
    const ours = await acmeStack("dead", creds.kubeconfig);
    const raw = await openRawStack("raw", rawObjects, { deleteTimeout: RAW_DELETE_TIMEOUT });
    try {
      await ours.stack.up({ onOutput: () => undefined });
      await raw.stack.up({ onOutput: () => undefined });
      await controller.settled();
      await controller.controller.stop();

      // Plain custom resources: the delete waits for finalizers nobody removes, then fails.
      let started = Date.now();
      await assert.rejects(raw.stack.destroy({ onOutput: () => undefined }), /finalizers|timed out|timeout/i);
      const rawSeconds = (Date.now() - started) / 1000;
      const stuck = await getKubeOvn("subnets", "raw-web");
      assert.ok(stuck.metadata.deletionTimestamp, "the raw subnet is left Terminating");

      // Ours: the tenant (two subnets) and then the cluster network.
      const events: any[] = [];
      started = Date.now();
      await ours.stack.destroy({ onEvent: (e) => events.push(e) });
      const oursSeconds = (Date.now() - started) / 1000;
      const warnings = warningsOf(events).filter((w) => /removed finalizer/.test(w));
      assert.ok(
        warnings.some((w) => /Subnet\/acme--web/.test(w)),
        warnings.join("\n"),
      );
      assert.ok(
        warnings.some((w) => /Subnet\/acme--app/.test(w)),
        warnings.join("\n"),
      );
      assert.ok(
        warnings.some((w) => /Vpc\/acme--vpc/.test(w)),
        warnings.join("\n"),
      );
      assert.ok(
        warnings.every((w) => /controller absent or unhealthy|kept subnet/.test(w)),
        warnings.join("\n"),
      );
      assert.deepEqual(acmeKinds(await ourObjects()), []);
      // The controller, dead, never deleted the NAT gateway's workload: the teardown did.
      assert.ok(
        warningsOf(events).some((w) => /deleted StatefulSet kube-system\/vpc-nat-gw-acme--nat/.test(w)),
        warningsOf(events).join("\n"),
      );
      assert.deepEqual(await gatewayWorkloadLeft("acme--nat"), []);
      assert.ok(oursSeconds < rawSeconds, `ours ${oursSeconds}s, raw ${rawSeconds}s`);
      process.stderr.write(
        `      [e2e] dead controller: plain pulumi-kubernetes failed after ${rawSeconds.toFixed(1)}s (delete timeout ${RAW_DELETE_TIMEOUT}, objects left Terminating); ` +
          `ours destroyed tenant + cluster network in ${oursSeconds.toFixed(1)}s, ${warnings.length} finalizers forced\n`,
      );
    } finally {
      await releaseFinalizers(rawObjects);
      ours.cleanup();
      raw.cleanup();
    }
  });

  it("leftover IP objects keep a subnet alive: they are cleaned up first", async function () {
    const s = await acmeStack("leftover", creds.kubeconfig);
    try {
      await s.stack.up({ onOutput: () => undefined });
      // A pod's IP object in acme-web, as kube-ovn-controller names them (<pod>.<namespace>).
      const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
      await api.createClusterCustomObject({
        group: "kubeovn.io",
        version: "v1",
        plural: "ips",
        body: {
          apiVersion: "kubeovn.io/v1",
          kind: "IP",
          metadata: { name: "web-0.acme-web" },
          spec: { podName: "web-0", namespace: "acme-web", subnet: "acme--web", podType: "" },
        },
      });
      await controller.settled();
      const ip: any = await api.getClusterCustomObject({
        group: "kubeovn.io",
        version: "v1",
        plural: "ips",
        name: "web-0.acme-web",
      });
      assert.ok(ip.metadata.finalizers?.length, "the controller finalized the pod IP");
      await s.stack.destroy({ onOutput: () => undefined });
      const left = (await api.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "ips" })) as any;
      assert.deepEqual(
        left.items.filter((i: any) => /^acme--/.test(i.spec.subnet)).map((i: any) => i.metadata.name),
        [],
      );
      assert.deepEqual(acmeKinds(await ourObjects()), []);
    } finally {
      s.cleanup();
    }
  });

  it("uninstall: the controller disappears first, then the tenant is destroyed; nothing remains", async function () {
    const s = await acmeStack("uninstall", creds.kubeconfig);
    try {
      await s.stack.up({ onOutput: () => undefined });
      await controller.settled();
      await controller.controller.start(); // back for the next test, had this one stopped it // as a Helm uninstall removes kube-ovn-controller
      await s.stack.destroy({ onOutput: () => undefined });
      assert.deepEqual(acmeKinds(await ourObjects()), []);
      // The teardown credentials are secrets in the state, never plain text.
      const state = JSON.stringify(await s.stack.exportStack());
      assert.ok(!state.includes(creds.token), "the teardown token appears in plain text in the state");
    } finally {
      s.cleanup();
    }
  });
});
