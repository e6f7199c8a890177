import { strict as assert } from "node:assert";
import { PlanError, planCluster, planTenant } from "../../provider/core";
import { type LiveCluster, type LiveObject, adoptCluster } from "../../provider/fleet/adopt";
import { parseFleet } from "../../provider/fleet/fleet-file";
import * as YAML from "yaml";
import { type RawObject, brownfieldObjects } from "../support/brownfield";

/** What the controller holds once it has handled the raw objects (formatSubnet, the EIP's status). */
function controllerView(o: RawObject): LiveObject {
  const spec = { ...(o.spec ?? {}) };
  if (o.kind === "Subnet") {
    spec.provider ??= "ovn";
    spec.vpc ??= "ovn-cluster";
    spec.gatewayType ??= "distributed";
    spec.private ??= false;
    spec.enableLb ??= true;
    const gw = String(spec.gateway);
    const ex = (spec.excludeIps as string[] | undefined) ?? [];
    if (!ex.some((e) => e === gw || e.startsWith(`${gw}..`))) spec.excludeIps = [...ex, gw].sort();
  }
  if (o.kind === "VpcNatGateway") spec.selector ??= [];
  if (o.kind === "Vpc")
    spec.staticRoutes = (spec.staticRoutes as object[]).map((r) => ({ ecmpMode: "", bfdId: "", routeTable: "", ...r }));
  return { metadata: o.metadata, spec, ...(o.data ? { data: o.data } : {}) };
}

function liveCluster(objects = brownfieldObjects()): LiveCluster {
  const of = (kind: string) => objects.filter((o) => o.kind === kind).map(controllerView);
  return {
    vpcs: of("Vpc"),
    subnets: of("Subnet"),
    natGateways: of("VpcNatGateway"),
    eips: of("IptablesEIP"),
    snatRules: of("IptablesSnatRule"),
    dnatRules: of("IptablesDnatRule"),
    fipRules: of("IptablesFIPRule"),
    securityGroups: of("SecurityGroup"),
    namespaces: [...of("Namespace"), { metadata: { name: "default" } }],
    attachments: of("NetworkAttachmentDefinition"),
    natConfig: {
      metadata: { name: "ovn-vpc-nat-config" },
      data: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
    },
  };
}

const find = (l: LiveCluster, kind: keyof LiveCluster, name: string) =>
  (l[kind] as LiveObject[]).find((o) => o.metadata?.name === name) as LiveObject;

describe("import: grouping a cluster into a fleet file", function () {
  it("groups the interconnect network, the pool and tenant shop, keeping names and addresses", function () {
    const { fleet, leftAlone } = adoptCluster(liveCluster());
    assert.deepEqual(leftAlone, []);
    assert.ok(fleet);
    assert.deepEqual(fleet.cluster, {
      interconnect: {
        masterInterface: "eth1",
        cidr: "172.31.60.0/24",
        gateway: "172.31.60.1",
        excludeIps: ["172.31.60.1..172.31.60.9"],
      },
      eipPools: [{ name: "brownfield-pool", cidr: "203.0.113.0/24", gateway: "203.0.113.1" }],
      natGateway: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
      adopt: ["interconnect/attachment", "interconnect/subnet", "eip-pool/brownfield-pool"],
    });
    assert.deepEqual(fleet.tenants, [
      {
        tenant: "shop",
        namespaces: [{ name: "shop-web", adopt: true }],
        subnets: [{ name: "web", cidr: "10.60.1.0/24", gateway: "10.60.1.1", namespaces: ["shop-web"] }],
        natGateway: { subnet: "web", lanIp: "10.60.1.254", interconnectIp: "172.31.60.20" },
        eips: [{ name: "front", pool: "brownfield-pool", v4ip: "203.0.113.50" }],
        snatRules: [{ name: "out", eip: "front", internalCIDR: "10.60.1.0/24" }],
        dnatRules: [
          {
            name: "https",
            eip: "front",
            protocol: "tcp",
            externalPort: 443,
            internalIp: "10.60.1.10",
            internalPort: 8443,
          },
        ],
        adopt: {
          vpc: "shop",
          "subnet/web": "shop-web",
          "nat-gateway": "shop-gw",
          "eip/interconnect": "shop-gw-ext",
          "eip/front": "shop-front",
          "snat/out": "shop-out",
          "dnat/https": "shop-https",
        },
      },
    ]);
  });

  it("the fleet file validates and plans back into exactly the cluster's objects and values", function () {
    const live = liveCluster();
    const { fleet } = adoptCluster(live);
    assert.ok(fleet);
    const parsed = parseFleet(YAML.stringify(fleet), "fleet.yaml");
    const plan = planTenant(parsed.tenants[0], planCluster(parsed.cluster).info);
    const lists: { [kind: string]: keyof LiveCluster } = {
      Vpc: "vpcs",
      Subnet: "subnets",
      VpcNatGateway: "natGateways",
      IptablesEIP: "eips",
      IptablesSnatRule: "snatRules",
      IptablesDnatRule: "dnatRules",
    };
    const kube = plan.objects.filter((o) => lists[o.kind]);
    assert.deepEqual(kube.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      "IptablesDnatRule/shop-https",
      "IptablesEIP/shop-front",
      "IptablesEIP/shop-gw-ext",
      "IptablesSnatRule/shop-out",
      "Subnet/shop-web",
      "Vpc/shop",
      "VpcNatGateway/shop-gw",
    ]);
    for (const o of kube) {
      const held = find(live, lists[o.kind], o.metadata.name);
      for (const [k, v] of Object.entries(o.spec ?? {}))
        assert.deepEqual(v, held.spec?.[k], `${o.kind} ${o.metadata.name} spec.${k}`);
    }
    assert.equal(plan.addresses.eips.front.v4ip, "203.0.113.50");
    assert.equal(plan.addresses.interconnectIp, "172.31.60.20");
  });

  it("reports what the model cannot express, object by object, and leaves it out", function () {
    const raw = brownfieldObjects();
    const extra: RawObject[] = [
      // A second EIP on the interconnect network, and a DNAT on the gateway's own address.
      {
        apiVersion: "kubeovn.io/v1",
        kind: "IptablesEIP",
        metadata: { name: "shop-ext-2" },
        spec: { natGwDp: "shop-gw", v4ip: "172.31.60.21" },
      },
      {
        apiVersion: "kubeovn.io/v1",
        kind: "IptablesDnatRule",
        metadata: { name: "shop-ssh" },
        spec: { eip: "shop-gw-ext", protocol: "tcp", externalPort: "22", internalIp: "10.60.1.10", internalPort: "22" },
      },
      // An EIP from a Subnet that is no EIP pool, with an SNAT on it.
      {
        apiVersion: "kubeovn.io/v1",
        kind: "IptablesEIP",
        metadata: { name: "shop-odd" },
        spec: { natGwDp: "shop-gw", externalSubnet: "shop-web", v4ip: "10.60.1.99" },
      },
      {
        apiVersion: "kubeovn.io/v1",
        kind: "IptablesSnatRule",
        metadata: { name: "shop-odd-out" },
        spec: { eip: "shop-odd", internalCIDR: "10.60.1.0/24" },
      },
      // A VPC with BFD, and its subnet.
      {
        apiVersion: "kubeovn.io/v1",
        kind: "Vpc",
        metadata: { name: "edge" },
        spec: { enableBfd: true, staticRoutes: [] },
      },
      {
        apiVersion: "kubeovn.io/v1",
        kind: "Subnet",
        metadata: { name: "edge-a" },
        spec: { vpc: "edge", cidrBlock: "10.61.0.0/24", gateway: "10.61.0.1", protocol: "IPv4" },
      },
      {
        apiVersion: "kubeovn.io/v1",
        kind: "SecurityGroup",
        metadata: { name: "web-sg" },
        spec: { allowSameGroupTraffic: true },
      },
    ];
    const { fleet, leftAlone } = adoptCluster(liveCluster([...raw, ...extra]));
    const reasons = new Map(leftAlone.map((l) => [`${l.kind}/${l.name}`, l.reason]));
    assert.deepEqual([...reasons.keys()].sort(), [
      "IptablesDnatRule/shop-ssh",
      "IptablesEIP/shop-ext-2",
      "IptablesEIP/shop-odd",
      "IptablesSnatRule/shop-odd-out",
      "SecurityGroup/web-sg",
      "Subnet/edge-a",
      "Vpc/edge",
    ]);
    assert.match(reasons.get("IptablesEIP/shop-ext-2") as string, /second EIP on ovn-vpc-external-network/);
    assert.match(reasons.get("IptablesDnatRule/shop-ssh") as string, /NAT gateway's own address/);
    assert.match(reasons.get("IptablesEIP/shop-odd") as string, /externalSubnet shop-web is not an EIP pool/);
    assert.match(reasons.get("IptablesSnatRule/shop-odd-out") as string, /its EIP shop-odd is left alone/);
    assert.match(reasons.get("Vpc/edge") as string, /spec\.enableBfd is true, which the model has no field for/);
    assert.match(reasons.get("Subnet/edge-a") as string, /its VPC edge is left alone/);
    assert.match(reasons.get("SecurityGroup/web-sg") as string, /bound to pods by their annotations/);
    // What could be expressed is still adopted, without what was left alone.
    assert.ok(fleet);
    assert.deepEqual(
      fleet.tenants.map((t) => t.tenant),
      ["shop"],
    );
    assert.deepEqual(Object.values(fleet.tenants[0].adopt ?? {}).sort(), [
      "shop",
      "shop-front",
      "shop-gw",
      "shop-gw-ext",
      "shop-https",
      "shop-out",
      "shop-web",
    ]);
  });

  it("leaves a tenant alone whose planned values would differ from the cluster's, naming the field", function () {
    const live = liveCluster();
    // The Vpc does not list the namespace its subnet binds: the plan would add it.
    (find(live, "vpcs", "shop").spec as { namespaces: string[] }).namespaces = [];
    const { fleet, leftAlone } = adoptCluster(live);
    const vpc = leftAlone.find((l) => l.kind === "Vpc" && l.name === "shop");
    assert.ok(vpc);
    assert.match(
      vpc.reason,
      /Vpc shop: spec\.namespaces is \[\] in the cluster; the model would make it \["shop-web"\]/,
    );
    assert.deepEqual(fleet?.tenants, []);
    assert.ok(
      leftAlone.some((l) => l.kind === "IptablesDnatRule" && l.name === "shop-https" && /VPC shop/.test(l.reason)),
    );
  });

  it("an EIP the planner refuses is left out with the rules on it, the tenant kept", function () {
    const live = liveCluster();
    // A fixed address outside its pool.
    (find(live, "eips", "shop-front").spec as { v4ip: string }).v4ip = "198.51.100.7";
    const { fleet, leftAlone } = adoptCluster(live);
    const byName = new Map(leftAlone.map((l) => [l.name, l.reason]));
    assert.match(byName.get("shop-front") as string, /planner refuses it: eips\[front\]\.v4ip/);
    assert.match(byName.get("shop-https") as string, /its EIP shop-front is left alone/);
    assert.match(byName.get("shop-out") as string, /its EIP shop-front is left alone/);
    assert.deepEqual(fleet?.tenants[0].eips, undefined);
    assert.equal(fleet?.tenants[0].adopt?.["nat-gateway"], "shop-gw");
  });

  it("without an interconnect network there is no fleet file, and each tenant says why", function () {
    const live = liveCluster();
    live.subnets = live.subnets.filter((s) => s.metadata?.name !== "ovn-vpc-external-network");
    const { fleet, leftAlone } = adoptCluster(live);
    assert.equal(fleet, undefined);
    assert.ok(leftAlone.some((l) => l.name === "ovn-vpc-external-network" && /is missing/.test(l.reason)));
    assert.ok(
      leftAlone.some(
        (l) => l.kind === "Vpc" && l.name === "shop" && /cluster network could not be expressed/.test(l.reason),
      ),
    );
  });

  it("objects pulumi-kubeovn made already are not adopted again", function () {
    const live = liveCluster();
    const ours = { "app.kubernetes.io/managed-by": "pulumi-kubeovn", "pulumi-kubeovn/tenant": "shop" };
    for (const list of [live.vpcs, live.subnets.filter((s) => s.spec?.vpc === "shop")])
      for (const o of list) o.metadata = { ...o.metadata, labels: ours };
    const { fleet, leftAlone } = adoptCluster(live);
    assert.deepEqual(fleet?.tenants, []);
    assert.match(
      leftAlone.find((l) => l.name === "shop" && l.kind === "Vpc")?.reason ?? "",
      /made by pulumi-kubeovn already/,
    );
  });
});

describe("adopt: names and checks in the planner", function () {
  const cluster = () => planCluster(adoptCluster(liveCluster()).fleet?.cluster ?? ({} as never)).info;
  const spec = () =>
    structuredClone(adoptCluster(liveCluster()).fleet?.tenants[0]) as NonNullable<
      ReturnType<typeof adoptCluster>["fleet"]
    >["tenants"][number];

  it("adopted names are used wherever the object is named: references follow", function () {
    const plan = planTenant(spec(), cluster());
    const byId = new Map(plan.objects.map((o) => [o.id, o]));
    assert.equal(byId.get("subnet/web")?.spec?.vpc, "shop");
    assert.equal(byId.get("nat-gateway")?.spec?.subnet, "shop-web");
    assert.equal(byId.get("eip/front")?.spec?.natGwDp, "shop-gw");
    assert.equal(byId.get("dnat/https")?.spec?.eip, "shop-front");
    // Ready already: no wait on the adopted subnet (a new one waits).
    assert.equal(byId.get("subnet/web")?.metadata.annotations, undefined);
    const s = spec();
    s.adopt = { ...s.adopt };
    delete s.adopt["subnet/web"];
    const fresh = planTenant(s, cluster()).objects.find((o) => o.id === "subnet/web");
    assert.deepEqual(fresh?.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready" });
  });

  it("an adopt key naming no object, a bad name and one name for two objects are refused", function () {
    const s = spec();
    s.adopt = { ...s.adopt, "subnet/nope": "x", "snat/out": "Bad_Name", "dnat/https": "shop-out", "snat/out2": "y" };
    s.adopt["dnat/https"] = "shop-front";
    s.adopt["eip/front"] = "shop-front";
    try {
      planTenant(s, cluster());
      assert.fail("expected a PlanError");
    } catch (e) {
      assert.ok(e instanceof PlanError);
      const paths = e.problems.map((p) => `${p.path} ${p.message}`);
      assert.ok(
        paths.some((p) => /^adopt\[subnet\/nope\] names no object of this tenant/.test(p)),
        paths.join("\n"),
      );
      assert.ok(
        paths.some((p) => /^adopt\[snat\/out\] is not a DNS-1123 label/.test(p)),
        paths.join("\n"),
      );
      assert.ok(
        paths.some((p) => /^adopt\[snat\/out2\] names no object/.test(p)),
        paths.join("\n"),
      );
    }
  });
});
