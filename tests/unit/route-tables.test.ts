import { strict as assert } from "node:assert";
import type { ResourceChange } from "../../provider/automation/changes";
import { type PlannedObject, RoutePolicy, type TenantSpec, planCluster, planTenant } from "../../provider/core";
import { describeNetworkChanges } from "../../provider/fleet/network-terms";
import { clone, loadDemo } from "../support/demo";
import { problemsOf } from "../support/problems";

const demo = loadDemo();
const info = planCluster(demo.cluster).info;

/** Demo tenant acme (subnets web 10.10.1.0/24 and app 10.10.2.0/24, NAT gateway 10.10.1.254) with app on its own table. */
function acme(edit: (t: TenantSpec) => void = () => undefined): TenantSpec {
  const t = clone(demo.tenants[0]);
  t.subnets[1].routeTable = "app-egress";
  t.staticRoutes = [
    { cidr: "10.10.2.128/25", nextHopIP: "10.10.1.200", policy: RoutePolicy.Source, routeTable: "app-egress" },
  ];
  edit(t);
  return t;
}

const byId = (objects: PlannedObject[], id: string) => objects.find((o) => o.id === id) as PlannedObject;

/** The problems of a tenant as `path: value message` lines. */
function problems(t: TenantSpec): string[] {
  return problemsOf(() => planTenant(t, info)).problems.map(
    (p) => `${p.path}: ${JSON.stringify(p.value)} ${p.message}`,
  );
}

describe("route tables: plan", () => {
  it("a route's table goes to the Vpc, a subnet's to its Subnet; the main table stays the empty name", () => {
    const plan = planTenant(acme(), info);
    assert.deepEqual(byId(plan.objects, "vpc").spec?.staticRoutes, [
      {
        cidr: "10.10.2.128/25",
        nextHopIP: "10.10.1.200",
        policy: "policySrc",
        ecmpMode: "",
        bfdId: "",
        routeTable: "app-egress",
      },
      { cidr: "0.0.0.0/0", nextHopIP: "10.10.1.254", policy: "policyDst", ecmpMode: "", bfdId: "", routeTable: "" },
    ]);
    assert.equal(byId(plan.objects, "subnet/app").spec?.routeTable, "app-egress");
    // Upstream writes Subnet.spec.routeTable back `omitempty`: no key for the main table.
    assert.ok(!("routeTable" in (byId(plan.objects, "subnet/web").spec ?? {})));
  });

  it("the same cidr and policy may be routed differently in two tables", () => {
    const plan = planTenant(
      acme((t) => {
        t.subnets[0].routeTable = "web-egress";
        t.staticRoutes = [
          { cidr: "10.50.0.0/16", nextHopIP: "10.10.1.200", routeTable: "app-egress" },
          { cidr: "10.50.0.0/16", nextHopIP: "10.10.1.201", routeTable: "web-egress" },
        ];
      }),
      info,
    );
    const routes = byId(plan.objects, "vpc").spec?.staticRoutes as { routeTable: string; nextHopIP: string }[];
    assert.deepEqual(
      routes.map((r) => `${r.routeTable}:${r.nextHopIP}`),
      ["app-egress:10.10.1.200", "web-egress:10.10.1.201", ":10.10.1.254"],
    );
  });
});

describe("route tables: validation names the field and the value", () => {
  it("a table name that is not a DNS-1123 label, empty, or `main`", () => {
    assert.deepEqual(
      problems(
        acme((t) => {
          t.staticRoutes?.push(
            { cidr: "10.60.0.0/16", nextHopIP: "10.10.1.200", routeTable: "App_Egress" },
            { cidr: "10.61.0.0/16", nextHopIP: "10.10.1.200", routeTable: "" },
            { cidr: "10.62.0.0/16", nextHopIP: "10.10.1.200", routeTable: "main" },
          );
        }),
      ),
      [
        `staticRoutes[1].routeTable: "App_Egress" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit); omit routeTable for the main table`,
        `staticRoutes[2].routeTable: "" must be a non-empty string; omit routeTable for the main table`,
        `staticRoutes[3].routeTable: "main" is not Kube-OVN's main table (that one has no name): omit routeTable for the main table`,
      ],
    );
  });

  it("a subnet bound to a table no route names (a typo) is refused, naming the tables there are", () => {
    assert.deepEqual(problems(acme((t) => (t.subnets[0].routeTable = "app-egres"))), [
      `subnets[web].routeTable: "app-egres" is named by no static route (staticRoutes[].routeTable: app-egress); the subnet would route with the main table alone`,
    ]);
  });

  it("a route in a table no subnet is bound to is refused: it would route nothing", () => {
    assert.deepEqual(problems(acme((t) => delete t.subnets[1].routeTable)), [
      `staticRoutes[0].routeTable: "app-egress" is the route table of no subnet (subnets[].routeTable); the route would apply to no traffic`,
    ]);
  });

  it("the same cidr and policy twice in one table", () => {
    assert.deepEqual(
      problems(
        acme((t) =>
          t.staticRoutes?.push({
            cidr: "10.10.2.128/25",
            nextHopIP: "10.10.1.201",
            policy: RoutePolicy.Source,
            routeTable: "app-egress",
          }),
        ),
      ),
      [`staticRoutes[1].cidr: "10.10.2.128/25" is routed twice (same cidr and policy, route table app-egress)`],
    );
  });

  it("a source route for a subnet's own CIDR in the table that subnet uses, where Kube-OVN keeps a route of its own", () => {
    assert.deepEqual(
      problems(
        acme((t) =>
          t.staticRoutes?.push(
            { cidr: "10.10.2.0/24", nextHopIP: "10.10.1.200", policy: RoutePolicy.Source, routeTable: "app-egress" },
            { cidr: "10.10.1.0/24", nextHopIP: "10.10.1.200", policy: RoutePolicy.Source },
            // A destination route is no clash.
            { cidr: "10.10.2.0/24", nextHopIP: "10.10.1.200", routeTable: "app-egress" },
            // In another table, the main table's own route for web shadows it.
            { cidr: "10.10.1.0/24", nextHopIP: "10.10.1.200", policy: RoutePolicy.Source, routeTable: "app-egress" },
          ),
        ),
      ),
      [
        `staticRoutes[1].cidr: "10.10.2.0/24" is the CIDR of subnet app, whose own source route via its gateway Kube-OVN keeps in route table app-egress; Kube-OVN holds one route per table, policy and prefix, so one would replace the other: route a narrower source range (a longer prefix) instead`,
        `staticRoutes[2].cidr: "10.10.1.0/24" is the CIDR of subnet web, whose own source route via its gateway Kube-OVN keeps in the main table; Kube-OVN holds one route per table, policy and prefix, so one would replace the other: route a narrower source range (a longer prefix) instead`,
        `staticRoutes[4].cidr: "10.10.1.0/24" is also routed by Kube-OVN's own source route of subnet web in the main table, which OVN looks up first: this route would never be used`,
      ],
    );
  });

  it("a table route the main table shadows (same cidr and policy), the NAT gateway's default route included", () => {
    assert.deepEqual(
      problems(
        acme((t) =>
          t.staticRoutes?.push(
            { cidr: "10.70.0.0/16", nextHopIP: "10.10.1.200" },
            { cidr: "10.70.0.0/16", nextHopIP: "10.10.1.201", routeTable: "app-egress" },
            { cidr: "0.0.0.0/0", nextHopIP: "10.10.1.201", routeTable: "app-egress" },
          ),
        ),
      ),
      [
        `staticRoutes[2].cidr: "10.70.0.0/16" is also routed by staticRoutes[1] in the main table, which OVN looks up first: this route would never be used`,
        `staticRoutes[3].cidr: "0.0.0.0/0" is also routed by the NAT gateway's default route in the main table, which OVN looks up first: the route in table app-egress would never be used; set natGateway.defaultRoute to false to route it yourself`,
      ],
    );
  });
});

const T = "kubernetes:kubeovn.io/v1:";
const change = (type: string, op: string, oldInputs: any, newInputs: any): ResourceChange => ({
  urn: `urn:pulumi:acme::kubeovn-tenants::x$${type}::${(newInputs ?? oldInputs).metadata.name}`,
  type,
  name: (newInputs ?? oldInputs).metadata.name,
  op,
  diffs: { spec: "update" },
  oldInputs,
  newInputs,
});

describe("route tables in network terms", () => {
  const planned = (t: TenantSpec, id: string) => {
    const o = byId(planTenant(t, info).objects, id);
    return { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec };
  };
  const lines = (changes: ResourceChange[]) => describeNetworkChanges(changes, []).map((l) => `${l.action} ${l.text}`);

  it("a route's table and a subnet's table appear in the plan report", () => {
    const before = clone(demo.tenants[0]);
    const after = acme();
    assert.deepEqual(
      lines([
        change(`${T}Vpc`, "update", planned(before, "vpc"), planned(after, "vpc")),
        change(`${T}Subnet`, "update", planned(before, "subnet/app"), planned(after, "subnet/app")),
        change(`${T}Subnet`, "create", undefined, planned(after, "subnet/app")),
      ]),
      [
        "update static route from 10.10.2.128/25 via 10.10.1.200 in route table app-egress added to VPC acme--vpc",
        "update subnet acme--app route table main -> app-egress",
        "create subnet acme--app 10.10.2.0/24 created for namespace acme-app, route table app-egress",
      ],
    );
  });

  it("moving a route to another table is said as the route leaving one table and joining the other", () => {
    const a = acme();
    const b = acme((t) => {
      t.subnets[1].routeTable = "app-out";
      (t.staticRoutes ?? [])[0].routeTable = "app-out";
    });
    assert.deepEqual(lines([change(`${T}Vpc`, "update", planned(a, "vpc"), planned(b, "vpc"))]), [
      "update static route from 10.10.2.128/25 via 10.10.1.200 in route table app-out added to VPC acme--vpc",
      "update static route from 10.10.2.128/25 via 10.10.1.200 in route table app-egress removed from VPC acme--vpc",
    ]);
  });
});
