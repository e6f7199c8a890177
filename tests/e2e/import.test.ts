import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as YAML from "yaml";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { CLAIM_NAMESPACE, claimName } from "../../provider/core/claims";
import { type RawObject, brownfieldObjects } from "../support/brownfield";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { gatewayCommands } from "./support/kube-ovn-state";
import { type Run, explain, fleetEnv, runFleetCli } from "./support/fleet-cli";
import { PLURAL, getKubeOvn, ourObjects } from "./support/stack";

/**
 * Adopting a running tenant network: Kube-OVN objects applied by hand, as a user would have them, are
 * imported by `kubeovn-tenants import` and `apply` into stacks without being recreated; afterwards a
 * plan shows no change and no address moved, an edit through the fleet file applies, and destroy
 * through the product leaves nothing of the network.
 */
describe("kubeovn-tenants import: adopting what a cluster has", function () {
  let controller: KubeOvn;
  let dir: string;
  let env: { [k: string]: string };
  const objects = brownfieldObjects();
  const cli = (...args: string[]): Promise<Run> => runFleetCli(dir, env, args);
  const objectApi = () => k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
  const exists = (o: RawObject) =>
    objectApi()
      .read({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata })
      .then(
        () => true,
        () => false,
      );
  const addresses = async () => ({
    front: (await getKubeOvn("iptables-eips", "shop-front")).spec.v4ip,
    interconnect: (await getKubeOvn("iptables-eips", "shop-gw-ext")).spec.v4ip,
  });

  before(async function () {
    controller = kubeOvn();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-import-"));
    env = fleetEnv(dir);
    // As a user applies them: one by one, in order, with no labels of ours.
    for (const o of objects) await objectApi().create(o as k8s.KubernetesObject);
    await controller.settled();
  });

  after(async function () {
    if (dir) {
      await cli("-f", "fleet.yaml", "destroy", "shop");
      await cli("-f", "fleet.yaml", "destroy", "cluster");
    }
    // Whatever a failed step left: the hand-made objects, then the adopted namespace (adopted
    // namespaces are never deleted by the product).
    for (const o of [...objects].reverse())
      await objectApi()
        .delete(o as k8s.KubernetesObject)
        .catch(() => undefined);
    const left = await ourObjects();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(left, [], "none of our objects may be left on the shared control plane");
  });

  it("import writes a fleet file keeping every name and address, adopt: the existing objects", async function () {
    const r = await cli("import", "shop", "--out", "fleet.yaml", "--report", "import.md");
    assert.equal(r.code, 0, explain(r));
    const fleet = YAML.parse(fs.readFileSync(path.join(dir, "fleet.yaml"), "utf8"));
    assert.deepEqual(fleet.cluster.adopt, [
      "interconnect/attachment",
      "interconnect/subnet",
      "eip-pool/brownfield-pool",
    ]);
    assert.deepEqual(
      fleet.tenants.map((t: { tenant: string }) => t.tenant),
      ["shop"],
    );
    const shop = fleet.tenants[0];
    assert.deepEqual(shop.adopt, {
      vpc: "shop",
      "subnet/web": "shop-web",
      "nat-gateway": "shop-gw",
      "eip/interconnect": "shop-gw-ext",
      "eip/front": "shop-front",
      "snat/out": "shop-out",
      "dnat/https": "shop-https",
    });
    assert.equal(shop.natGateway.interconnectIp, "172.31.60.20");
    assert.deepEqual(shop.eips, [{ name: "front", pool: "brownfield-pool", v4ip: "203.0.113.50" }]);
    assert.deepEqual(shop.namespaces, [{ name: "shop-web", adopt: true }]);
    assert.match(fs.readFileSync(path.join(dir, "import.md"), "utf8"), /1 tenant\(s\) adopted:\n- shop: /);
  });

  it("apply imports every object without recreating it; the next plan shows no change and no address moved", async function () {
    const kubeOvnObjects = objects.filter((x) => PLURAL[x.kind]);
    const uids = new Map<RawObject, string>();
    for (const o of kubeOvnObjects) uids.set(o, (await getKubeOvn(PLURAL[o.kind], o.metadata.name)).metadata.uid);
    const before = await addresses();
    // The gateway's StatefulSet (its pod template) and the calls into its pod: the import must not
    // restart the gateway nor take any of its addresses or rules away.
    const apps = kubeConfig().makeApiClient(k8s.AppsV1Api);
    const gatewaySet = () => apps.readNamespacedStatefulSet({ name: "vpc-nat-gw-shop-gw", namespace: "kube-system" });
    const generation = (await gatewaySet()).metadata?.generation;
    const since = new Date();

    const r = await cli("-f", "fleet.yaml", "apply");
    assert.equal(r.code, 0, explain(r));
    await controller.settled();
    assert.equal((await gatewaySet()).metadata?.generation, generation, "the NAT gateway's pod template changed");
    const calls = gatewayCommands("shop-gw", since);
    assert.deepEqual(
      calls.filter((c) => /-del\b/.test(c)),
      [],
      `the import took something off the gateway: ${calls.join("; ")}`,
    );
    // The same objects (same uids), now ours, with the same addresses, held as claims.
    for (const [raw, uid] of uids) {
      const { kind, metadata } = raw;
      const o = await getKubeOvn(PLURAL[kind], metadata.name);
      assert.equal(o.metadata.uid, uid, `${kind} ${metadata.name} was recreated`);
      assert.equal(o.metadata.labels?.["app.kubernetes.io/managed-by"], "pulumi-kubeovn", `${kind} ${metadata.name}`);
    }
    assert.deepEqual(await addresses(), before);
    const leases = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    for (const [range, address] of [
      ["brownfield-pool", "203.0.113.50"],
      ["ovn-vpc-external-network", "172.31.60.20"],
    ]) {
      const lease = await leases.readNamespacedLease({ name: claimName(range, address), namespace: CLAIM_NAMESPACE });
      assert.match(lease.spec?.holderIdentity ?? "", /^shop\//);
    }

    const plan = await cli("-f", "fleet.yaml", "plan", "--json", "plan.json");
    const planned = fs.existsSync(path.join(dir, "plan.json"))
      ? fs.readFileSync(path.join(dir, "plan.json"), "utf8")
      : "";
    assert.equal(
      plan.code,
      0,
      `a plan after the import must show no change\n${explain(plan)}\n${planned.slice(0, 6000)}`,
    );
    assert.deepEqual(await addresses(), before);
  });

  it("an edit through the fleet file applies cleanly; destroy through the product leaves nothing", async function () {
    const file = path.join(dir, "fleet.yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8"));
    doc.tenants[0].dnatRules.push({
      name: "http",
      eip: "front",
      protocol: "tcp",
      externalPort: 80,
      internalIp: "10.60.1.10",
      internalPort: 8080,
    });
    fs.writeFileSync(file, YAML.stringify(doc));
    const r = await cli("-f", "fleet.yaml", "apply");
    assert.equal(r.code, 0, explain(r));
    const http = await getKubeOvn("iptables-dnat-rules", "shop--http");
    assert.equal(http.spec.eip, "shop-front");
    assert.equal(http.spec.externalPort, "80");
    const again = await cli("-f", "fleet.yaml", "plan");
    assert.equal(again.code, 0, explain(again));

    for (const stack of ["shop", "cluster"]) {
      const d = await cli("-f", "fleet.yaml", "destroy", stack);
      assert.equal(d.code, 0, explain(d));
    }
    assert.deepEqual(await ourObjects(), []);
    const kubeOvnLeft = [];
    for (const o of objects.filter((x) => x.kind !== "Namespace"))
      if (await exists(o)) kubeOvnLeft.push(`${o.kind}/${o.metadata.name}`);
    assert.deepEqual(kubeOvnLeft, [], "every adopted network object is gone");
    // The namespace existed before and holds workloads: adopted, it stays, without our marks.
    const ns = await kubeConfig().makeApiClient(k8s.CoreV1Api).readNamespace({ name: "shop-web" });
    assert.equal(ns.metadata?.labels?.["pulumi-kubeovn/tenant"], undefined);
  });
});
