import { strict as assert } from "node:assert";
import { planCluster, planFleet, planTenant } from "../../provider/core";
import { CrdValidator } from "../support/crds";
import { clone, loadDemo } from "../support/demo";

describe("emitted objects against the real Kube-OVN v1.16.2 CRDs", () => {
  const crds = CrdValidator.vendored();
  const demo = loadDemo();

  it("the validator itself catches unknown fields and wrong types", () => {
    const bad = {
      apiVersion: "kubeovn.io/v1",
      kind: "Subnet",
      metadata: { name: "x" },
      spec: { cidrBlock: "10.0.0.0/24", cidrBlcok: "typo", private: "yes" },
    };
    const errors = crds.validate(bad);
    assert.ok(
      errors.some((e) => e.includes("cidrBlcok")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("/spec/private")),
      errors.join("\n"),
    );
  });

  it("every object of the two-tenant demo validates with no unknown fields", () => {
    const cluster = planCluster(demo.cluster);
    const objects = [...cluster.objects, ...demo.tenants.flatMap((t) => planTenant(t, cluster.info).objects)];
    const custom = objects.filter((o) => o.apiVersion !== "v1");
    assert.ok(custom.length >= 20, `expected the demo to plan many custom objects, got ${custom.length}`);
    const kinds = new Set(custom.map((o) => o.kind));
    for (const k of [
      "NetworkAttachmentDefinition",
      "Subnet",
      "Vpc",
      "VpcNatGateway",
      "IptablesEIP",
      "IptablesSnatRule",
      "IptablesDnatRule",
      "IptablesFIPRule",
    ]) {
      assert.ok(kinds.has(k), `demo plans no ${k}`);
    }
    const errors = custom.flatMap((o) =>
      crds
        .validate({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec })
        .map((e) => `${o.id}: ${e}`),
    );
    assert.deepEqual(errors, []);
  });

  it("a dual-stack tenant validates too", () => {
    const c = clone(demo.cluster);
    c.interconnect.cidr = "172.31.0.0/24,fd00:31::/64";
    c.interconnect.gateway = "172.31.0.1,fd00:31::1";
    c.eipPools[0].cidr = "203.0.113.0/24,2001:db8:113::/64";
    c.eipPools[0].gateway = "203.0.113.1,2001:db8:113::1";
    const t = clone(demo.tenants[0]);
    t.subnets[0].cidr = "10.10.1.0/24,fd00:10:1::/64";
    const fleet = planFleet(c, [t]);
    const objects = fleet.tenants[0].objects.filter((o) => o.apiVersion !== "v1");
    const errors = objects.flatMap((o) =>
      crds.validate({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec }),
    );
    assert.deepEqual(errors, []);
    const subnet = objects.find((o) => o.id === "subnet/web");
    assert.equal(subnet?.spec?.protocol, "Dual");
    const eip = objects.find((o) => o.id === "eip/web");
    assert.match(String(eip?.spec?.v6ip), /^2001:db8:113:0:/);
  });
});
