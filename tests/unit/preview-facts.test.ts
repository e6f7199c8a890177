import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";
import {
  type ClusterNetworkSpec,
  SecurityGroupPolicy,
  type TenantPlan,
  type TenantSpec,
  planCluster,
  planTenant,
  withServiceIps,
} from "../../provider/core";
import { standInClusterInfo } from "../../provider/core/preview-facts";
import { loadDemo } from "../support/demo";

/** What a preview with unknown facts shows of a plan: each object's identity and order, no values. */
const shape = (p: TenantPlan) =>
  p.objects.map((o) => ({
    id: o.id,
    kind: o.kind,
    name: o.metadata.name,
    namespace: o.metadata.namespace,
    dependsOn: o.dependsOn,
    patch: o.patch,
  }));

/** Plans `spec` on the real cluster and on the stand-in facts; the object sets must be the same. */
function assertSameShape(spec: TenantSpec, cluster: ClusterNetworkSpec, serviceIps: string[] = []): void {
  const real = planTenant(spec, withServiceIps(planCluster(cluster).info, serviceIps));
  const info = standInClusterInfo(spec);
  assert.ok(info, `stand-in facts for ${spec.tenant}`);
  assert.deepEqual(shape(planTenant(spec, info)), shape(real), spec.tenant);
}

describe("stand-in cluster facts list the same objects as the real ones", () => {
  const demo = loadDemo();

  it("for the demo's tenants and the fleet example's (static interconnect and EIP addresses)", () => {
    for (const t of demo.tenants) assertSameShape(t, demo.cluster);
    const fleet = YAML.parse(fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8"));
    for (const t of fleet.tenants) assertSameShape(t, fleet.cluster);
  });

  it("for a tenant with API-server access, security groups, a peering and a scraper", () => {
    const cluster = { ...demo.cluster, apiServerAccess: { cidr: "100.100.100.0/24" } };
    const alpha: TenantSpec = {
      tenant: "alpha",
      apiServerAccess: true,
      namespaces: [{ name: "alpha-web" }],
      subnets: [{ name: "web", cidr: "10.10.1.0/24", namespaces: ["alpha-web"] }],
      securityGroups: [
        {
          name: "web",
          namespaces: ["alpha-web"],
          egressRules: [{ priority: 100, policy: SecurityGroupPolicy.Allow, remoteAddress: "0.0.0.0/0" }],
        },
      ],
      peerings: [{ tenant: "beta", localConnectIP: "169.254.0.1/30", remoteCidrs: ["10.20.0.0/24"] }],
      monitoring: { scraperNamespace: "metrics", cidr: "10.10.255.0/28", ports: ["9090"] },
    };
    assertSameShape(alpha, cluster, ["10.96.0.1"]);
  });

  it("for dual-stack static addresses, one at the edge of a /24, and subnets inside the stand-in ranges", () => {
    const cluster: ClusterNetworkSpec = {
      ...demo.cluster,
      interconnect: { masterInterface: "eth1", cidr: "172.31.0.0/23,fd00:31::/64", gateway: "172.31.0.1,fd00:31::1" },
      eipPools: [{ name: "public-a", cidr: "203.0.113.0/24,2001:db8::/64", gateway: "203.0.113.1,2001:db8::1" }],
    };
    const t: TenantSpec = {
      tenant: "edge",
      namespaces: [{ name: "edge" }, { name: "edge-other" }],
      subnets: [
        { name: "main", cidr: "100.64.0.0/24,fd6b:6f76::/64", namespaces: ["edge"] },
        { name: "other", cidr: "100.64.1.0/24", namespaces: ["edge-other"] },
      ],
      natGateway: { subnet: "main", lanIp: "100.64.0.254", interconnectIp: "172.31.1.0" },
      eips: [
        { name: "a", pool: "public-a", v4ip: "203.0.113.200", v6ip: "2001:db8::20" },
        { name: "b", pool: "public-a" },
      ],
      snatRules: [{ name: "out", eip: "a", internalCIDR: "100.64.0.0/24" }],
    };
    assertSameShape(t, cluster);
  });
});
