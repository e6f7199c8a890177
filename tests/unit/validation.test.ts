import { strict as assert } from "node:assert";
import {
  type ClusterNetworkSpec,
  Problems,
  type TenantSpec,
  checkAgainstTenants,
  checkNamespaceOwners,
  planCluster,
  planFleet,
  planTenant,
} from "../../provider/core";
import { clone, loadDemo } from "../support/demo";
import { problemsOf } from "../support/problems";

const demo = loadDemo();
const info = planCluster(demo.cluster).info;
const acme = () => clone(demo.tenants[0]);
const globex = () => clone(demo.tenants[1]);

interface Case {
  rule: string;
  tenant?: (t: TenantSpec) => void;
  cluster?: (c: ClusterNetworkSpec) => void;
  path: string;
  message: RegExp;
}

const cases: Case[] = [
  // addresses and CIDRs
  {
    rule: "invalid CIDR",
    tenant: (t) => (t.subnets[0].cidr = "10.10.1.0/33"),
    path: "subnets[web].cidr",
    message: /not a valid CIDR/,
  },
  {
    rule: "garbage CIDR",
    tenant: (t) => (t.subnets[0].cidr = "ten.ten/24"),
    path: "subnets[web].cidr",
    message: /not a valid CIDR/,
  },
  {
    rule: "host bits set",
    tenant: (t) => (t.subnets[0].cidr = "10.10.1.7/24"),
    path: "subnets[web].cidr",
    message: /network address is 10\.10\.1\.0\/24/,
  },
  {
    rule: "invalid gateway",
    tenant: (t) => (t.subnets[0].gateway = "10.10.1.300"),
    path: "subnets[web].gateway",
    message: /not a valid IP/,
  },
  {
    rule: "gateway outside CIDR",
    tenant: (t) => (t.subnets[0].gateway = "10.10.9.1"),
    path: "subnets[web].gateway",
    message: /outside 10\.10\.1\.0\/24/,
  },
  {
    rule: "IPv6 gateway on IPv4 subnet",
    tenant: (t) => (t.subnets[0].gateway = "fd00::1"),
    path: "subnets[web].gateway",
    message: /is IPv6 but .* has no IPv6 range/,
  },
  {
    rule: "dual stack with two IPv4 ranges",
    tenant: (t) => (t.subnets[0].cidr = "10.10.1.0/24,10.10.3.0/24"),
    path: "subnets[web].cidr",
    message: /not a valid CIDR/,
  },
  {
    rule: "dual-stack gateway missing a family",
    tenant: (t) => {
      t.subnets[0].cidr = "10.10.1.0/24,fd00:1::/64";
      t.subnets[0].gateway = "10.10.1.1";
    },
    path: "subnets[web].gateway",
    message: /no IPv6 address for fd00:1::\/64/,
  },
  {
    rule: "gateway is the network address",
    tenant: (t) => (t.subnets[0].gateway = "10.10.1.0"),
    path: "subnets[web].gateway",
    message: /network address/,
  },
  {
    rule: "excludeIps outside CIDR",
    tenant: (t) => (t.subnets[0].excludeIps = ["10.10.2.5"]),
    path: "subnets[web].excludeIps[0]",
    message: /outside 10\.10\.1\.0\/24/,
  },
  {
    rule: "excludeIps reversed range",
    tenant: (t) => (t.subnets[0].excludeIps = ["10.10.1.9..10.10.1.2"]),
    path: "subnets[web].excludeIps[0]",
    message: /range/,
  },
  {
    rule: "excludeIps family mix",
    tenant: (t) => (t.subnets[0].excludeIps = ["10.10.1.2..fd00::1"]),
    path: "subnets[web].excludeIps[0]",
    message: /one family/,
  },
  // overlaps
  {
    rule: "overlapping subnets in one VPC",
    tenant: (t) => (t.subnets[1].cidr = "10.10.1.128/25"),
    path: "subnets[app].cidr",
    message: /overlaps subnet web/,
  },
  {
    rule: "subnet overlapping an EIP pool",
    tenant: (t) => (t.subnets[1].cidr = "203.0.113.0/25"),
    path: "subnets[app].cidr",
    message: /overlaps EIP pool public-a/,
  },
  {
    rule: "subnet overlapping the interconnect",
    tenant: (t) => (t.subnets[1].cidr = "172.31.0.0/25"),
    path: "subnets[app].cidr",
    message: /overlaps the interconnect network/,
  },
  {
    rule: "EIP pool overlapping the interconnect",
    cluster: (c) => {
      c.eipPools[0].cidr = "172.31.0.0/23";
      c.eipPools[0].gateway = "172.31.1.1";
    },
    path: "eipPools[public-a].cidr",
    message: /overlaps the interconnect network/,
  },
  {
    rule: "EIP pools overlapping each other",
    cluster: (c) => {
      c.eipPools[1].cidr = "203.0.113.128/25";
      c.eipPools[1].gateway = "203.0.113.129";
      c.eipPools[1].excludeIps = [];
    },
    path: "eipPools[public-b].cidr",
    message: /overlaps EIP pool public-a/,
  },
  // EIPs
  {
    rule: "static EIP outside its pool",
    tenant: (t) => (t.eips![0].v4ip = "198.51.100.50"),
    path: "eips[egress].v4ip",
    message: /outside pool public-a/,
  },
  {
    rule: "static EIP is the pool gateway",
    tenant: (t) => (t.eips![0].v4ip = "203.0.113.1"),
    path: "eips[egress].v4ip",
    message: /gateway of pool public-a/,
  },
  {
    rule: "duplicate static EIPs",
    tenant: (t) => (t.eips![1].v4ip = "203.0.113.10"),
    path: "eips[web].v4ip",
    message: /also the address of EIP egress/,
  },
  {
    rule: "duplicate EIP names",
    tenant: (t) => (t.eips![1].name = "egress"),
    path: "eips[egress].name",
    message: /declared twice/,
  },
  {
    rule: "unknown pool",
    tenant: (t) => (t.eips![1].pool = "public-z"),
    path: "eips[web].pool",
    message: /not an EIP pool/,
  },
  {
    rule: "IPv6 EIP from an IPv4 pool",
    tenant: (t) => (t.eips![1].v6ip = "2001:db8::5"),
    path: "eips[web].v6ip",
    message: /has no IPv6 range/,
  },
  {
    rule: "pool exhaustion",
    cluster: (c) => {
      c.eipPools[0].cidr = "203.0.113.0/30";
      c.eipPools[0].gateway = "203.0.113.1";
    },
    tenant: (t) => {
      t.eips![0].v4ip = "203.0.113.2";
      t.eips!.push({ name: "more", pool: "public-a" });
    },
    path: "eips[web].v4ip",
    message: /no free IPv4 address left \(capacity 1\)/,
  },
  // NAT gateway
  {
    rule: "lanIp outside its subnet",
    tenant: (t) => (t.natGateway!.lanIp = "10.10.2.254"),
    path: "natGateway.lanIp",
    message: /outside subnet web/,
  },
  {
    rule: "lanIp is the subnet gateway",
    tenant: (t) => (t.natGateway!.lanIp = "10.10.1.1"),
    path: "natGateway.lanIp",
    message: /gateway of subnet web/,
  },
  {
    rule: "NAT gateway in an unknown subnet",
    tenant: (t) => (t.natGateway!.subnet = "dmz"),
    path: "natGateway.subnet",
    message: /not one of this tenant's subnets/,
  },
  {
    rule: "interconnect IP outside the range",
    tenant: (t) => (t.natGateway!.interconnectIp = "172.31.5.5"),
    path: "natGateway.interconnectIp",
    message: /outside the interconnect network/,
  },
  {
    rule: "EIPs without a NAT gateway",
    tenant: (t) => delete t.natGateway,
    path: "natGateway",
    message: /required for EIPs/,
  },
  {
    rule: "default route clash",
    tenant: (t) => (t.staticRoutes = [{ cidr: "0.0.0.0/0", nextHopIP: "10.10.1.3" }]),
    path: "staticRoutes[0].cidr",
    message: /clashes with the NAT gateway's default route/,
  },
  // NAT rules
  {
    rule: "DNAT internal IP outside the VPC",
    tenant: (t) => (t.dnatRules![0].internalIp = "10.20.0.5"),
    path: "dnatRules[https].internalIp",
    message: /outside the tenant's VPC/,
  },
  {
    rule: "DNAT port out of range",
    tenant: (t) => (t.dnatRules![0].externalPort = 70000),
    path: "dnatRules[https].externalPort",
    message: /1 to 65535/,
  },
  {
    rule: "DNAT port zero",
    tenant: (t) => (t.dnatRules![0].internalPort = 0),
    path: "dnatRules[https].internalPort",
    message: /1 to 65535/,
  },
  {
    rule: "DNAT protocol",
    tenant: (t) => ((t.dnatRules![0] as any).protocol = "sctp"),
    path: "dnatRules[https].protocol",
    message: /one of tcp, udp/,
  },
  {
    rule: "DNAT to an unknown EIP",
    tenant: (t) => (t.dnatRules![0].eip = "nope"),
    path: "dnatRules[https].eip",
    message: /not one of this tenant's EIPs/,
  },
  {
    rule: "duplicate DNAT port",
    tenant: (t) => t.dnatRules!.push({ ...t.dnatRules![0], name: "https2" }),
    path: "dnatRules[https2].externalPort",
    message: /already forwarded by dnatRules\[https\]/,
  },
  {
    rule: "SNAT CIDR outside the VPC",
    tenant: (t) => (t.snatRules![0].internalCIDR = "10.10.0.0/16"),
    path: "snatRules[web-out].internalCIDR",
    message: /outside the tenant's VPC/,
  },
  {
    rule: "FIP internal IP outside the VPC",
    tenant: (t) => (t.floatingIps = [{ name: "db", eip: "web", internalIp: "192.0.2.1" }]),
    path: "floatingIps[db].internalIp",
    message: /outside the tenant's VPC/,
  },
  {
    rule: "FIP sharing its EIP",
    tenant: (t) => (t.floatingIps = [{ name: "db", eip: "web", internalIp: "10.10.1.20" }]),
    path: "floatingIps[db].eip",
    message: /also used by dnatRules\[https\]/,
  },
  // names
  { rule: "tenant not a DNS label", tenant: (t) => (t.tenant = "Acme_Corp"), path: "tenant", message: /DNS-1123/ },
  { rule: "tenant too long", tenant: (t) => (t.tenant = "a".repeat(31)), path: "tenant", message: /at most 30/ },
  {
    rule: "tenant named like the default VPC",
    tenant: (t) => (t.tenant = "ovn-cluster"),
    path: "tenant",
    message: /default VPC/,
  },
  {
    rule: "subnet name not a DNS label",
    tenant: (t) => (t.subnets[0].name = "Web"),
    path: "subnets[Web].name",
    message: /DNS-1123/,
  },
  {
    rule: "namespace name not a DNS label",
    tenant: (t) => (t.namespaces[0].name = "acme.web"),
    path: "namespaces[acme.web].name",
    message: /DNS-1123/,
  },
  {
    rule: "system namespace",
    tenant: (t) => (t.namespaces[1].name = "kube-system"),
    path: "namespaces[kube-system].name",
    message: /reserved/,
  },
  {
    rule: "pool name not a DNS label",
    cluster: (c) => (c.eipPools[0].name = "Public A"),
    path: "eipPools[Public A].name",
    message: /DNS-1123/,
  },
  // routes
  {
    rule: "namespace route gw outside its subnet",
    tenant: (t) => (t.namespaces[0].routes = [{ dst: "192.168.0.0/16", gw: "10.10.2.1" }]),
    path: "namespaces[acme-web].routes[0].gw",
    message: /not reachable: it is outside subnet web/,
  },
  {
    rule: "namespace route family mix",
    tenant: (t) => (t.namespaces[0].routes = [{ dst: "fd00::/8", gw: "10.10.1.253" }]),
    path: "namespaces[acme-web].routes[0].gw",
    message: /is IPv4 but dst fd00::\/8 is IPv6/,
  },
  {
    rule: "static route next hop unreachable",
    tenant: (t) => (t.staticRoutes = [{ cidr: "10.99.0.0/16", nextHopIP: "10.77.0.1" }]),
    path: "staticRoutes[0].nextHopIP",
    message: /no subnet of this tenant contains it/,
  },
  {
    rule: "policy route reroute without next hop",
    tenant: (t) => (t.policyRoutes = [{ priority: 100, match: "ip4.src == 10.10.1.0/24", action: "reroute" as any }]),
    path: "policyRoutes[0].nextHopIP",
    message: /required for reroute/,
  },
  {
    rule: "policy route next hop on drop",
    tenant: (t) =>
      (t.policyRoutes = [
        { priority: 100, match: "ip4.src == 10.10.1.0/24", action: "drop" as any, nextHopIP: "10.10.1.3" },
      ]),
    path: "policyRoutes[0].nextHopIP",
    message: /only used by reroute/,
  },
  {
    rule: "policy route priority",
    tenant: (t) => (t.policyRoutes = [{ priority: 40000, match: "ip4", action: "allow" as any }]),
    path: "policyRoutes[0].priority",
    message: /0 to 32767/,
  },
  // binding
  {
    rule: "subnet binds another tenant's namespace",
    tenant: (t) => t.subnets[1].namespaces.push("globex"),
    path: "subnets[app].namespaces[1]",
    message: /not one of this tenant's namespaces/,
  },
  {
    rule: "namespace in two subnets",
    tenant: (t) => t.subnets[1].namespaces.push("acme-web"),
    path: "subnets[app].namespaces[1]",
    message: /already bound to subnet web/,
  },
  {
    rule: "namespace bound to no subnet",
    tenant: (t) => t.namespaces.push({ name: "acme-orphan" }),
    path: "namespaces[acme-orphan]",
    message: /bound to no subnet/,
  },
  {
    rule: "allowSubnets without private",
    tenant: (t) => (t.subnets[1].private = false),
    path: "subnets[app].allowSubnets",
    message: /no effect unless private/,
  },
];

describe("validation: bad input is refused with the field and the value", () => {
  for (const c of cases) {
    it(c.rule, () => {
      const cluster = clone(demo.cluster);
      c.cluster?.(cluster);
      const tenant = acme();
      c.tenant?.(tenant);
      const err = problemsOf(() => (c.tenant ? planFleet(cluster, [tenant]) : planCluster(cluster)));
      const hit = err.problems.find(
        (p) => p.path === c.path || p.path.endsWith(`].${c.path}`) || p.path === `cluster.${c.path}`,
      );
      assert.ok(hit, `no problem at ${c.path}; got:\n${err.message}`);
      assert.match(hit.message, c.message, err.message);
      // The message shown to the user quotes the offending value.
      assert.ok(err.message.includes(`${hit.path}: `), err.message);
    });
  }

  it("collects every problem at once instead of stopping at the first", () => {
    const t = acme();
    t.subnets[0].cidr = "10.10.1.0/33";
    t.dnatRules![0].externalPort = 0;
    t.tenant = "Bad_Name";
    const err = problemsOf(() => planTenant(t, info));
    assert.deepEqual(err.problems.map((p) => p.path).sort(), [
      "dnatRules[https].externalPort",
      "subnets[web].cidr",
      "tenant",
    ]);
    assert.match(err.message, /3 problems in tenant "Bad_Name"/);
    assert.match(err.message, /subnets\[web\]\.cidr: "10\.10\.1\.0\/33" is not a valid CIDR/);
  });

  it("accepts the same CIDR and lanIp in different tenants' VPCs", () => {
    const a = acme();
    const g = globex();
    assert.equal(g.subnets[0].cidr, a.subnets[0].cidr);
    assert.equal(g.natGateway!.lanIp, a.natGateway!.lanIp);
    const fleet = planFleet(demo.cluster, [a, g]);
    assert.equal(fleet.tenants.length, 2);
  });

  it("refuses a namespace claimed by two tenants", () => {
    const g = globex();
    g.namespaces.push({ name: "acme-web" });
    g.subnets[0].namespaces.push("acme-web");
    const err = problemsOf(() => planFleet(demo.cluster, [acme(), g]));
    assert.ok(
      err.problems.some(
        (p) => p.path === "tenants[globex].namespaces[1].name" && /belongs to tenant acme/.test(p.message),
      ),
      err.message,
    );
  });

  it("refuses the same static EIP in two tenants", () => {
    const g = globex();
    g.eips![0] = { name: "out", pool: "public-a", v4ip: "203.0.113.10" };
    const err = problemsOf(() => planFleet(demo.cluster, [acme(), g]));
    assert.ok(
      err.problems.some((p) => /also claimed by acme\/eip\/egress/.test(p.message)),
      err.message,
    );
  });

  it("refuses an interconnect or cluster spec that is malformed", () => {
    const c = clone(demo.cluster);
    c.interconnect.gateway = "172.31.1.1";
    (c.natGateway as any).image = "";
    c.eipPools = [];
    const err = problemsOf(() => planCluster(c));
    assert.deepEqual(err.problems.map((p) => p.path).sort(), ["eipPools", "interconnect.gateway", "natGateway.image"]);
  });
});

describe("cross-tenant checks (tenants of one program, namespaces held in the cluster)", () => {
  const problems = (fn: (p: Problems) => void) => {
    const p = new Problems();
    fn(p);
    return p.list.map((x) => `${x.path}=${JSON.stringify(x.value)}`);
  };

  it("a second tenant taking the name, a namespace, a static EIP or the interconnect address of another is refused", () => {
    const a = acme();
    a.natGateway!.interconnectIp = "172.31.0.50";
    const g = globex();
    g.namespaces.push({ name: "acme-web", adopt: true });
    g.eips![0] = { name: "out", pool: "public-a", v4ip: "203.0.113.10" };
    g.natGateway!.interconnectIp = "172.31.0.50";
    assert.deepEqual(
      problems((p) => checkAgainstTenants(p, g, [a])),
      [
        'namespaces[acme-web].name="acme-web"',
        'eips[out].v4ip="203.0.113.10"',
        'natGateway.interconnectIp="172.31.0.50"',
      ],
    );
    assert.deepEqual(
      problems((p) => checkAgainstTenants(p, acme(), [a])),
      ['tenant="acme"'],
    );
  });

  it("the demo's two tenants share CIDRs and lanIp but nothing else, and pass", () => {
    assert.deepEqual(
      problems((p) => checkAgainstTenants(p, globex(), [acme()])),
      [],
    );
  });

  it("a namespace the cluster shows as another tenant's is refused; one's own is fine", () => {
    const owners = new Map([
      ["acme-web", "acme"],
      ["globex", "globex"],
    ]);
    const g = globex();
    g.namespaces.push({ name: "acme-web", adopt: true });
    assert.deepEqual(
      problems((p) => checkNamespaceOwners(p, g, owners)),
      ['namespaces[acme-web].name="acme-web"'],
    );
    assert.deepEqual(
      problems((p) => checkNamespaceOwners(p, acme(), owners)),
      [],
    );
  });
});
