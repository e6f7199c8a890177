/**
 * Route tables on the real controller: one tenant with two subnets and a source route in a table
 * bound to one of them. The route lands in that table of the VPC's router and only that subnet's
 * router port is bound to it; the controller reports both objects ready.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { pluginBin, repoRoot } from "../../provider/automation/env";
import { RoutePolicy, type TenantSpec, planCluster, planTenant } from "../../provider/core";
import { describeNetworkChanges } from "../../provider/fleet/network-terms";
import * as k8s from "@kubernetes/client-node";
import { problemsOf } from "../support/problems";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { routerPortTable, routerTableRoutes } from "./support/kube-ovn-state";
import { type DemoStack, getKubeOvn, openProgramStack, ourObjects } from "./support/stack";

const clusterInfo = planCluster(
  YAML.parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")).resources.cluster.properties,
).info;

const tenant: TenantSpec = {
  tenant: "rtb",
  namespaces: [{ name: "rtb-web" }, { name: "rtb-app" }],
  subnets: [
    { name: "web", cidr: "10.30.1.0/24", namespaces: ["rtb-web"] },
    { name: "app", cidr: "10.30.2.0/24", namespaces: ["rtb-app"], routeTable: "app-egress" },
  ],
  staticRoutes: [
    // Traffic from half of app leaves through an appliance in web; web itself is not affected.
    { cidr: "10.30.2.128/25", nextHopIP: "10.30.1.200", policy: RoutePolicy.Source, routeTable: "app-egress" },
    { cidr: "10.99.0.0/16", nextHopIP: "10.30.1.201" },
  ],
};

function program(t: TenantSpec): any {
  return {
    name: "kubeovn-route-tables",
    runtime: "yaml",
    plugins: { providers: [{ name: "kubeovn", path: pluginBin }] },
    resources: {
      // The cluster facts as values: a tenant without a NAT gateway needs no cluster objects.
      rtb: {
        type: "kubeovn:index:TenantNetwork",
        properties: { cluster: clusterInfo, ...t, teardown: { graceSeconds: 3 } },
      },
    },
  };
}

describe("route tables: a source route for one subnet", function () {
  let s: DemoStack;

  before(async function () {
    s = await openProgramStack("route-tables", program(tenant));
  });

  after(function () {
    s?.cleanup();
  });

  it("preview says the route's table; up puts the route in that table and binds only that subnet's router port", async function () {
    const preview = describeNetworkChanges(await s.preview(), []).map((l) => l.text);
    assert.ok(
      preview.includes("subnet rtb--app 10.30.2.0/24 created for namespace rtb-app, route table app-egress"),
      preview.join("\n"),
    );
    assert.ok(preview.includes("subnet rtb--web 10.30.1.0/24 created for namespace rtb-web"), preview.join("\n"));

    await s.stack.up({ onOutput: () => undefined });
    await kubeOvn().settled();

    const routes = await routerTableRoutes("rtb--vpc");
    process.stderr.write(`      [e2e] router rtb--vpc: ${JSON.stringify(routes)}\n`);
    assert.ok(
      routes.some(
        (r) =>
          r.table === "app-egress" &&
          r.prefix === "10.30.2.128/25" &&
          r.nexthop === "10.30.1.200" &&
          r.policy === "src-ip",
      ),
      JSON.stringify(routes),
    );
    assert.ok(
      routes.some(
        (r) => r.table === "" && r.prefix === "10.99.0.0/16" && r.nexthop === "10.30.1.201" && r.policy === "dst-ip",
      ),
      JSON.stringify(routes),
    );
    // Nothing via the appliance in the main table, so web is not steered.
    assert.ok(!routes.some((r) => r.table === "" && r.nexthop === "10.30.1.200"), JSON.stringify(routes));
    // The controller's own source route of each subnet, in that subnet's table.
    assert.ok(
      routes.some((r) => r.table === "app-egress" && r.prefix === "10.30.2.0/24" && r.nexthop === "10.30.2.1"),
      JSON.stringify(routes),
    );
    assert.ok(
      routes.some((r) => r.table === "" && r.prefix === "10.30.1.0/24" && r.nexthop === "10.30.1.1"),
      JSON.stringify(routes),
    );

    // Upstream names a subnet's router port `<vpc>-<subnet>` (ovs.LogicalRouterPortName).
    assert.equal(await routerPortTable("rtb--vpc-rtb--app"), "app-egress");
    assert.equal(await routerPortTable("rtb--vpc-rtb--web"), "");

    // The controller's own verdict: both objects ready, the Subnet holding its table as planned.
    const planned = planTenant(tenant, clusterInfo).objects;
    const app = await getKubeOvn("subnets", "rtb--app");
    assert.equal(app.spec.routeTable, "app-egress");
    assert.ok(
      app.status.conditions.some((c: any) => c.type === "Ready" && c.status === "True"),
      JSON.stringify(app.status),
    );
    const vpc = await getKubeOvn("vpcs", "rtb--vpc");
    assert.equal(vpc.status.standby, true, JSON.stringify(vpc.status));
    assert.deepEqual(vpc.spec.staticRoutes, planned.find((o) => o.kind === "Vpc")?.spec?.staticRoutes);
  });

  it("a second preview shows no changes", async function () {
    assert.deepEqual(await s.preview(), []);
  });

  it("a source route for app's own CIDR in its table: our preview refuses it; the controller takes the Vpc and OVN keeps one of the two routes", async function () {
    const clash = {
      cidr: "10.30.2.0/24",
      nextHopIP: "10.30.1.200",
      policy: RoutePolicy.Source,
      routeTable: "app-egress",
    };
    const ours = problemsOf(() =>
      planTenant({ ...tenant, staticRoutes: [...(tenant.staticRoutes ?? []), clash] }, clusterInfo),
    ).problems.map((p) => `${p.path}: ${p.value} ${p.message}`);
    // The controller's verdict on the same input, written past our preview straight into the Vpc.
    const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const vpc = await getKubeOvn("vpcs", "rtb--vpc");
    vpc.spec.staticRoutes.push({ ...clash, ecmpMode: "", bfdId: "" });
    await api.replaceClusterCustomObject({
      group: "kubeovn.io",
      version: "v1",
      plural: "vpcs",
      name: "rtb--vpc",
      body: vpc,
    });
    await kubeOvn().settled();
    const routes = await routerTableRoutes("rtb--vpc");
    const held = await getKubeOvn("vpcs", "rtb--vpc");
    process.stderr.write(
      `      [e2e] ours: ${ours.join("; ")}\n      [e2e] controller: Vpc standby=${held.status?.standby}, app-egress routes ${JSON.stringify(routes.filter((r) => r.table === "app-egress"))}\n`,
    );
    assert.deepEqual(ours, [
      `staticRoutes[2].cidr: 10.30.2.0/24 is the CIDR of subnet app, whose own source route via its gateway Kube-OVN keeps in route table app-egress; Kube-OVN holds one route per table, policy and prefix, so one would replace the other: route a narrower source range (a longer prefix) instead`,
    ]);
    // Accepted without complaint, yet OVN holds one route for that source in the table, not both.
    assert.equal(held.status?.standby, true);
    assert.equal(
      routes.filter((r) => r.table === "app-egress" && r.prefix === "10.30.2.0/24" && r.policy === "src-ip").length,
      1,
      JSON.stringify(routes),
    );
  });

  it("destroy leaves nothing of ours", async function () {
    await s.stack.destroy({ onOutput: () => undefined });
    assert.deepEqual(await ourObjects(), []);
  });
});
