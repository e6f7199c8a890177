// The controller's own verdict next to ours, for rules where Kube-OVN v1.16.2 refuses or silently
// rewrites a Subnet (provider/core/rules/address-range.ts): the same input applied as a raw Subnet
// to the real kube-ovn-controller, and planned by us. No Pulumi: one Vpc, four Subnets.
import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { PlanError, type TenantSpec, planCluster, planTenant } from "../../provider/core";
import { clone, loadDemo } from "../support/demo";
import { kubeConfig, kubeOvn } from "./support/cluster";

const G = { group: "kubeovn.io", version: "v1", plural: "subnets" };
const VPC = "urules-vpc";
type Obj = any;

const demo = loadDemo();

/** Our verdict on the demo's acme with its app subnet set to `subnet`: the rule ids refusing it. */
function ours(subnet: Obj): string[] {
  const t: TenantSpec = clone(demo.tenants[0]);
  t.subnets[1] = { ...t.subnets[1], ...subnet };
  try {
    planTenant(t, planCluster(demo.cluster).info);
    return [];
  } catch (e) {
    if (e instanceof PlanError) return e.problems.map((p) => p.rule ?? "");
    throw e;
  }
}

describe("upstream rules: the controller's verdict next to the preview's", function () {
  let crd: k8s.CustomObjectsApi;
  const names: string[] = [];
  const get = (name: string): Promise<Obj> => crd.getClusterCustomObject({ ...G, name });
  const apply = async (name: string, spec: Obj) => {
    names.push(name);
    await crd.createClusterCustomObject({
      ...G,
      body: { apiVersion: "kubeovn.io/v1", kind: "Subnet", metadata: { name }, spec: { vpc: VPC, ...spec } },
    });
  };
  const validated = (s: Obj) => (s?.status?.conditions ?? []).find((c: Obj) => c.type === "Validated");

  before(async function () {
    crd = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    await crd.createClusterCustomObject({
      group: "kubeovn.io",
      version: "v1",
      plural: "vpcs",
      body: { apiVersion: "kubeovn.io/v1", kind: "Vpc", metadata: { name: VPC }, spec: {} },
    });
    await apply("urules-link-local", { cidrBlock: "169.254.10.0/24", protocol: "IPv4" });
    await apply("urules-single", { cidrBlock: "10.78.5.5/32", protocol: "IPv4" });
    await apply("urules-overlap", {
      cidrBlock: "10.78.1.0/24",
      protocol: "IPv4",
      excludeIps: ["10.78.1.20..10.78.1.25", "10.78.1.24..10.78.1.28"],
    });
    await apply("urules-ipv6", { cidrBlock: "FD00:78:0::/64", protocol: "IPv6" });
    await kubeOvn().settled();
  });

  after(async function () {
    for (const name of names) await crd.deleteClusterCustomObject({ ...G, name }).catch(() => undefined);
    await kubeOvn().settled();
    await crd
      .deleteClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "vpcs", name: VPC })
      .catch(() => undefined);
    await kubeOvn().settled();
  });

  it("subnet.cidr.special-range: the controller refuses a link-local Subnet (CIDRGlobalUnicast); so do we", async function () {
    const v = validated(await get("urules-link-local"));
    assert.equal(v?.status, "False", JSON.stringify(v));
    assert.match(v.message, /link local/);
    assert.ok(ours({ cidr: "169.254.10.0/24" }).includes("subnet.cidr.special-range"));
  });

  it("subnet.cidr.single-address: the controller refuses a /32 Subnet; so do we", async function () {
    const v = validated(await get("urules-single"));
    assert.equal(v?.status, "False", JSON.stringify(v));
    assert.ok(ours({ cidr: "10.10.2.5/32" }).includes("subnet.cidr.single-address"));
  });

  it("subnet.excludeIps.overlap: the controller merges overlapping entries silently; we refuse them", async function () {
    const s = await get("urules-overlap");
    assert.deepEqual(s.spec.excludeIps, ["10.78.1.1", "10.78.1.20..10.78.1.28"]);
    assert.ok(
      ours({ excludeIps: ["10.10.2.20..10.10.2.25", "10.10.2.24..10.10.2.28"] }).includes("subnet.excludeIps.overlap"),
    );
  });

  it("subnet.cidr.not-canonical: the controller rewrites an upper-case IPv6 CIDR; we refuse it", async function () {
    const s = await get("urules-ipv6");
    assert.equal(s.spec.cidrBlock, "fd00:78::/64", JSON.stringify(s.status?.conditions));
    assert.ok(ours({ cidr: "10.10.2.0/24,FD00:78:0::/64" }).includes("subnet.cidr.not-canonical"));
  });
});
