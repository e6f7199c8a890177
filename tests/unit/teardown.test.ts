import { strict as assert } from "node:assert";
import { planCluster, planTenant } from "../../provider/core";
import { natGatewayWorkload, teardownPhases, teardownScope } from "../../provider/core/teardown";
import { checkTeardown, diffTeardown, removedObjects } from "../../provider/kube/teardown-resource";
import { loadDemo } from "../support/demo";

const demo = loadDemo();
const plan = planTenant(demo.tenants[0], planCluster(demo.cluster).info);
const objects = teardownScope(plan.objects);

describe("teardown planning", () => {
  it("takes a tenant apart in the safe order: rules, EIPs, NAT gateway, subnets, VPC", () => {
    const phases = teardownPhases(objects).map((p) => [...new Set(p.map((o) => o.kind))].sort().join("+"));
    assert.deepEqual(phases, ["IptablesDnatRule+IptablesSnatRule", "IptablesEIP", "VpcNatGateway", "Subnet", "Vpc"]);
  });

  it("names the NAT gateway's workload as kube-ovn-controller does: StatefulSet vpc-nat-gw-<gateway> and its pod, in kube-system", () => {
    const gw = plan.objects.find((o) => o.kind === "VpcNatGateway")!.metadata.name;
    assert.deepEqual(natGatewayWorkload(gw), {
      statefulSet: {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        name: "vpc-nat-gw-acme--nat",
        namespace: "kube-system",
      },
      pod: { apiVersion: "v1", kind: "Pod", name: "vpc-nat-gw-acme--nat-0", namespace: "kube-system" },
    });
  });

  it("covers every Kube-OVN object of the tenant and leaves namespaces to Kubernetes", () => {
    const kinds = objects.map((o) => o.kind);
    assert.equal(objects.length, plan.objects.filter((o) => o.kind !== "Namespace").length);
    assert.ok(!kinds.includes("Namespace"));
  });

  it("on update, tears down exactly the objects dropped from the tenant", () => {
    const props = { owner: "acme", objects, graceSeconds: 10, kubeconfig: "k" };
    const fewer = { ...props, objects: objects.filter((o) => o.name !== "acme--https" && o.name !== "acme--web") };
    assert.deepEqual(
      removedObjects(props, fewer).map((o) => `${o.kind}/${o.name}`),
      ["Subnet/acme--web", "IptablesEIP/acme--web", "IptablesDnatRule/acme--https"],
    );
    assert.deepEqual(removedObjects(props, props), []);
    assert.deepEqual(diffTeardown(props, props), { changes: false, replaces: [] });
    assert.equal(diffTeardown(props, fewer).changes, true);
  });

  it("refuses a bad grace period with the value", () => {
    const r = checkTeardown({ owner: "acme", objects: [], graceSeconds: -1, kubeconfig: "k" });
    assert.deepEqual(r.failures, [
      { property: "graceSeconds", reason: "must be a number of seconds from 0 to 3600, got -1" },
    ]);
  });

  it("accepts objects and credentials unknown at preview, and still refuses them missing", () => {
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's mark for a value unknown at preview
    assert.deepEqual(
      checkTeardown({ owner: "acme", objects: unknown, graceSeconds: 10, kubeconfig: unknown }).failures,
      [],
    );
    assert.deepEqual(
      (checkTeardown({ owner: "acme", objects: undefined, graceSeconds: 10, kubeconfig: "" }).failures ?? []).map(
        (f) => f.property,
      ),
      ["objects", "kubeconfig"],
    );
  });
});

describe("teardown runner", () => {
  /** An in-memory API server: deletes of objects without finalizers take effect at once, except the ones `lose` names, whose first delete does not take. */
  function memoryApi(objs: { kind: string; name: string }[], lose: Set<string>) {
    const store = new Map<string, any>(
      objs.map((o) => [
        `${o.kind}/${o.name}`,
        { apiVersion: "kubeovn.io/v1", kind: o.kind, metadata: { name: o.name } },
      ]),
    );
    const deletes: string[] = [];
    const notFound = () => Object.assign(new Error("not found"), { code: 404 });
    return {
      deletes,
      api: {
        read: async (o: any) => {
          const found = store.get(`${o.kind}/${o.metadata.name}`);
          if (!found) throw notFound();
          return structuredClone(found);
        },
        delete: async (o: any) => {
          const key = `${o.kind}/${o.metadata.name}`;
          if (!store.has(key)) throw notFound();
          deletes.push(key);
          if (lose.delete(key)) return;
          store.delete(key);
        },
        list: async () => ({ items: [] }),
        patch: async () => undefined,
      },
    };
  }
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]",
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
  ].join("\n");

  it("deletes again an object that is still there and not being deleted (a delete that did not take), and names it when it stays", async () => {
    const { TeardownRunner } = await import("../../provider/kube/teardown");
    const eip = { apiVersion: "kubeovn.io/v1", kind: "IptablesEIP", name: "acme-interconnect" };
    const runner = new TeardownRunner({
      kubeconfig,
      graceSeconds: 0,
      settleSeconds: 0,
      pollMs: 1,
      warn: () => undefined,
    });
    const mem = memoryApi([eip], new Set(["IptablesEIP/acme-interconnect"]));
    (runner as any).api = mem.api;
    const report = await runner.run([eip]);
    assert.deepEqual(report.deleted, ["IptablesEIP/acme-interconnect"]);
    assert.deepEqual(mem.deletes, ["IptablesEIP/acme-interconnect", "IptablesEIP/acme-interconnect"]);

    // A delete that never takes is an error naming the object as not being deleted.
    const stuck = memoryApi([eip], new Set());
    stuck.api.delete = async (o: any) => void stuck.deletes.push(`${o.kind}/${o.metadata.name}`);
    const again = new TeardownRunner({
      kubeconfig,
      graceSeconds: 0,
      settleSeconds: 0,
      pollMs: 1,
      warn: () => undefined,
    });
    (again as any).api = stuck.api;
    await assert.rejects(again.run([eip]), /IptablesEIP\/acme-interconnect \(finalizers: none, not being deleted\)/);
  });
});
