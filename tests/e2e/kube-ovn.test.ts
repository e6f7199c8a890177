// The real Kube-OVN control plane the local cluster runs (kube-ovn-controller v1.16.2, OVN NB/SB,
// kwok): what the controller itself does with objects that are not ours, the behaviour our planner
// and teardown rely on, recorded by the controller rather than by our reading of its code.
import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { nbNames } from "./support/kube-ovn-state";

const G = { group: "kubeovn.io", version: "v1" };
const FIN = "kubeovn.io/kube-ovn-controller";
const PREFIX = "kovn-";
type Obj = any;

describe("the real kube-ovn-controller", function () {
  let crd: k8s.CustomObjectsApi;

  const get = (plural: string, name: string): Promise<Obj | undefined> =>
    crd
      .getClusterCustomObject({ ...G, plural, name })
      .catch((e) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)));
  const create = (plural: string, kind: string, name: string, spec: Obj, extra: Obj = {}) =>
    crd.createClusterCustomObject({
      ...G,
      plural,
      body: { apiVersion: "kubeovn.io/v1", kind, metadata: { name, ...extra }, spec },
    });
  const del = (plural: string, name: string) =>
    crd
      .deleteClusterCustomObject({ ...G, plural, name })
      .catch((e) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)));
  const condition = (o: Obj, type: string) => (o?.status?.conditions ?? []).find((c: Obj) => c.type === type);
  const waitUntil = async (check: () => Promise<boolean>, ms: number) => {
    for (const deadline = Date.now() + ms; !(await check()); ) {
      if (Date.now() > deadline) throw new Error(`not within ${ms / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  before(function () {
    crd = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  });

  after(async function () {
    this.timeout(120_000);
    await kubeOvn().controller.start();
    for (const s of ["overlap", "dead", "net"]) await del("subnets", `${PREFIX}${s}`);
    await kubeOvn().settled();
    await del("vpcs", `${PREFIX}vpc`);
    await kubeOvn().settled();
  });

  it("runs as part of the control plane: its default VPC and subnets are Ready and in OVN", async function () {
    const vpc = await get("vpcs", "ovn-cluster");
    assert.equal(vpc.status.standby, true);
    assert.equal(vpc.status.default, true);
    for (const name of ["join", "ovn-default"])
      assert.equal(condition(await get("subnets", name), "Ready")?.status, "True", name);
    assert.ok((await nbNames("Logical_Router")).includes("ovn-cluster"));
    const switches = await nbNames("Logical_Switch");
    assert.ok(switches.includes("join") && switches.includes("ovn-default"), switches.join(", "));
  });

  it("finalizes a custom VPC and its subnet, and rewrites a CIDR with host bits to its network", async function () {
    await create("vpcs", "Vpc", `${PREFIX}vpc`, {});
    await create("subnets", "Subnet", `${PREFIX}net`, {
      vpc: `${PREFIX}vpc`,
      cidrBlock: "10.77.1.9/24",
      protocol: "IPv4",
    });
    await kubeOvn().settled();
    const subnet = await get("subnets", `${PREFIX}net`);
    assert.deepEqual(subnet.metadata.finalizers, [FIN]);
    assert.equal(
      subnet.spec.cidrBlock,
      "10.77.1.0/24",
      "the controller rewrites the CIDR (why our planner refuses host bits)",
    );
    assert.equal(subnet.spec.gateway, "10.77.1.1");
    assert.equal(condition(subnet, "Ready")?.status, "True");
    assert.deepEqual((await get("vpcs", `${PREFIX}vpc`)).metadata.finalizers, [FIN]);
    assert.ok((await nbNames("Logical_Router")).includes(`${PREFIX}vpc`));
  });

  it("accepts an overlapping Subnet, leaves it not Ready, and after a restart refuses the default subnet too", async function () {
    await create("subnets", "Subnet", `${PREFIX}overlap`, { cidrBlock: "10.16.5.0/24", protocol: "IPv4" });
    await kubeOvn().settled();
    const s = await get("subnets", `${PREFIX}overlap`);
    assert.ok(/conflict/i.test(JSON.stringify(s.status?.conditions)), JSON.stringify(s.status?.conditions));
    assert.notEqual(condition(s, "Ready")?.status, "True");
    assert.equal(condition(await get("subnets", "ovn-default"), "Ready")?.status, "True");

    // At its next start the controller validates every subnet again, ovn-default included: an
    // overlap the API server let in now takes the cluster's default subnet down with it.
    await kubeOvn().controller.kill();
    await kubeOvn().controller.start();
    await kubeOvn().settled();
    const ovnDefault = condition(await get("subnets", "ovn-default"), "Ready");
    assert.equal(ovnDefault?.status, "False", JSON.stringify(ovnDefault));
    assert.ok(
      /conflict with subnet kovn-overlap/.test(JSON.stringify((await get("subnets", "ovn-default")).status.conditions)),
    );

    await del("subnets", `${PREFIX}overlap`);
    await waitUntil(async () => condition(await get("subnets", "ovn-default"), "Ready")?.status === "True", 60_000);
  });

  it("dead means the process is stopped: a deleted Subnet stays Terminating until the controller is back", async function () {
    await create("subnets", "Subnet", `${PREFIX}dead`, {
      vpc: `${PREFIX}vpc`,
      cidrBlock: "10.77.2.0/24",
      protocol: "IPv4",
    });
    await kubeOvn().settled();
    await kubeOvn().controller.stop();
    assert.equal(kubeOvn().controller.running, false);
    await del("subnets", `${PREFIX}dead`);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(
      (await get("subnets", `${PREFIX}dead`))?.metadata.deletionTimestamp,
      "subnet hangs in Terminating while the controller is down",
    );

    await kubeOvn().controller.start();
    await kubeOvn().settled();
    assert.equal(await get("subnets", `${PREFIX}dead`), undefined);
  });

  it("a killed controller starts again and finishes what was pending", async function () {
    await kubeOvn().controller.kill();
    await del("subnets", `${PREFIX}net`);
    await kubeOvn().controller.start();
    await kubeOvn().settled();
    assert.equal(await get("subnets", `${PREFIX}net`), undefined);
    const t0 = Date.now();
    await waitUntil(async () => !(await nbNames("Logical_Switch")).includes(`${PREFIX}net`), 60_000).catch(
      async (e) => {
        throw new Error(`${e.message}: ${(await nbNames("Logical_Switch")).join(", ")}`);
      },
    );
    process.stderr.write(
      `      [e2e] logical switch gone ${((Date.now() - t0) / 1000).toFixed(1)}s after the Subnet\n`,
    );
  });
});
