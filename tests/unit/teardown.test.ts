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
      statefulSet: { apiVersion: "apps/v1", kind: "StatefulSet", name: "vpc-nat-gw-acme", namespace: "kube-system" },
      pod: { apiVersion: "v1", kind: "Pod", name: "vpc-nat-gw-acme-0", namespace: "kube-system" },
    });
  });

  it("covers every Kube-OVN object of the tenant and leaves namespaces to Kubernetes", () => {
    const kinds = objects.map((o) => o.kind);
    assert.equal(objects.length, plan.objects.filter((o) => o.kind !== "Namespace").length);
    assert.ok(!kinds.includes("Namespace"));
  });

  it("on update, tears down exactly the objects dropped from the tenant", () => {
    const props = { owner: "acme", objects, graceSeconds: 10, kubeconfig: "k" };
    const fewer = { ...props, objects: objects.filter((o) => o.name !== "acme-dnat-https" && o.name !== "acme-web") };
    assert.deepEqual(
      removedObjects(props, fewer).map((o) => `${o.kind}/${o.name}`),
      ["Subnet/acme-web", "IptablesEIP/acme-web", "IptablesDnatRule/acme-dnat-https"],
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
