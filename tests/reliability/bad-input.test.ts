/**
 * A table of wrong specs, each previewed through the real engine as its own stack: every one is
 * refused with an error naming the field and the value, and the API server holds nothing new.
 * Combined mistakes, mistakes across two tenants of one program, and cluster-level mistakes; the
 * single-rule cases live in tests/unit/validation.test.ts.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ClusterNetworkSpec, TenantSpec } from "../../provider/core";
import { openProgramStack } from "../e2e/support/stack";
import { boundedAll, clusterSnapshot, demoSpecs, inlineStack, yamlProgram } from "./support/programs";

/** Previews run this many at a time. */
const PARALLEL = 2;
/**
 * Every case runs as an inline TypeScript program (the components run in the program's process, as
 * for TypeScript users); the cases marked `yaml` also as a Pulumi YAML program, where the components
 * run in the provider plugin (its start under ts-node makes these the slow ones).
 */

type Specs = ReturnType<typeof demoSpecs>;
interface Case {
  title: string;
  /** Change the demo specs; return the program's cluster (null: none) and tenants. */
  build(s: Specs): { cluster: ClusterNetworkSpec; tenants: TenantSpec[] };
  /** [field path, value] pairs the error must name. */
  expect: [string, string][];
  /** Also run it as a Pulumi YAML program. */
  yaml?: boolean;
}

const clusterOnly = (change: (c: ClusterNetworkSpec) => void) => (s: Specs) => {
  change(s.cluster);
  return { cluster: s.cluster, tenants: [] };
};
const acme = (change: (t: TenantSpec) => void) => (s: Specs) => {
  change(s.acme);
  return { cluster: s.cluster, tenants: [s.acme] };
};
const globex = (change: (t: TenantSpec) => void) => (s: Specs) => {
  change(s.globex);
  return { cluster: s.cluster, tenants: [s.globex] };
};
const both = (change: (a: TenantSpec, g: TenantSpec) => void) => (s: Specs) => {
  change(s.acme, s.globex);
  return { cluster: s.cluster, tenants: [s.acme, s.globex] };
};

const CASES: Case[] = [
  // ---- cluster network
  {
    title: "EIP pool inside the interconnect range",
    build: clusterOnly((c) => Object.assign(c.eipPools[0], { cidr: "172.31.0.0/25", gateway: "172.31.0.126" })),
    expect: [["eipPools[public-a].cidr", "172.31.0.0/25"]],
    yaml: true,
  },
  {
    title: "two EIP pools overlapping",
    build: clusterOnly((c) =>
      Object.assign(c.eipPools[1], { cidr: "203.0.113.128/25", gateway: "203.0.113.129", excludeIps: undefined }),
    ),
    expect: [["eipPools[public-b].cidr", "203.0.113.128/25"]],
  },
  {
    title: "two EIP pools with one name",
    build: clusterOnly((c) => (c.eipPools[1].name = "public-a")),
    expect: [["eipPools[public-a].name", "public-a"]],
  },
  {
    title: "EIP pool named like Kube-OVN's default subnet",
    build: clusterOnly((c) => (c.eipPools[0].name = "ovn-default")),
    expect: [["eipPools[ovn-default].name", "ovn-default"]],
  },
  {
    title: "host interface name too long",
    build: clusterOnly((c) => (c.interconnect.masterInterface = "eth1-much-too-long")),
    expect: [["interconnect.masterInterface", "eth1-much-too-long"]],
  },
  {
    title: "NAT gateway image with a space",
    build: clusterOnly((c) => (c.natGateway.image = "kubeovn/vpc-nat-gateway v1.16.2")),
    expect: [["natGateway.image", "kubeovn/vpc-nat-gateway v1.16.2"]],
  },
  { title: "no EIP pool at all", build: clusterOnly((c) => (c.eipPools = [])), expect: [["eipPools", "[]"]] },
  {
    title: "interconnect CIDR with host bits",
    build: clusterOnly((c) => (c.interconnect.cidr = "172.31.0.5/24")),
    expect: [["interconnect.cidr", "172.31.0.5/24"]],
  },
  {
    title: "interconnect gateway outside its range",
    build: clusterOnly((c) => (c.interconnect.gateway = "172.32.0.1")),
    expect: [["interconnect.gateway", "172.32.0.1"]],
  },
  {
    title: "combined: pool name not a DNS label and an empty image",
    build: clusterOnly((c) => {
      c.eipPools[0].name = "Public_A";
      c.natGateway.image = "";
    }),
    expect: [
      ["eipPools[Public_A].name", "Public_A"],
      ["natGateway.image", '""'],
    ],
  },
  {
    title: "pool excludeIps range leaving the pool",
    build: clusterOnly((c) => (c.eipPools[1].excludeIps = ["198.51.100.2..198.51.101.20"])),
    expect: [["eipPools[public-b].excludeIps[0]", "198.51.100.2..198.51.101.20"]],
  },
  {
    title: "pool gateway in the other pool",
    build: clusterOnly((c) => (c.eipPools[0].gateway = "198.51.100.1")),
    expect: [["eipPools[public-a].gateway", "198.51.100.1"]],
  },
  // ---- one tenant, several mistakes at once
  {
    title: "subnet on an EIP pool, so the NAT gateway's LAN address falls outside it",
    build: acme((t) => {
      t.subnets[0].cidr = "203.0.113.0/24";
      delete t.subnets[0].excludeIps;
    }),
    expect: [
      ["subnets[web].cidr", "203.0.113.0/24"],
      ["natGateway.lanIp", "10.10.1.254"],
    ],
  },
  {
    title: "subnet over the interconnect range",
    build: acme((t) => (t.subnets[1].cidr = "172.31.0.0/16")),
    expect: [["subnets[app].cidr", "172.31.0.0/16"]],
  },
  {
    title: "two subnets overlapping and a namespace bound to both",
    build: acme((t) => {
      t.subnets[1].cidr = "10.10.1.128/25";
      t.subnets[1].namespaces = ["acme-web"];
    }),
    expect: [
      ["subnets[app].cidr", "10.10.1.128/25"],
      ["subnets[app].namespaces[0]", "acme-web"],
    ],
    yaml: true,
  },
  {
    title: "undeclared namespace and unknown NAT gateway subnet",
    build: acme((t) => {
      t.subnets[0].namespaces.push("acme-db");
      t.natGateway!.subnet = "dmz";
    }),
    expect: [
      ["subnets[web].namespaces[1]", "acme-db"],
      ["natGateway.subnet", "dmz"],
    ],
  },
  { title: "tenant name with upper case", build: acme((t) => (t.tenant = "Acme")), expect: [["tenant", "Acme"]] },
  {
    title: "tenant named like Kube-OVN's default VPC",
    build: acme((t) => (t.tenant = "ovn-cluster")),
    expect: [["tenant", "ovn-cluster"]],
  },
  {
    title: "tenant name over 30 characters",
    build: acme((t) => (t.tenant = "acme-corporation-global-network")),
    expect: [["tenant", "acme-corporation-global-network"]],
  },
  {
    title: "unknown pool and a DNAT rule on an unknown EIP",
    build: acme((t) => {
      t.eips![1].pool = "public-c";
      t.dnatRules![0].eip = "www";
    }),
    expect: [
      ["eips[web].pool", "public-c"],
      ["dnatRules[https].eip", "www"],
    ],
  },
  {
    title: "static EIP outside its pool and DNAT target outside the VPC",
    build: acme((t) => {
      t.eips![0].v4ip = "198.51.100.50";
      t.dnatRules![0].internalIp = "10.10.3.10";
    }),
    expect: [
      ["eips[egress].v4ip", "198.51.100.50"],
      ["dnatRules[https].internalIp", "10.10.3.10"],
    ],
  },
  {
    title: "two EIPs of one tenant on one static address",
    build: acme((t) => (t.eips![1].v4ip = "203.0.113.10")),
    expect: [["eips[web].v4ip", "203.0.113.10"]],
  },
  {
    title: "static EIP on the pool's gateway",
    build: acme((t) => (t.eips![0].v4ip = "203.0.113.1")),
    expect: [["eips[egress].v4ip", "203.0.113.1"]],
  },
  {
    title: "DNAT port out of range and an unknown protocol",
    build: acme((t) => Object.assign(t.dnatRules![0], { externalPort: 70000, protocol: "sctp" })),
    expect: [
      ["dnatRules[https].externalPort", "70000"],
      ["dnatRules[https].protocol", "sctp"],
    ],
  },
  {
    title: "one EIP port forwarded twice",
    build: acme((t) => t.dnatRules!.push({ ...t.dnatRules![0], name: "https2", internalIp: "10.10.1.11" })),
    expect: [["dnatRules[https2].externalPort", "443"]],
  },
  {
    title: "floating IP on an EIP that SNAT uses",
    build: globex((t) => (t.floatingIps![0].eip = "out")),
    expect: [["floatingIps[db].eip", "out"]],
  },
  {
    title: "SNAT CIDR with host bits and another outside the VPC",
    build: acme((t) => {
      t.snatRules![0].internalCIDR = "10.10.1.5/24";
      t.snatRules![1].internalCIDR = "10.20.0.0/24";
    }),
    expect: [
      ["snatRules[web-out].internalCIDR", "10.10.1.5/24"],
      ["snatRules[app-out].internalCIDR", "10.20.0.0/24"],
    ],
  },
  {
    title: "static route via an unreachable hop with an unknown policy",
    build: globex((t) => Object.assign(t.staticRoutes![0], { nextHopIP: "10.11.0.1", policy: "policyAny" })),
    expect: [
      ["staticRoutes[0].nextHopIP", "10.11.0.1"],
      ["staticRoutes[0].policy", "policyAny"],
    ],
  },
  {
    title: "policy route with priority over 32767 and reroute without a hop",
    build: globex(
      (t) => (t.policyRoutes = [{ priority: 40000, match: "ip4.src == 10.10.1.0/24", action: "reroute" as any }]),
    ),
    expect: [
      ["policyRoutes[0].priority", "40000"],
      ["policyRoutes[0].nextHopIP", "(missing)"],
    ],
  },
  {
    title: "namespace route via another subnet's address",
    build: acme((t) => (t.namespaces[0].routes![0].gw = "10.10.2.1")),
    expect: [["namespaces[acme-web].routes[0].gw", "10.10.2.1"]],
  },
  {
    title: "a system namespace claimed by a tenant",
    build: acme((t) => {
      t.namespaces.push({ name: "kube-system" });
      t.subnets[1].namespaces.push("kube-system");
    }),
    expect: [["namespaces[kube-system].name", "kube-system"]],
  },
  {
    title: "NAT gateway interconnect address outside the interconnect range",
    build: acme((t) => (t.natGateway!.interconnectIp = "172.30.0.5")),
    expect: [["natGateway.interconnectIp", "172.30.0.5"]],
  },
  {
    title: "interconnect address on its gateway and LAN address on the subnet gateway",
    build: acme((t) => Object.assign(t.natGateway!, { interconnectIp: "172.31.0.1", lanIp: "10.10.1.1" })),
    expect: [
      ["natGateway.interconnectIp", "172.31.0.1"],
      ["natGateway.lanIp", "10.10.1.1"],
    ],
  },
  {
    title: "EIPs and NAT rules without a NAT gateway",
    build: globex((t) => delete t.natGateway),
    expect: [["natGateway", "(missing)"]],
  },
  {
    title: "IPv6 address on an IPv4-only pool",
    build: acme((t) => (t.eips![0].v6ip = "2001:db8::10")),
    expect: [["eips[egress].v6ip", "2001:db8::10"]],
  },
  {
    title: "default route that clashes with the NAT gateway's",
    build: globex((t) => t.staticRoutes!.push({ cidr: "0.0.0.0/0", nextHopIP: "10.10.1.1" })),
    expect: [["staticRoutes[1].cidr", "0.0.0.0/0"]],
  },
  {
    title: "allowSubnets on a public subnet and an invalid allowed CIDR",
    build: acme((t) => {
      t.subnets[0].allowSubnets = ["10.10.2.0/24"];
      t.subnets[1].allowSubnets = ["10.10.300.0/24"];
    }),
    expect: [
      ["subnets[web].allowSubnets", "10.10.2.0/24"],
      ["subnets[app].allowSubnets[0]", "10.10.300.0/24"],
    ],
  },
  { title: "no subnet at all", build: globex((t) => (t.subnets = [])), expect: [["subnets", "[]"]] },
  {
    title: "node selector written as key=value",
    build: acme((t) => (t.natGateway!.selector = ["kubernetes.io/os=linux"])),
    expect: [["natGateway.selector[0]", "kubernetes.io/os=linux"]],
  },
  {
    title: "EIP named like the interconnect claim, and a duplicate subnet name",
    build: acme((t) => {
      t.eips![1].name = "interconnect";
      t.dnatRules![0].eip = "interconnect";
      t.subnets[1].name = "web";
    }),
    expect: [
      ["eips[interconnect].name", "interconnect"],
      ["subnets[web].name", "web"],
    ],
  },
  // ---- two tenants in one program
  { title: "two tenants with one name", build: both((_a, g) => (g.tenant = "acme")), expect: [["tenant", "acme"]] },
  {
    title: "two tenants with one namespace",
    build: both((_a, g) => {
      g.namespaces[0].name = "acme-web";
      g.subnets[0].namespaces = ["acme-web"];
    }),
    expect: [["namespaces[acme-web].name", "acme-web"]],
    yaml: true,
  },
  {
    title: "two tenants with one static EIP",
    build: both((a, g) => {
      a.eips![0].name = "shared";
      for (const r of a.snatRules!) r.eip = "shared";
      g.eips![0] = { name: "shared", pool: "public-a", v4ip: "203.0.113.10" };
      g.snatRules![0].eip = "shared";
    }),
    expect: [["eips[shared].v4ip", "203.0.113.10"]],
  },
  {
    title: "two tenants with one static interconnect address",
    build: both((a, g) => {
      a.natGateway!.interconnectIp = "172.31.0.50";
      g.natGateway!.interconnectIp = "172.31.0.50";
    }),
    expect: [["natGateway.interconnectIp", "172.31.0.50"]],
  },
];

const runs = [
  ...CASES.map((c) => ({ c, yaml: false })),
  ...CASES.filter((c) => c.yaml).map((c) => ({ c, yaml: true })),
];

describe("bad-input: wrong specs are refused at preview, naming field and value, creating nothing", function () {
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-bad-input-"));
  let initial: string[];
  let outcomes: Promise<PromiseSettledResult<unknown>>[];

  before(async function () {
    initial = await clusterSnapshot();
    outcomes = boundedAll(
      PARALLEL,
      runs.map(({ c, yaml }, i) => async () => {
        const specs = c.build(demoSpecs());
        // Inline: a cluster stack for the cluster's mistakes, else a tenant stack given the cluster's info.
        if (!yaml)
          return (await inlineStack(`bad${i}`, specs.cluster, specs.tenants, backend)).preview({
            onOutput: () => undefined,
          });
        const s = await openProgramStack(
          `bad${i}`,
          yamlProgram(`bad-input-${i}`, specs.cluster, specs.tenants),
          backend,
        );
        try {
          return await s.stack.preview({ onOutput: () => undefined });
        } finally {
          s.cleanup();
        }
      }),
    );
  });

  after(function () {
    fs.rmSync(backend, { recursive: true, force: true });
  });

  runs.forEach(({ c, yaml }, i) => {
    it(`${c.title}${yaml ? " (Pulumi YAML)" : ""}`, async function () {
      const outcome = await outcomes[i];
      assert.equal(outcome.status, "rejected", "the preview succeeded");
      const message = String(
        (outcome as PromiseRejectedResult).reason?.message ?? (outcome as PromiseRejectedResult).reason,
      );
      for (const [field, value] of c.expect) {
        const line = message.split("\n").find((l) => l.includes(`${field}:`) && l.includes(value));
        assert.ok(line, `no error line names ${field} and ${value}:\n${message.slice(0, 3000)}`);
      }
      assert.deepEqual(await clusterSnapshot(), initial);
    });
  });
});
