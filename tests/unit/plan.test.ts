import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { type PlannedObject, creationOrder, planCluster, planTenant } from "../../provider/core";
import { loadDemo, repoRoot } from "../support/demo";
import { normaliseExcludeIps } from "../../provider/core/normalize";
import { parseAddress, parseRange } from "../../provider/core/net";

const demo = loadDemo();
const cluster = planCluster(demo.cluster);
const acme = planTenant(demo.tenants[0], cluster.info);
const globex = planTenant(demo.tenants[1], cluster.info);
const byId = (objects: PlannedObject[], id: string) => {
  const o = objects.find((x) => x.id === id);
  assert.ok(o, `no object ${id}`);
  return o;
};

describe("plans: the exact objects, in the form the controller stores them", () => {
  it("a tenant subnet in normalised form (gateway defaulted and excluded, ranges merged and sorted)", () => {
    assert.deepEqual(byId(acme.objects, "subnet/web").spec, {
      vpc: "acme--vpc",
      protocol: "IPv4",
      provider: "ovn",
      cidrBlock: "10.10.1.0/24",
      gateway: "10.10.1.1",
      excludeIps: ["10.10.1.1", "10.10.1.250..10.10.1.254"],
      namespaces: ["acme-web"],
      private: false,
      enableLb: true,
    });
    assert.deepEqual(byId(acme.objects, "subnet/web").metadata.name, "acme--web");
    // up waits for the controller's Ready condition, so workloads never start before their subnet
    assert.equal(byId(acme.objects, "subnet/web").metadata.annotations?.["pulumi.com/waitFor"], "condition=Ready");
  });

  it("the interconnect network and pools carry their gateway in excludeIps", () => {
    const ic = byId(cluster.objects, "interconnect/subnet");
    assert.deepEqual(ic.spec, {
      protocol: "IPv4",
      provider: "ovn-vpc-external-network.kube-system",
      cidrBlock: "172.31.0.0/24",
      gateway: "172.31.0.1",
      excludeIps: ["172.31.0.1", "172.31.0.2..172.31.0.9"],
    });
    assert.deepEqual(byId(cluster.objects, "eip-pool/public-b").spec?.excludeIps, [
      "198.51.100.1",
      "198.51.100.2..198.51.100.20",
    ]);
  });

  it("the VPC gets its namespaces, the user's routes and the default route via the NAT gateway", () => {
    assert.deepEqual(byId(globex.objects, "vpc").spec, {
      namespaces: ["globex"],
      staticRoutes: [
        {
          cidr: "10.99.0.0/16",
          nextHopIP: "10.10.1.200",
          policy: "policyDst",
          ecmpMode: "",
          bfdId: "",
          routeTable: "",
        },
        { cidr: "0.0.0.0/0", nextHopIP: "10.10.1.254", policy: "policyDst", ecmpMode: "", bfdId: "", routeTable: "" },
      ],
    });
  });

  it("the NAT gateway attaches to the interconnect network only, with no default EIP and no routes of its own", () => {
    const gw = byId(acme.objects, "nat-gateway");
    assert.deepEqual(gw.spec, {
      vpc: "acme--vpc",
      subnet: "acme--web",
      lanIp: "10.10.1.254",
      externalSubnets: ["ovn-vpc-external-network"],
      noDefaultEIP: true,
      selector: [],
    });
    assert.deepEqual(gw.replaceOnChanges, ["spec.vpc", "spec.subnet", "spec.lanIp"]);
  });

  it("EIPs: the interconnect address from the interconnect range, real EIPs from their pool, frozen specs replace", () => {
    const ic = byId(acme.objects, "eip/interconnect");
    assert.equal(ic.spec?.externalSubnet, "ovn-vpc-external-network");
    assert.equal(ic.spec?.v4ip, acme.addresses.interconnectIp);
    const egress = byId(acme.objects, "eip/egress");
    assert.deepEqual(egress.spec, { natGwDp: "acme--nat", externalSubnet: "public-a", v4ip: "203.0.113.10" });
    // Every field of the spec, one by one (an import's first diff adds the whole spec: an update).
    assert.deepEqual(egress.replaceOnChanges, ["spec.natGwDp", "spec.externalSubnet", "spec.v4ip", "spec.v6ip"]);
    for (const f of Object.keys(egress.spec ?? {})) assert.ok(egress.replaceOnChanges?.includes(`spec.${f}`), f);
    // excluded range 198.51.100.2..20 and the gateway are never handed out
    for (const e of Object.values(globex.addresses.eips)) {
      const last = Number(String(e.v4ip).split(".")[3]);
      assert.ok(last > 20 && last < 255, `${e.v4ip} is excluded`);
    }
  });

  it("NAT rules bind EIP object names and carry ports as strings, as the CRD wants", () => {
    assert.deepEqual(byId(acme.objects, "dnat/https").spec, {
      eip: "acme--web",
      protocol: "tcp",
      externalPort: "443",
      internalIp: "10.10.1.10",
      internalPort: "8443",
    });
    assert.deepEqual(byId(globex.objects, "fip/db").spec, { eip: "globex--db", internalIp: "10.10.1.20" });
  });

  it("creation order: namespaces, VPC, subnets, NAT gateway, EIPs, rules", () => {
    const order = creationOrder(acme.objects);
    const at = (id: string) => order.indexOf(id);
    assert.ok(at("namespace/acme-web") < at("vpc"));
    assert.ok(at("vpc") < at("subnet/web"));
    assert.ok(at("subnet/web") < at("nat-gateway"));
    assert.ok(at("nat-gateway") < at("eip/web"));
    assert.ok(at("eip/web") < at("dnat/https"));
    assert.ok(at("eip/egress") < at("snat/web-out"));
  });

  it("every object is labelled as ours and with its tenant", () => {
    for (const o of acme.objects) {
      assert.equal(o.metadata.labels?.["app.kubernetes.io/managed-by"], "pulumi-kubeovn", o.id);
      assert.equal(o.metadata.labels?.["pulumi-kubeovn/tenant"], "acme", o.id);
    }
  });
});

describe("excludeIps in the controller's form (pkg/controller/subnet.go formatExcludeIPs)", () => {
  const norm = (entries: string[], gateways: string[]) =>
    normaliseExcludeIps(
      entries.map((e) => parseRange(e)!),
      gateways.map((g) => parseAddress(g)!),
    );

  it("keeps adjacent ranges apart (overlapping ones, which the controller merges, are refused: subnet.excludeIps.overlap)", () => {
    assert.deepEqual(norm(["10.0.0.2..10.0.0.5", "10.0.0.6..10.0.0.8", "10.0.0.9"], ["10.0.0.1"]), [
      "10.0.0.1",
      "10.0.0.2..10.0.0.5",
      "10.0.0.6..10.0.0.8",
      "10.0.0.9",
    ]);
  });
  it("sorts as strings, as Go's sort.Strings does", () => {
    assert.deepEqual(norm(["10.0.0.9", "10.0.0.10"], ["10.0.0.1"]), ["10.0.0.1", "10.0.0.10", "10.0.0.9"]);
  });
  it("does not append a gateway an entry already holds", () => {
    assert.deepEqual(norm(["10.0.0.1..10.0.0.20"], ["10.0.0.1"]), ["10.0.0.1..10.0.0.20"]);
  });
  it("prints a one-address range as an address", () => {
    assert.deepEqual(norm(["10.0.0.5..10.0.0.5"], ["10.0.0.1"]), ["10.0.0.1", "10.0.0.5"]);
  });
  it("prints IPv6 compressed and lower-case", () => {
    assert.deepEqual(norm(["FD00:0:0:0:0:0:0:10"], ["fd00::1"]), ["fd00::1", "fd00::10"]);
  });
});

describe("toolchain pins", () => {
  it("package.json pins the SDKs the toolchain builds the CLI and plugin for", () => {
    const env = Object.fromEntries(
      fs
        .readFileSync(path.join(repoRoot, "toolchain/versions.env"), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split("=") as [string, string]),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    assert.equal(pkg.dependencies["@pulumi/pulumi"], env.PULUMI_VERSION);
    assert.equal(pkg.dependencies["@pulumi/kubernetes"], env.PULUMI_KUBERNETES_VERSION);
  });
});
