/**
 * Which objects a replacement carries with it: a NAT rule goes with its EIP, a NAT gateway with its
 * subnet, transitively and in creation order, because the controller will not release an EIP a rule
 * still uses nor a subnet a gateway pod still holds an address in.
 */
import { strict as assert } from "node:assert";
import {
  API,
  type PlannedObject,
  creationOrder,
  planCluster,
  planTenant,
  replacementClosure,
} from "../../provider/core";
import { loadDemo } from "../support/demo";

const demo = loadDemo();
const cluster = planCluster(demo.cluster);
const acme = planTenant(demo.tenants[0], cluster.info);
const globex = planTenant(demo.tenants[1], cluster.info);
const byId = (objects: PlannedObject[], id: string) => {
  const o = objects.find((x) => x.id === id);
  assert.ok(o, `no object ${id}`);
  return o;
};
const obj = (id: string, dependsOn: string[], replacedWith?: string[]): PlannedObject => ({
  id,
  apiVersion: API.core,
  kind: "ConfigMap",
  metadata: { name: id },
  dependsOn,
  ...(replacedWith ? { replacedWith } : {}),
});

describe("replacements: what is replaced together, and in which order", () => {
  it("every NAT rule is replaced with the EIP it names", () => {
    for (const plan of [acme, globex]) {
      const rules = plan.objects.filter((o) => /^(snat|dnat|fip)\//.test(o.id));
      assert.ok(rules.length > 0);
      for (const r of rules) {
        const eip = plan.objects.find((o) => o.kind === "IptablesEIP" && o.metadata.name === r.spec?.eip);
        assert.ok(eip, `${r.id} names an EIP of the plan`);
        assert.deepEqual(r.replacedWith, [eip.id], r.id);
      }
    }
    assert.deepEqual(replacementClosure(acme.objects).get("dnat/https"), ["eip/web"]);
    assert.deepEqual(replacementClosure(acme.objects).get("snat/app-out"), ["eip/egress"]);
  });

  it("the NAT gateway is replaced with the subnet its pod takes its address from; EIPs stay (the controller gives a new pod them again)", () => {
    assert.deepEqual(byId(acme.objects, "nat-gateway").replacedWith, ["subnet/web"]);
    assert.deepEqual(byId(globex.objects, "nat-gateway").replacedWith, ["subnet/main"]);
    const closure = replacementClosure(acme.objects);
    for (const id of ["eip/interconnect", "eip/egress", "eip/web"]) assert.deepEqual(closure.get(id), [], id);
  });

  it("every subnet is replaced with the Vpc (the controller deletes a Vpc only once no Subnet names it), and what is replaced with a subnet with it", () => {
    for (const plan of [acme, globex])
      for (const o of plan.objects.filter((x) => x.kind === "Subnet")) assert.deepEqual(o.replacedWith, ["vpc"], o.id);
    assert.deepEqual(replacementClosure(acme.objects).get("nat-gateway"), ["vpc", "subnet/web"]);
  });

  it("only the Vpc, replaced only when renamed, is created before the old one goes; every other object keeps its name and is deleted first", () => {
    for (const plan of [acme, globex])
      assert.deepEqual(
        plan.objects.filter((o) => o.createBeforeReplace).map((o) => o.id),
        ["vpc"],
      );
    assert.equal(byId(acme.objects, "vpc").replaceOnChanges, undefined, "no spec change replaces it");
  });

  it("a subnet's gateway and CIDR are replacements (running pods keep the gateway they started with)", () => {
    for (const s of acme.objects.filter((o) => o.kind === "Subnet"))
      for (const field of ["spec.cidrBlock", "spec.gateway"]) assert.ok(s.replaceOnChanges?.includes(field), s.id);
    const withMonitoring = planTenant(
      {
        ...demo.tenants[0],
        monitoring: { scraperNamespace: "monitoring", cidr: "10.99.0.0/24", namespaces: ["acme-web"], ports: ["9100"] },
      } as never,
      cluster.info,
    );
    assert.ok(byId(withMonitoring.objects, "monitoring/subnet").replaceOnChanges?.includes("spec.gateway"));
  });

  it("every object is replaced with objects it depends on, so the plan's order and the replacement's agree", () => {
    for (const plan of [acme, globex])
      for (const o of plan.objects)
        for (const target of o.replacedWith ?? [])
          assert.ok(o.dependsOn.includes(target), `${o.id} depends on ${target}, which it is replaced with`);
  });

  it("the closure is transitive and in creation order: a rule replaced with its EIP, replaced with its gateway, names both", () => {
    const objects = [
      obj("rule", ["eip"], ["eip"]),
      obj("eip", ["gateway"], ["gateway"]),
      obj("gateway", ["subnet"], ["subnet"]),
      obj("subnet", []),
      obj("other", []),
    ];
    const closure = replacementClosure(objects);
    assert.deepEqual(closure.get("rule"), ["subnet", "gateway", "eip"]);
    assert.deepEqual(closure.get("eip"), ["subnet", "gateway"]);
    assert.deepEqual(closure.get("subnet"), []);
    assert.deepEqual(closure.get("other"), []);
  });

  it("an object is created after what it is replaced with, even without a dependsOn", () => {
    const order = creationOrder([obj("rule", [], ["eip"]), obj("eip", [])]);
    assert.deepEqual(order, ["eip", "rule"]);
  });

  it("a replacement cycle or an unknown target is an error, not a silent guess", () => {
    assert.throws(() => replacementClosure([obj("a", [], ["b"]), obj("b", [], ["a"])]), /cycle/);
    assert.throws(() => replacementClosure([obj("a", [], ["nowhere"])]), /unknown/);
  });
});
