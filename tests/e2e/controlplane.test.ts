// The local control plane behaves like the API side of a real Kube-OVN cluster: the CRDs are
// served with their schemas enforced, the built-in objects exist, and stopping leaves nothing behind.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as k8s from "@kubernetes/client-node";
import { type ControlPlane, httpGet, startControlPlane } from "../../localcluster/controlplane";
import { getCluster, kubeConfig } from "./support/cluster";

const KUBEOVN = { group: "kubeovn.io", version: "v1" };

/** GET an API path on `cp` with its CA and admin token; parsed JSON. */
async function apiGet(cp: ControlPlane, path: string): Promise<any> {
  const ca = Buffer.from(cp.caData, "base64").toString("utf8");
  return JSON.parse(await httpGet(`${cp.server}${path}`, { ca, token: cp.token }));
}

/** Pids of processes whose command line mentions `marker` (our data dir is in every argument list). */
function processesMentioning(marker: string): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(marker);
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

describe("local control plane", () => {
  it("serves the Kube-OVN and Multus CRDs this product creates", async () => {
    const cp = getCluster();
    const kubeovn = (await apiGet(cp, "/apis/kubeovn.io/v1")).resources.map((r: { kind: string }) => r.kind);
    for (const kind of [
      "Subnet",
      "Vpc",
      "VpcNatGateway",
      "IptablesEIP",
      "IptablesSnatRule",
      "IptablesDnatRule",
      "IptablesFIPRule",
    ]) {
      assert.ok(kubeovn.includes(kind), `kubeovn.io/v1 ${kind} not served (served: ${kubeovn.join(", ")})`);
    }
    const multus = (await apiGet(cp, "/apis/k8s.cni.cncf.io/v1")).resources.map((r: { kind: string }) => r.kind);
    assert.ok(multus.includes("NetworkAttachmentDefinition"), `k8s.cni.cncf.io/v1: ${multus.join(", ")}`);

    // Served means usable, not just listed.
    const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const subnets = (await custom.listClusterCustomObject({ ...KUBEOVN, plural: "subnets" })) as {
      items: { metadata: { name: string } }[];
    };
    const names = subnets.items.map((s) => s.metadata.name);
    assert.ok(
      names.includes("join") && names.includes("ovn-default"),
      `the controller's own subnets: ${names.join(", ")}`,
    );
    const nads = await custom.listNamespacedCustomObject({
      group: "k8s.cni.cncf.io",
      version: "v1",
      namespace: "default",
      plural: "network-attachment-definitions",
    });
    assert.deepEqual(nads.items, []);
  });

  it("enforces the Subnet schema: unknown fields pruned (or rejected under Strict), wrong types rejected", async () => {
    const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const subnet = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: "kubeovn.io/v1",
      kind: "Subnet",
      metadata: { name },
      spec: { protocol: "IPv4", cidrBlock: "10.200.0.0/24", gateway: "10.200.0.1", ...spec },
    });
    // client-node's ApiException: HTTP status in `code`, the Status object as a JSON string in `body`
    const rejected = (status: number, message: RegExp) => (e: unknown) => {
      const { code, body } = e as { code?: number; body?: string };
      assert.equal(code, status, String(e));
      assert.match(JSON.parse(body ?? "{}").message ?? "", message);
      return true;
    };

    await assert.rejects(
      custom.createClusterCustomObject({
        ...KUBEOVN,
        plural: "subnets",
        body: subnet("strict", { bogusField: 1 }),
        fieldValidation: "Strict",
      }),
      rejected(400, /unknown field "spec\.bogusField"/),
    );
    await assert.rejects(
      custom.createClusterCustomObject({ ...KUBEOVN, plural: "subnets", body: subnet("badtype", { private: "yes" }) }),
      rejected(422, /spec\.private: Invalid value: "string": spec\.private in body must be of type boolean/),
    );

    // Default field validation (Warn) stores the object without the field the schema lacks.
    await custom.createClusterCustomObject({
      ...KUBEOVN,
      plural: "subnets",
      body: subnet("pruned", { bogusField: 1 }),
    });
    try {
      const stored = await custom.getClusterCustomObject({ ...KUBEOVN, plural: "subnets", name: "pruned" });
      assert.equal(stored.spec.cidrBlock, "10.200.0.0/24");
      assert.equal("bogusField" in stored.spec, false, "unknown field was stored, not pruned");
    } finally {
      await custom.deleteClusterCustomObject({ ...KUBEOVN, plural: "subnets", name: "pruned" });
    }
  });

  it("has what kube-apiserver itself creates: the namespaces and the kubernetes Service in 10.96.0.0/12", async () => {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    for (const name of ["default", "kube-system", "kube-public"]) {
      assert.equal((await core.readNamespace({ name })).status?.phase, "Active", name);
    }
    const svc = await core.readNamespacedService({ name: "kubernetes", namespace: "default" });
    const octets = (svc.spec?.clusterIP ?? "").split(".").map(Number);
    assert.equal(octets.length, 4, `clusterIP ${svc.spec?.clusterIP}`);
    // 10.96.0.0/12 = 10.96.0.0 - 10.111.255.255
    assert.ok(
      octets[0] === 10 && octets[1] >= 96 && octets[1] <= 111,
      `clusterIP ${svc.spec?.clusterIP} outside 10.96.0.0/12`,
    );
  });

  describe("a second, separate control plane", () => {
    let cp: ControlPlane | undefined;
    before(async () => {
      cp = await startControlPlane({ binDir: process.env.KUBEOVN_BIN_DIR, log: () => undefined });
    });
    after(async () => cp?.stop()); // a no-op when the test below already stopped it

    it("restarts kube-apiserver (down for a while) on the same address, certificates and data", async () => {
      const custom = kubeConfig(cp).makeApiClient(k8s.CustomObjectsApi);
      const body = { apiVersion: "kubeovn.io/v1", kind: "Vpc", metadata: { name: "survivor" }, spec: {} };
      await custom.createClusterCustomObject({ ...KUBEOVN, plural: "vpcs", body });
      const before = { server: cp!.server, pid: cp!.pids.kubeApiserver };

      const restarted = cp!.restartApiServer(3000);
      await new Promise((r) => setTimeout(r, 1500)); // SIGTERM to exit takes well under a second
      const ca = Buffer.from(cp!.caData, "base64").toString("utf8");
      await assert.rejects(
        httpGet(`${cp!.server}/readyz`, { ca, token: cp!.token }),
        /ECONNREFUSED/,
        "API still up while down",
      );
      await restarted;

      assert.equal(cp!.server, before.server);
      assert.notEqual(cp!.pids.kubeApiserver, before.pid);
      // The old kubeconfig (same CA, same token) still works, and etcd kept the object.
      const vpc = await kubeConfig(cp)
        .makeApiClient(k8s.CustomObjectsApi)
        .getClusterCustomObject({ ...KUBEOVN, plural: "vpcs", name: "survivor" });
      assert.equal(vpc.metadata.name, "survivor");
    });

    it("stop() leaves no process (etcd, kube-apiserver, kube-controller-manager, OVN NB/SB, kwok, kube-ovn-controller) and no data behind", async () => {
      const { dataDir } = cp!;
      const pids = {
        ...cp!.pids,
        ...Object.fromEntries(cp!.kubeOvn!.pids().map((p, i) => [`kube-ovn process ${i}`, p])),
      };
      assert.ok(fs.existsSync(dataDir));
      assert.equal(
        processesMentioning(dataDir).length,
        7,
        "expected etcd, kube-apiserver, kube-controller-manager, two ovsdb-servers, kwok and kube-ovn-controller running",
      );

      await cp!.stop();

      for (const [name, pid] of Object.entries(pids)) {
        assert.throws(() => process.kill(pid, 0), /ESRCH/, `${name} (pid ${pid}) still running`);
      }
      assert.deepEqual(processesMentioning(dataDir), []);
      assert.equal(fs.existsSync(dataDir), false, `${dataDir} still exists`);
      // The shared control plane is untouched.
      const shared = getCluster();
      const ca = Buffer.from(shared.caData, "base64").toString("utf8");
      assert.equal((await httpGet(`${shared.server}/readyz`, { ca, token: shared.token })).trim(), "ok");
    });
  });
});
