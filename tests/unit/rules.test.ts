/**
 * One case per rule of provider/core/rules: an input the rule refuses (a problem carrying its id) and
 * the same input fixed (no problem of that id). The table test also checks that every rule names a
 * test that exists, and that docs/upstream-rules.md is the one the rules generate.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type ClusterNetworkSpec,
  PlanError,
  type Problem,
  type TenantSpec,
  planCluster,
  planFleet,
  planTenant,
  withServiceIps,
} from "../../provider/core";
import { ALL_RULES } from "../../provider/core/rules";
import { RULE_TESTS } from "../../provider/core/rules/rule";
import { RULES_DOC, renderRulesDoc } from "../../scripts/rules-doc";
import { clone, loadDemo, repoRoot } from "../support/demo";

const demo = loadDemo();
/** Cases write values of the wrong type on purpose. */
type Any = any;

function cluster(): ClusterNetworkSpec {
  return { ...clone(demo.cluster), apiServerAccess: { cidr: "100.100.100.0/24" } };
}

/** The demo's acme with static and policy routes and a floating IP: NAT, EIPs, rules, routes. */
function nat(): TenantSpec {
  const t = clone(demo.tenants[0]);
  t.staticRoutes = [{ cidr: "10.99.0.0/16", nextHopIP: "10.10.1.200" }];
  t.policyRoutes = [
    { priority: 100, match: "ip4.src == 10.10.2.0/24", action: "reroute", nextHopIP: "10.10.1.200" } as Any,
  ];
  t.eips!.push({ name: "db", pool: "public-a" });
  t.floatingIps = [{ name: "db", eip: "db", internalIp: "10.10.2.20" }];
  return t;
}

/** A tenant with API-server access, a security group, a peering and monitoring. */
function access(): TenantSpec {
  return {
    tenant: "alpha",
    apiServerAccess: true,
    namespaces: [{ name: "alpha-web" }, { name: "alpha-jobs", apiServerAccess: false }],
    subnets: [
      { name: "web", cidr: "10.10.1.0/24", namespaces: ["alpha-web"] },
      { name: "jobs", cidr: "10.10.2.0/24", namespaces: ["alpha-jobs"] },
    ],
    securityGroups: [
      {
        name: "web",
        namespaces: ["alpha-web"],
        ingressRules: [
          { priority: 10, policy: "allow", protocol: "tcp", remoteAddress: "10.20.0.0/16", ports: "443" } as Any,
          { priority: 20, policy: "allow", remoteSecurityGroup: "web" } as Any,
        ],
      },
    ],
    peerings: [{ tenant: "beta", localConnectIP: "169.254.0.1/30", remoteCidrs: ["10.20.0.0/16"] }],
    monitoring: { scraperNamespace: "alpha-metrics", cidr: "10.10.255.0/28", ports: ["9090"] },
  };
}

/** The problems of planning `t` on cluster `c`; none when it plans. */
function problems(t: TenantSpec, c: ClusterNetworkSpec): Problem[] {
  try {
    planTenant(t, withServiceIps(planCluster(c).info, ["10.96.0.1"]));
    return [];
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
}

interface Case {
  /** The tenant to start from (default: nat). */
  base?: "nat" | "access";
  /** Makes the input the rule refuses. */
  bad: (t: Any, c: Any) => void;
  /** Makes the input fixed (default: the base as is). */
  good?: (t: Any, c: Any) => void;
}

const v6 = (t: Any, gateway?: string) => {
  t.subnets[1].cidr = "10.10.2.0/24,fd00:2::/64";
  if (gateway) t.subnets[1].gateway = gateway;
};

const cases: Record<string, Case> = {
  "tenant.object": { bad: (t) => (t.subnets = []) },
  "tenant.name": { bad: (t) => (t.tenant = "ovn-cluster") },
  "name.label": { bad: (t) => (t.eips[0].name = "out--egress"), good: (t) => (t.eips[0].name = "out-egress") },
  "name.length": {
    bad: (t) => (t.eips[1].name = "e".repeat(60)),
    good: (t) => (t.eips[1].name = "e".repeat(50)),
  },
  "name.reserved": { bad: (t) => (t.subnets[1].name = "vpc"), good: (t) => (t.subnets[1].name = "vpc-app") },
  "name.twice": { bad: (t) => (t.snatRules[1].name = "web-out") },
  "namespace.unbound": {
    bad: (t) => t.namespaces.push({ name: "acme-extra" }),
    good: (t) => {
      t.namespaces.push({ name: "acme-extra" });
      t.subnets[1].namespaces.push("acme-extra");
    },
  },
  "namespace.routes.gw": { bad: (t) => (t.namespaces[0].routes[0].gw = "10.10.2.1") },
  "namespace.routes.dst": { bad: (t) => (t.namespaces[0].routes[0].dst = "192.168.0.1/16") },
  "pods.podSelector": {
    base: "access",
    bad: (t) => (t.securityGroups[0].podSelector = { matchLabels: { "bad key!": "x" } }),
    good: (t) => (t.securityGroups[0].podSelector = { matchLabels: { app: "web" } }),
  },
  "subnet.cidr.invalid": { bad: (t) => (t.subnets[1].cidr = "10.10.2.0/33") },
  "subnet.cidr.host-bits": { bad: (t) => (t.subnets[1].cidr = "10.10.2.7/24") },
  "subnet.cidr.not-canonical": {
    bad: (t) => (t.subnets[1].cidr = "10.10.2.0/24,FD00:0:0:2::/64"),
    good: (t) => (t.subnets[1].cidr = "10.10.2.0/24,fd00:0:0:2::/64"),
  },
  "subnet.cidr.special-range": {
    bad: (t) => (t.subnets[1].cidr = "169.254.10.0/24"),
    good: (t) => (t.subnets[1].cidr = "10.254.10.0/24"),
  },
  "subnet.cidr.single-address": { bad: (t) => (t.subnets[1].cidr = "10.10.2.5/32") },
  "subnet.gateway.required": { bad: (_t, c) => delete c.interconnect.gateway },
  "subnet.gateway.invalid": { bad: (t) => (t.subnets[1].gateway = "10.10.2.300") },
  "subnet.gateway.not-canonical": {
    bad: (t) => v6(t, "10.10.2.1,fd00:2:0::1"),
    good: (t) => v6(t, "10.10.2.1,fd00:2::1"),
  },
  "subnet.gateway.family": { bad: (t) => (t.subnets[1].gateway = "fd00::1") },
  "subnet.gateway.outside": { bad: (t) => (t.subnets[1].gateway = "10.10.9.1") },
  "subnet.gateway.network-or-broadcast": {
    bad: (t) => (t.subnets[1].gateway = "10.10.2.255"),
    good: (t) => (t.subnets[1].gateway = "10.10.2.254"),
  },
  "subnet.gateway.missing-family": {
    bad: (t) => v6(t, "10.10.2.1"),
    good: (t) => v6(t, "10.10.2.1,fd00:2::1"),
  },
  "subnet.excludeIps.invalid": { bad: (t) => (t.subnets[1].excludeIps = ["10.10.2.9..10.10.2.3"]) },
  "subnet.excludeIps.not-canonical": {
    bad: (t) => (t.subnets[1].excludeIps = ["10.10.2.9..10.10.2.9"]),
    good: (t) => (t.subnets[1].excludeIps = ["10.10.2.9"]),
  },
  "subnet.excludeIps.outside": { bad: (t) => (t.subnets[1].excludeIps = ["10.10.9.1"]) },
  "subnet.excludeIps.overlap": {
    bad: (t) => (t.subnets[1].excludeIps = ["10.10.2.2..10.10.2.5", "10.10.2.4..10.10.2.8"]),
    good: (t) => (t.subnets[1].excludeIps = ["10.10.2.2..10.10.2.8"]),
  },
  "subnet.namespaces.list": { bad: (t) => (t.subnets[1].namespaces = "acme-app") },
  "subnet.namespaces.undeclared": { bad: (t) => t.subnets[1].namespaces.push("nobody") },
  "subnet.namespaces.twice": { bad: (t) => t.subnets[1].namespaces.push("acme-web") },
  "subnet.allowSubnets.not-private": { bad: (t) => (t.subnets[1].private = false) },
  "subnet.allowSubnets.invalid": { bad: (t) => (t.subnets[1].allowSubnets = ["10.10.1.0/33"]) },
  "subnet.allowSubnets.not-canonical": { bad: (t) => (t.subnets[1].allowSubnets = ["10.10.1.5/24"]) },
  "subnet.cidr.overlap": { bad: (t) => (t.subnets[1].cidr = "10.10.1.128/25") },
  "subnet.cidr.interconnect": { bad: (t) => (t.subnets[1].cidr = "172.31.0.0/24") },
  "subnet.cidr.eip-pool": { bad: (t) => (t.subnets[1].cidr = "203.0.113.0/24") },
  "vpc.staticRoutes.cidr.invalid": { bad: (t) => (t.staticRoutes[0].cidr = "10.99.0.0/33") },
  "vpc.staticRoutes.cidr.host-bits": { bad: (t) => (t.staticRoutes[0].cidr = "10.99.0.1/16") },
  "vpc.staticRoutes.cidr.not-canonical": {
    bad: (t) => (t.staticRoutes[0].cidr = "FD99::/64"),
    good: (t) => (t.staticRoutes[0].cidr = "fd99::/64"),
  },
  "vpc.staticRoutes.nextHopIP.invalid": { bad: (t) => (t.staticRoutes[0].nextHopIP = "10.10.1.300") },
  "vpc.staticRoutes.nextHopIP.not-canonical": {
    bad: (t) => (t.staticRoutes[0].nextHopIP = "FD00::1"),
    good: (t) => (t.staticRoutes[0].nextHopIP = "fd00::1"),
  },
  "vpc.staticRoutes.nextHopIP.unreachable": { bad: (t) => (t.staticRoutes[0].nextHopIP = "10.50.0.1") },
  "vpc.staticRoutes.nextHopIP.family": { bad: (t) => (t.staticRoutes[0].cidr = "fd99::/64") },
  "vpc.staticRoutes.policy": { bad: (t) => (t.staticRoutes[0].policy = "policyAny") },
  "vpc.staticRoutes.twice": { bad: (t) => t.staticRoutes.push({ ...t.staticRoutes[0], nextHopIP: "10.10.1.201" }) },
  "vpc.staticRoutes.default-route": {
    bad: (t) => t.staticRoutes.push({ cidr: "0.0.0.0/0", nextHopIP: "10.10.1.200" }),
    good: (t) => {
      t.staticRoutes.push({ cidr: "0.0.0.0/0", nextHopIP: "10.10.1.200" });
      t.natGateway.defaultRoute = false;
    },
  },
  "vpc.routeTable.name": {
    bad: (t) => {
      t.subnets[0].routeTable = "main";
      t.staticRoutes[0].routeTable = "main";
    },
    good: (t) => {
      t.subnets[0].routeTable = "blue";
      t.staticRoutes[0].routeTable = "blue";
    },
  },
  "vpc.routeTable.subnet-source-route": {
    bad: (t) => t.staticRoutes.push({ cidr: "10.10.2.0/24", nextHopIP: "10.10.1.200", policy: "policySrc" }),
    good: (t) => t.staticRoutes.push({ cidr: "10.10.2.0/25", nextHopIP: "10.10.1.200", policy: "policySrc" }),
  },
  "vpc.routeTable.unrouted": {
    bad: (t) => (t.subnets[0].routeTable = "blue"),
    good: (t) => {
      t.subnets[0].routeTable = "blue";
      t.staticRoutes[0].routeTable = "blue";
    },
  },
  "vpc.routeTable.unbound": {
    bad: (t) => (t.staticRoutes[0].routeTable = "blue"),
    good: (t) => {
      t.subnets[0].routeTable = "blue";
      t.staticRoutes[0].routeTable = "blue";
    },
  },
  "vpc.routeTable.shadowed": {
    bad: (t) => {
      t.subnets[0].routeTable = "blue";
      t.staticRoutes.push({ cidr: "10.99.0.0/16", nextHopIP: "10.10.1.201", routeTable: "blue" });
    },
    good: (t) => {
      t.subnets[0].routeTable = "blue";
      t.staticRoutes.push({ cidr: "10.98.0.0/16", nextHopIP: "10.10.1.201", routeTable: "blue" });
    },
  },
  "vpc.policyRoutes.priority.range": { bad: (t) => (t.policyRoutes[0].priority = 40000) },
  "vpc.policyRoutes.priority.reserved": {
    bad: (t) => (t.policyRoutes[0].priority = 29000),
    good: (t) => (t.policyRoutes[0].priority = 28999),
  },
  "vpc.policyRoutes.match": { bad: (t) => (t.policyRoutes[0].match = " ") },
  "vpc.policyRoutes.action": { bad: (t) => (t.policyRoutes[0].action = "forward") },
  "vpc.policyRoutes.nextHopIP.invalid": { bad: (t) => (t.policyRoutes[0].nextHopIP = "x") },
  "vpc.policyRoutes.nextHopIP.unreachable": { bad: (t) => (t.policyRoutes[0].nextHopIP = "10.50.0.1") },
  "vpc.policyRoutes.nextHopIP.unused": {
    bad: (t) => (t.policyRoutes[0].action = "allow"),
    good: (t) => {
      t.policyRoutes[0].action = "allow";
      delete t.policyRoutes[0].nextHopIP;
    },
  },
  "vpc.policyRoutes.twice": { bad: (t) => t.policyRoutes.push({ ...t.policyRoutes[0] }) },
  "vpc.peerings.list": { base: "access", bad: (t) => (t.peerings = "beta") },
  "vpc.peerings.tenant": { base: "access", bad: (t) => (t.peerings[0].tenant = "alpha") },
  "vpc.peerings.localConnectIP.invalid": { base: "access", bad: (t) => (t.peerings[0].localConnectIP = "169.254.0.1") },
  "vpc.peerings.localConnectIP.not-host": {
    base: "access",
    bad: (t) => (t.peerings[0].localConnectIP = "169.254.0.0/30"),
  },
  "vpc.peerings.localConnectIP.not-canonical": {
    base: "access",
    bad: (t) => (t.peerings[0].localConnectIP = "fd00:0::1/127"),
    good: (t) => (t.peerings[0].localConnectIP = "fd00::1/127"),
  },
  "vpc.peerings.localConnectIP.overlap": {
    base: "access",
    bad: (t) => (t.peerings[0].localConnectIP = "10.10.1.1/30"),
  },
  "vpc.peerings.remoteConnectIP": {
    base: "access",
    bad: (t) => (t.peerings[0].localConnectIP = "169.254.0.1/29"),
    good: (t) => {
      t.peerings[0].localConnectIP = "169.254.0.1/29";
      t.peerings[0].remoteConnectIP = "169.254.0.2";
    },
  },
  "vpc.peerings.remoteCidrs.invalid": { base: "access", bad: (t) => (t.peerings[0].remoteCidrs = ["10.20.0.1/16"]) },
  "vpc.peerings.remoteCidrs.clash": { base: "access", bad: (t) => (t.peerings[0].remoteCidrs = ["10.10.1.0/24"]) },
  "natgw.required": { bad: (t) => delete t.natGateway },
  "natgw.subnet.undeclared": { bad: (t) => (t.natGateway.subnet = "nope") },
  "natgw.lanIp.invalid": { bad: (t) => (t.natGateway.lanIp = "10.10.1.300") },
  "natgw.lanIp.not-canonical": {
    bad: (t) => (t.natGateway.lanIp = "FD00::5"),
    good: (t) => (t.natGateway.lanIp = "fd00::5"),
  },
  "natgw.lanIp.outside": { bad: (t) => (t.natGateway.lanIp = "10.10.2.5") },
  "natgw.lanIp.gateway": { bad: (t) => (t.natGateway.lanIp = "10.10.1.1") },
  "natgw.interconnectIp.invalid": {
    bad: (t) => (t.natGateway.interconnectIp = "10.0.0.1"),
    good: (t) => (t.natGateway.interconnectIp = "172.31.0.50"),
  },
  "natgw.selector": {
    bad: (t) => (t.natGateway.selector = ["linux"]),
    good: (t) => (t.natGateway.selector = ["kubernetes.io/os: linux"]),
  },
  "eip.pool.unknown": { bad: (t) => (t.eips[0].pool = "nope") },
  "eip.pool.ipv4": {
    bad: (t, c) => {
      c.eipPools[1] = { name: "public-b", cidr: "fd00:ee::/64", gateway: "fd00:ee::1" };
      t.eips[1].pool = "public-b";
    },
  },
  "eip.address.invalid": { bad: (t) => (t.eips[0].v4ip = "203.0.113.300") },
  "eip.address.not-canonical": {
    bad: (t) => (t.eips[0].v6ip = "FD00::5"),
    good: (t) => (t.eips[0].v6ip = "fd00::5"),
  },
  "eip.address.family": { bad: (t) => (t.eips[0].v6ip = "fd00::5") },
  "eip.address.outside": { bad: (t) => (t.eips[0].v4ip = "198.51.100.10") },
  "eip.address.reserved": { bad: (t) => (t.eips[0].v4ip = "203.0.113.1") },
  "eip.address.twice": { bad: (t) => (t.eips[1].v4ip = "203.0.113.10") },
  "snat.eip.unknown": { bad: (t) => (t.snatRules[0].eip = "nope") },
  "snat.internalCIDR.invalid": { bad: (t) => (t.snatRules[0].internalCIDR = "10.10.1.0/24,10.10.2.0/24") },
  "snat.internalCIDR.host-bits": { bad: (t) => (t.snatRules[0].internalCIDR = "10.10.1.1/24") },
  "snat.internalCIDR.not-ipv4": { bad: (t) => (t.snatRules[0].internalCIDR = "fd00::/64") },
  "snat.internalCIDR.outside": { bad: (t) => (t.snatRules[0].internalCIDR = "10.50.0.0/24") },
  "dnat.eip.unknown": { bad: (t) => (t.dnatRules[0].eip = "nope") },
  "dnat.protocol": { bad: (t) => (t.dnatRules[0].protocol = "sctp") },
  "dnat.port": { bad: (t) => (t.dnatRules[0].externalPort = 0) },
  "dnat.internalIp.invalid": { bad: (t) => (t.dnatRules[0].internalIp = "x") },
  "dnat.internalIp.not-ipv4": { bad: (t) => (t.dnatRules[0].internalIp = "fd00::1") },
  "dnat.internalIp.outside": { bad: (t) => (t.dnatRules[0].internalIp = "10.50.0.1") },
  "dnat.externalPort.twice": {
    bad: (t) => t.dnatRules.push({ ...t.dnatRules[0], name: "https2" }),
    good: (t) => t.dnatRules.push({ ...t.dnatRules[0], name: "https2", externalPort: 8443 }),
  },
  "fip.eip.unknown": { bad: (t) => (t.floatingIps[0].eip = "nope") },
  "fip.internalIp.invalid": { bad: (t) => (t.floatingIps[0].internalIp = "x") },
  "fip.internalIp.not-ipv4": { bad: (t) => (t.floatingIps[0].internalIp = "fd00::1") },
  "fip.internalIp.outside": { bad: (t) => (t.floatingIps[0].internalIp = "10.50.0.1") },
  "fip.internalIp.twice": {
    bad: (t) => {
      t.eips.push({ name: "db2", pool: "public-a" });
      t.floatingIps.push({ name: "db2", eip: "db2", internalIp: "10.10.2.20" });
    },
    good: (t) => {
      t.eips.push({ name: "db2", pool: "public-a" });
      t.floatingIps.push({ name: "db2", eip: "db2", internalIp: "10.10.2.21" });
    },
  },
  "fip.eip.exclusive": { bad: (t) => (t.floatingIps[0].eip = "web") },
  "sg.list": { base: "access", bad: (t) => (t.securityGroups[0].namespaces = "alpha-web") },
  "sg.namespaces.undeclared": { base: "access", bad: (t) => (t.securityGroups[0].namespaces = ["nobody"]) },
  "sg.allowSameGroupTraffic": { base: "access", bad: (t) => (t.securityGroups[0].allowSameGroupTraffic = "yes") },
  "sg.rule.priority": { base: "access", bad: (t) => (t.securityGroups[0].ingressRules[0].priority = 0) },
  "sg.rule.policy": { base: "access", bad: (t) => (t.securityGroups[0].ingressRules[0].policy = "permit") },
  "sg.rule.protocol": { base: "access", bad: (t) => (t.securityGroups[0].ingressRules[0].protocol = "sctp") },
  "sg.rule.remote": {
    base: "access",
    bad: (t) => (t.securityGroups[0].ingressRules[0].remoteSecurityGroup = "web"),
  },
  "sg.rule.remoteAddress.invalid": {
    base: "access",
    bad: (t) => (t.securityGroups[0].ingressRules[0].remoteAddress = "10.20.0.1/16"),
  },
  "sg.rule.remoteAddress.not-canonical": {
    base: "access",
    bad: (t) => (t.securityGroups[0].ingressRules[0].remoteAddress = "FD00::/64"),
    good: (t) => (t.securityGroups[0].ingressRules[0].remoteAddress = "fd00::/64"),
  },
  "sg.rule.remoteSecurityGroup": {
    base: "access",
    bad: (t) => (t.securityGroups[0].ingressRules[1].remoteSecurityGroup = "nope"),
  },
  "sg.rule.ipVersion": { base: "access", bad: (t) => (t.securityGroups[0].ingressRules[0].ipVersion = "ipv6") },
  "sg.rule.ports": { base: "access", bad: (t) => (t.securityGroups[0].ingressRules[0].ports = "0-10") },
  "nad.flag": { base: "access", bad: (t) => (t.apiServerAccess = "yes") },
  "nad.apiServerAccess.selector-unused": {
    base: "access",
    bad: (t) => (t.namespaces[1].apiServerAccessPodSelector = { matchLabels: { app: "x" } }),
    good: (t) => (t.namespaces[0].apiServerAccessPodSelector = { matchLabels: { app: "x" } }),
  },
  "nad.apiServerAccess.cluster": { base: "access", bad: (_t, c) => delete c.apiServerAccess },
  "nad.apiServerAccess.overlap": { base: "access", bad: (t) => (t.subnets[1].cidr = "100.100.100.0/24") },
  "nad.monitoring.object": { base: "access", bad: (t) => (t.monitoring.ports = []) },
  "nad.monitoring.scraperNamespace": { base: "access", bad: (t) => (t.monitoring.scraperNamespace = "kube-system") },
  "nad.monitoring.cidr.overlap": { base: "access", bad: (t) => (t.monitoring.cidr = "10.10.1.0/28") },
  "nad.monitoring.ports": { base: "access", bad: (t) => (t.monitoring.ports = ["70000"]) },
  "nad.monitoring.namespaces": { base: "access", bad: (t) => (t.monitoring.namespaces = ["beta"]) },
  "cluster.object": { bad: (_t, c) => (c.eipPools = []) },
  "cluster.masterInterface": { bad: (_t, c) => (c.interconnect.masterInterface = "a-very-long-ifname") },
  "cluster.natGateway.image": { bad: (_t, c) => (c.natGateway.image = "") },
  "cluster.pool.name": {
    bad: (_t, c) => (c.eipPools[1].name = "join"),
    good: (_t, c) => (c.eipPools[1].name = "public-c"),
  },
  "cluster.pool.overlap": {
    bad: (_t, c) => (c.eipPools[1] = { name: "public-b", cidr: "203.0.113.128/25", gateway: "203.0.113.129" }),
    good: (_t, c) => (c.eipPools[1] = { name: "public-b", cidr: "198.51.100.128/25", gateway: "198.51.100.129" }),
  },
  "cluster.apiServerAccess.overlap": { base: "access", bad: (_t, c) => (c.apiServerAccess.cidr = "172.31.0.0/24") },
  "cluster.serviceIps": { base: "access", bad: (_t, c) => (c.apiServerAccess.cidr = "10.96.0.0/24") },
};

/** The peer of access(), with the mirror half of the peering. */
function beta(): TenantSpec {
  return {
    tenant: "beta",
    namespaces: [{ name: "beta" }],
    subnets: [{ name: "main", cidr: "10.20.0.0/24", namespaces: ["beta"] }],
    peerings: [{ tenant: "alpha", localConnectIP: "169.254.0.2/30", remoteCidrs: ["10.10.1.0/24", "10.10.2.0/24"] }],
  };
}

/** Rules between tenants: planned as a fleet of the tenants `tenants` makes. */
const fleetCases: Record<string, { tenants: () => TenantSpec[]; bad: (ts: Any[]) => void }> = {
  "tenants.name": { tenants: () => [access(), beta()], bad: (ts) => (ts[1].tenant = "alpha") },
  "tenants.namespace": {
    tenants: () => [access(), beta()],
    bad: (ts) => {
      ts[1].namespaces.push({ name: "alpha-web" });
      ts[1].subnets[0].namespaces.push("alpha-web");
    },
  },
  "tenants.static-address": {
    tenants: () => [nat(), clone(demo.tenants[1])],
    bad: (ts) => (ts[1].eips[0] = { name: "out", pool: "public-a", v4ip: "203.0.113.10" }),
  },
  "tenants.peering-pair": { tenants: () => [access(), beta()], bad: (ts) => (ts[1].peerings = []) },
};

function fleetProblems(tenants: TenantSpec[]): Problem[] {
  try {
    planFleet(cluster(), tenants, {}, ["10.96.0.1"]);
    return [];
  } catch (e) {
    if (e instanceof PlanError) return e.problems;
    throw e;
  }
}

/** Rules no input of ours can break: shown by the input closest to breaking them. */
const bounds: Record<string, () => void> = {};

function run(c: Case, mutate: (t: Any, c: Any) => void): Problem[] {
  const t: Any = c.base === "access" ? access() : nat();
  const cl: Any = cluster();
  mutate(t, cl);
  return problems(t, cl);
}

describe("rules: each refuses its input and passes it fixed", () => {
  it("both base tenants plan without a problem", () => {
    assert.deepEqual(problems(nat(), cluster()), []);
    assert.deepEqual(problems(access(), cluster()), []);
    assert.deepEqual(fleetProblems([access(), beta()]), []);
    assert.deepEqual(fleetProblems([nat(), clone(demo.tenants[1])]), []);
  });

  for (const [id, c] of Object.entries(cases)) {
    it(`${id}: refused, and passes when fixed`, () => {
      const bad = run(c, c.bad);
      const hit = bad.find((p) => p.rule === id);
      assert.ok(
        hit,
        `no problem of rule ${id}; got:\n${bad.map((p) => `${p.rule} ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.ok(hit.path !== "" && hit.message !== "", "a problem names its field and says what is wrong");
      const good = run(c, c.good ?? (() => {}));
      assert.deepEqual(
        good.filter((p) => p.rule === id),
        [],
      );
    });
  }
  for (const [id, c] of Object.entries(fleetCases)) {
    it(`${id}: refused between tenants, and passes when fixed`, () => {
      const ts = c.tenants();
      c.bad(ts);
      const bad = fleetProblems(ts);
      assert.ok(
        bad.some((p) => p.rule === id),
        `no problem of rule ${id}; got:\n${bad.map((p) => `${p.rule} ${p.path}: ${p.message}`).join("\n")}`,
      );
      assert.deepEqual(
        fleetProblems(c.tenants()).filter((p) => p.rule === id),
        [],
      );
    });
  }
  for (const [id, check] of Object.entries(bounds)) it(`${id}: cannot be broken by any input of ours`, check);
});

describe("rules: the table cannot lie", () => {
  it("every rule names a test file whose titles carry its id", () => {
    const missing: string[] = [];
    for (const r of ALL_RULES) {
      if (r.test === RULE_TESTS) {
        if (!(r.id in cases) && !(r.id in bounds) && !(r.id in fleetCases))
          missing.push(`${r.id} (no case in ${RULE_TESTS})`);
      } else {
        const file = path.join(repoRoot, r.test);
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (!new RegExp(`it\\(\\s*["'\`][^"'\`]*${r.id.replace(/\./g, "\\.")}`).test(text))
          missing.push(`${r.id} (no test title in ${r.test})`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("every case is of a rule that exists, and ids are unique", () => {
    const ids = ALL_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(
      [...Object.keys(cases), ...Object.keys(bounds), ...Object.keys(fleetCases)].filter((id) => !ids.includes(id)),
      [],
    );
  });

  it("docs/upstream-rules.md is the table the rules generate (npm run docs:rules)", () => {
    assert.equal(fs.readFileSync(RULES_DOC, "utf8"), renderRulesDoc());
  });
});
