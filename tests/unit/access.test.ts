import { strict as assert } from "node:assert";
import {
  type ClusterNetworkSpec,
  POD_DEFAULTS_ANNOTATION,
  type PlannedObject,
  SecurityGroupPolicy,
  SecurityGroupProtocol,
  type TenantSpec,
  planCluster,
  planFleet,
  planTenant,
  withServiceIps,
} from "../../provider/core";
import { problemsOf } from "../support/problems";
import { CrdValidator } from "../support/crds";
import { clone, loadDemo } from "../support/demo";

const demo = loadDemo();

function cluster(): ClusterNetworkSpec {
  return { ...clone(demo.cluster), apiServerAccess: { cidr: "100.100.100.0/24" } };
}
const info = () => withServiceIps(planCluster(cluster()).info, ["10.96.0.1"]);

/** Tenant alpha: API-server access, a security group, a peering with beta, a scraper. */
function alpha(): TenantSpec {
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
        allowSameGroupTraffic: true,
        ingressRules: [
          {
            priority: 10,
            policy: SecurityGroupPolicy.Allow,
            protocol: SecurityGroupProtocol.Tcp,
            remoteAddress: "10.20.0.0/16",
            ports: "443",
          },
          { priority: 20, policy: SecurityGroupPolicy.Allow, remoteSecurityGroup: "web" },
        ],
        egressRules: [{ priority: 100, policy: SecurityGroupPolicy.Allow, remoteAddress: "0.0.0.0/0" }],
      },
    ],
    peerings: [{ tenant: "beta", localConnectIP: "169.254.0.1/30", remoteCidrs: ["10.20.0.0/16"] }],
    monitoring: { scraperNamespace: "alpha-metrics", cidr: "10.10.255.0/28", ports: ["9090", "9100-9102"] },
  };
}

function beta(): TenantSpec {
  return {
    tenant: "beta",
    namespaces: [{ name: "beta" }],
    subnets: [{ name: "main", cidr: "10.20.0.0/24", namespaces: ["beta"] }],
    peerings: [{ tenant: "alpha", localConnectIP: "169.254.0.2/30", remoteCidrs: ["10.10.1.0/24", "10.10.2.0/24"] }],
  };
}

/** Asserts a problem with exactly this path and message. */
function assertProblem(fn: () => unknown, path: string, message: string): void {
  const err = problemsOf(fn);
  assert.ok(
    err.problems.some((p) => p.path === path && p.message === message),
    `no problem "${path}: ${message}"; got:\n${err.message}`,
  );
}

const byId = (objects: PlannedObject[], id: string) => {
  const o = objects.find((x) => x.id === id);
  assert.ok(o, `no object ${id} in ${objects.map((x) => x.id).join(", ")}`);
  return o;
};

describe("API-server access", () => {
  it("the cluster plans a kube-ovn attachment in kube-system and its Subnet in the default VPC", () => {
    const plan = planCluster(cluster());
    assert.deepEqual(byId(plan.objects, "api-server-access/attachment"), {
      id: "api-server-access/attachment",
      apiVersion: "k8s.cni.cncf.io/v1",
      kind: "NetworkAttachmentDefinition",
      metadata: {
        name: "api-server-access",
        namespace: "kube-system",
        labels: { "app.kubernetes.io/managed-by": "pulumi-kubeovn" },
      },
      spec: {
        config:
          '{"cniVersion":"0.3.0","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock","provider":"api-server-access.kube-system.ovn"}',
      },
      dependsOn: [],
    });
    assert.deepEqual(byId(plan.objects, "api-server-access/subnet").spec, {
      vpc: "ovn-cluster",
      protocol: "IPv4",
      provider: "api-server-access.kube-system.ovn",
      cidrBlock: "100.100.100.0/24",
      gateway: "100.100.100.1",
      excludeIps: ["100.100.100.1"],
      gatewayType: "distributed",
      enableLb: true,
    });
    assert.equal(plan.info.apiServerAccess?.network, "kube-system/api-server-access");
    assert.deepEqual(plan.info.apiServerAccess?.serviceIps, []);
  });

  it("the Service address read from the cluster goes into the info; a tenant namespace gets the attachment and a /32 route", () => {
    const i = info();
    assert.deepEqual(i.apiServerAccess?.serviceIps, ["10.96.0.1"]);
    const plan = planTenant(alpha(), i);
    const web = byId(plan.objects, "namespace/alpha-web");
    const defaults = JSON.parse(web.metadata.annotations?.[POD_DEFAULTS_ANNOTATION] as string);
    assert.deepEqual(defaults.attachments, [
      { network: "kube-system/api-server-access", routes: [{ dst: "10.96.0.1/32", gw: "100.100.100.1" }] },
    ]);
    // The namespace override turns it off for alpha-jobs; monitoring still binds its groups there.
    const jobs = JSON.parse(
      byId(plan.objects, "namespace/alpha-jobs").metadata.annotations?.[POD_DEFAULTS_ANNOTATION] as string,
    );
    assert.deepEqual(jobs, { securityGroups: ["alpha--monitoring", "alpha--monitoring-open"] });
  });

  it("a dual-stack Service gets a /128 route through the IPv6 gateway", () => {
    const c = cluster();
    c.apiServerAccess = { cidr: "100.100.100.0/24,fd00:100::/64" };
    const i = withServiceIps(planCluster(c).info, ["10.96.0.1", "fd00:96::1"]);
    const t = alpha();
    delete t.monitoring;
    const ns = byId(planTenant(t, i).objects, "namespace/alpha-web");
    const defaults = JSON.parse(ns.metadata.annotations?.[POD_DEFAULTS_ANNOTATION] as string);
    assert.deepEqual(defaults.attachments[0].routes, [
      { dst: "10.96.0.1/32", gw: "100.100.100.1" },
      { dst: "fd00:96::1/128", gw: "fd00:100::1" },
    ]);
  });

  it("refuses a tenant asking for it on a cluster that does not enable it", () => {
    const i = planCluster(demo.cluster).info;
    assertProblem(
      () => planTenant(alpha(), i),
      "apiServerAccess",
      "needs the cluster network's apiServerAccess, which the cluster does not enable",
    );
  });

  it("refuses a tenant planned against info without the Service address", () => {
    assertProblem(
      () => planTenant(alpha(), planCluster(cluster()).info),
      "apiServerAccess",
      "needs the kubernetes Service address, which the cluster info does not carry (pass the ClusterNetwork's info output)",
    );
  });

  it("names the namespace when only a namespace asks for it", () => {
    const t = alpha();
    delete t.apiServerAccess;
    t.namespaces[1].apiServerAccess = true;
    assertProblem(
      () => planTenant(t, planCluster(demo.cluster).info),
      "namespaces[alpha-jobs].apiServerAccess",
      "needs the cluster network's apiServerAccess, which the cluster does not enable",
    );
  });

  it("refuses a non-boolean flag", () => {
    const t = alpha();
    (t as any).apiServerAccess = "yes";
    assertProblem(() => planTenant(t, info()), "apiServerAccess", "must be true or false");
  });

  it("refuses a tenant subnet overlapping the attachment range", () => {
    const t = alpha();
    t.subnets[0].cidr = "100.100.100.0/25";
    assertProblem(
      () => planTenant(t, info()),
      "subnets[web].cidr",
      "overlaps the cluster's API-server attachment range 100.100.100.0/24",
    );
  });

  it("refuses an attachment range overlapping the interconnect network or a pool", () => {
    const c = cluster();
    c.apiServerAccess = { cidr: "172.31.0.0/16" };
    assertProblem(() => planCluster(c), "apiServerAccess.cidr", "overlaps the interconnect network (172.31.0.0/24)");
    c.apiServerAccess = { cidr: "203.0.113.0/25" };
    assertProblem(() => planCluster(c), "apiServerAccess.cidr", "overlaps EIP pool public-a (203.0.113.0/24)");
  });

  it("refuses a malformed attachment range", () => {
    const c = cluster();
    c.apiServerAccess = { cidr: "100.100.100.0/24", gateway: "100.100.101.1" };
    assertProblem(() => planCluster(c), "apiServerAccess.gateway", "is outside 100.100.100.0/24");
  });

  it("errors clearly when the cluster has no kubernetes Service address", () => {
    const err = problemsOf(() => withServiceIps(planCluster(cluster()).info, []));
    assert.equal(err.problems[0].path, "apiServerAccess");
    assert.match(err.message, /needs the cluster IP of Service default\/kubernetes, but the cluster has none/);
  });

  it("refuses a Service address of a family the range lacks, or inside the range", () => {
    assertProblem(
      () => withServiceIps(planCluster(cluster()).info, ["fd00:96::1"]),
      "apiServerAccess.cidr",
      "has no family of the kubernetes Service address fd00:96::1",
    );
    assertProblem(
      () => withServiceIps(planCluster(cluster()).info, ["100.100.100.9"]),
      "apiServerAccess.serviceIps[0]",
      "lies inside the attachment range 100.100.100.0/24",
    );
  });
});

describe("security groups", () => {
  it("plans the SecurityGroup in the CRD's spelling and binds it to its namespaces", () => {
    const plan = planTenant(alpha(), info());
    assert.deepEqual(byId(plan.objects, "security-group/web"), {
      id: "security-group/web",
      apiVersion: "kubeovn.io/v1",
      kind: "SecurityGroup",
      metadata: {
        name: "alpha--web",
        labels: { "app.kubernetes.io/managed-by": "pulumi-kubeovn", "pulumi-kubeovn/tenant": "alpha" },
      },
      spec: {
        ingressRules: [
          {
            ipVersion: "ipv4",
            protocol: "tcp",
            priority: 10,
            remoteType: "address",
            remoteAddress: "10.20.0.0/16",
            portRangeMin: 443,
            portRangeMax: 443,
            policy: "allow",
          },
          {
            ipVersion: "ipv4",
            protocol: "all",
            priority: 20,
            remoteType: "securityGroup",
            remoteSecurityGroup: "alpha--web",
            policy: "allow",
          },
        ],
        egressRules: [
          {
            ipVersion: "ipv4",
            protocol: "all",
            priority: 100,
            remoteType: "address",
            remoteAddress: "0.0.0.0/0",
            policy: "allow",
          },
        ],
        allowSameGroupTraffic: true,
      },
      dependsOn: [],
    });
    const web = JSON.parse(
      byId(plan.objects, "namespace/alpha-web").metadata.annotations?.[POD_DEFAULTS_ANNOTATION] as string,
    );
    // A namespace with a group of its own gets no "open" group from monitoring.
    assert.deepEqual(web.securityGroups, ["alpha--web", "alpha--monitoring"]);
  });

  it("a rule naming another group waits for it", () => {
    const t = alpha();
    t.securityGroups!.push({
      name: "db",
      namespaces: ["alpha-jobs"],
      ingressRules: [
        {
          priority: 1,
          policy: SecurityGroupPolicy.Allow,
          remoteSecurityGroup: "web",
          protocol: SecurityGroupProtocol.Tcp,
          ports: "5432",
        },
      ],
    });
    assert.deepEqual(byId(planTenant(t, info()).objects, "security-group/db").dependsOn, ["security-group/web"]);
  });

  const rule = (mutate: (r: any) => void) => (t: TenantSpec) => mutate(t.securityGroups![0].ingressRules![0]);
  const cases: [string, (t: TenantSpec) => void, string, string][] = [
    [
      "priority out of range",
      rule((r) => (r.priority = 0)),
      "securityGroups[web].ingressRules[0].priority",
      "must be an integer from 1 to 16384",
    ],
    [
      "unknown policy",
      rule((r) => (r.policy = "deny")),
      "securityGroups[web].ingressRules[0].policy",
      "must be one of allow, drop, pass",
    ],
    [
      "unknown protocol",
      rule((r) => (r.protocol = "sctp")),
      "securityGroups[web].ingressRules[0].protocol",
      "must be one of all, tcp, udp, icmp",
    ],
    [
      "both remotes",
      rule((r) => (r.remoteSecurityGroup = "web")),
      "securityGroups[web].ingressRules[0]",
      "needs exactly one of remoteAddress and remoteSecurityGroup",
    ],
    [
      "no remote",
      rule((r) => delete r.remoteAddress),
      "securityGroups[web].ingressRules[0]",
      "needs exactly one of remoteAddress and remoteSecurityGroup",
    ],
    [
      "bad remote address",
      rule((r) => (r.remoteAddress = "10.20.0.0/40")),
      "securityGroups[web].ingressRules[0].remoteAddress",
      "is not a valid IP address or CIDR",
    ],
    [
      "remote CIDR with host bits",
      rule((r) => (r.remoteAddress = "10.20.0.1/16")),
      "securityGroups[web].ingressRules[0].remoteAddress",
      "has host bits set; the network address is 10.20.0.0/16",
    ],
    [
      "unknown remote group",
      (t) => (t.securityGroups![0].ingressRules![1].remoteSecurityGroup = "nope"),
      "securityGroups[web].ingressRules[1].remoteSecurityGroup",
      "is not one of this tenant's security groups",
    ],
    [
      "bad ipVersion",
      rule((r) => (r.ipVersion = "4")),
      "securityGroups[web].ingressRules[0].ipVersion",
      "must be ipv4 or ipv6",
    ],
    [
      "ipVersion against the address",
      rule((r) => (r.ipVersion = "ipv6")),
      "securityGroups[web].ingressRules[0].ipVersion",
      "contradicts remoteAddress 10.20.0.0/16",
    ],
    [
      "bad port range",
      rule((r) => (r.ports = "9000-80")),
      "securityGroups[web].ingressRules[0].ports",
      'must be a port or a range "from-to" within 1-65535',
    ],
    [
      "ports without tcp/udp",
      (t) => (t.securityGroups![0].egressRules![0].ports = "80"),
      "securityGroups[web].egressRules[0].ports",
      "only applies to tcp and udp, not all",
    ],
    [
      "namespace of another tenant",
      (t) => t.securityGroups![0].namespaces.push("beta"),
      "securityGroups[web].namespaces[1]",
      "is not one of this tenant's namespaces",
    ],
    [
      "name monitoring takes",
      (t) => (t.securityGroups![0].name = "monitoring"),
      "securityGroups[monitoring].name",
      "is the name of the tenant's monitoring security group (SecurityGroup alpha--monitoring)",
    ],
    [
      "duplicate group names",
      (t) => t.securityGroups!.push({ name: "web", namespaces: [] }),
      "securityGroups[web].name",
      "is declared twice in securityGroups",
    ],
    [
      "remote group on a dual-stack tenant without ipVersion",
      (t) => (t.subnets[0].cidr = "10.10.1.0/24,fd00:10::/64"),
      "securityGroups[web].ingressRules[1].ipVersion",
      "is required for a remoteSecurityGroup rule on a dual-stack tenant",
    ],
  ];
  for (const [name, mutate, path, message] of cases) {
    it(`refuses: ${name}`, () => {
      const t = alpha();
      mutate(t);
      assertProblem(() => planTenant(t, info()), path, message);
    });
  }
});

describe("VPC peering", () => {
  it("each half adds the peer router port and routes to the other tenant via its connect address", () => {
    const fleet = planFleet(cluster(), [alpha(), beta()], {}, ["10.96.0.1"]);
    const vpc = (t: string) => byId(fleet.tenants.find((x) => x.tenant === t)!.objects, "vpc").spec;
    assert.deepEqual(vpc("alpha")?.vpcPeerings, [{ remoteVpc: "beta--vpc", localConnectIP: "169.254.0.1/30" }]);
    assert.deepEqual(vpc("alpha")?.staticRoutes, [
      { cidr: "10.20.0.0/16", nextHopIP: "169.254.0.2", policy: "policyDst", ecmpMode: "", bfdId: "", routeTable: "" },
    ]);
    assert.deepEqual(vpc("beta")?.vpcPeerings, [{ remoteVpc: "alpha--vpc", localConnectIP: "169.254.0.2/30" }]);
    assert.deepEqual(
      (vpc("beta")?.staticRoutes as any[] | undefined)!.map((r) => `${r.cidr} via ${r.nextHopIP}`),
      ["10.10.1.0/24 via 169.254.0.1", "10.10.2.0/24 via 169.254.0.1"],
    );
  });

  it("a /31 link derives the remote address; a wider link needs it", () => {
    const t = beta();
    t.peerings![0].localConnectIP = "169.254.0.0/31";
    const plan = planTenant(t, info());
    assert.equal((byId(plan.objects, "vpc").spec?.staticRoutes as any[] | undefined)![0].nextHopIP, "169.254.0.1");
    t.peerings![0].localConnectIP = "169.254.0.2/29";
    assertProblem(
      () => planTenant(t, info()),
      "peerings[alpha].remoteConnectIP",
      "is required unless the link is a /30 or /31 (here 169.254.0.0/29)",
    );
  });

  const half = (mutate: (x: any) => void) => (t: TenantSpec) => mutate(t.peerings![0]);
  const cases: [string, (t: TenantSpec) => void, string, string][] = [
    [
      "self peering",
      half((x) => (x.tenant = "alpha")),
      "peerings[alpha].tenant",
      "is this tenant; a VPC does not peer with itself",
    ],
    [
      "bad tenant name",
      half((x) => (x.tenant = "Beta")),
      "peerings[Beta].tenant",
      "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)",
    ],
    ["twice", (t) => t.peerings!.push(clone(t.peerings![0])), "peerings[beta].tenant", "is peered twice"],
    [
      "connect IP without prefix",
      half((x) => (x.localConnectIP = "169.254.0.1")),
      "peerings[beta].localConnectIP",
      'must be the router address with its prefix, e.g. "169.254.0.1/30"',
    ],
    [
      "network address",
      half((x) => (x.localConnectIP = "169.254.0.0/30")),
      "peerings[beta].localConnectIP",
      "is the network address of its link; give the router's own address",
    ],
    [
      "broadcast address",
      half((x) => (x.localConnectIP = "169.254.0.3/30")),
      "peerings[beta].localConnectIP",
      "is the broadcast address of its link",
    ],
    [
      "remote outside the link",
      half((x) => (x.remoteConnectIP = "169.254.1.2")),
      "peerings[beta].remoteConnectIP",
      "is outside the link 169.254.0.0/30",
    ],
    [
      "remote equal to local",
      half((x) => (x.remoteConnectIP = "169.254.0.1")),
      "peerings[beta].remoteConnectIP",
      "is the local address of the link",
    ],
    [
      "no remote CIDRs",
      half((x) => (x.remoteCidrs = [])),
      "peerings[beta].remoteCidrs",
      "must list the other tenant's CIDRs to route through the link",
    ],
    [
      "remote CIDR with host bits",
      half((x) => (x.remoteCidrs = ["10.20.0.1/16"])),
      "peerings[beta].remoteCidrs[0]",
      "has host bits set; the network address is 10.20.0.0/16",
    ],
    [
      "remote CIDR of another family",
      half((x) => (x.remoteCidrs = ["fd00:20::/64"])),
      "peerings[beta].remoteCidrs[0]",
      "is IPv6 but the link 169.254.0.0/30 is IPv4",
    ],
    [
      "remote CIDR overlapping an own subnet",
      half((x) => (x.remoteCidrs = ["10.10.0.0/16"])),
      "peerings[beta].remoteCidrs[0]",
      "overlaps this tenant's subnet web (10.10.1.0/24)",
    ],
    [
      "link overlapping an own subnet",
      half((x) => (x.localConnectIP = "10.10.2.1/30")),
      "peerings[beta].localConnectIP",
      "overlaps subnet jobs (10.10.2.0/24)",
    ],
    [
      "remote CIDR overlapping the API-server attachment range",
      half((x) => (x.remoteCidrs = ["100.100.0.0/16"])),
      "peerings[beta].remoteCidrs[0]",
      "overlaps the cluster's API-server attachment range 100.100.100.0/24, which pods with access reach through their extra NIC",
    ],
    [
      "a default route while the NAT gateway routes it",
      (t) => {
        t.natGateway = { subnet: "web", lanIp: "10.10.1.254" };
        t.peerings![0].remoteCidrs = ["0.0.0.0/0"];
      },
      "peerings[beta].remoteCidrs[0]",
      "clashes with the NAT gateway's default route; set natGateway.defaultRoute to false to route it here",
    ],
    [
      "route also in staticRoutes",
      (t) => (t.staticRoutes = [{ cidr: "10.20.0.0/16", nextHopIP: "10.10.1.5" }]),
      "peerings[beta].remoteCidrs[0]",
      "is also routed by staticRoutes",
    ],
    [
      "two peerings on one link",
      (t) => t.peerings!.push({ tenant: "gamma", localConnectIP: "169.254.0.2/30", remoteCidrs: ["10.30.0.0/16"] }),
      "peerings[gamma].localConnectIP",
      "shares its link with the peering with beta (169.254.0.0/30)",
    ],
  ];
  for (const [name, mutate, path, message] of cases) {
    it(`refuses: ${name}`, () => {
      const t = alpha();
      mutate(t);
      assertProblem(() => planTenant(t, info()), path, message);
    });
  }

  it("planned together, a missing mirror half is refused", () => {
    const b = beta();
    delete b.peerings;
    assertProblem(
      () => planFleet(cluster(), [alpha(), b], {}, ["10.96.0.1"]),
      "tenants[alpha].peerings[beta].tenant",
      "declares no peering with alpha; add the mirror half to tenant beta",
    );
  });

  it("planned together, the halves must share one link and point at each other", () => {
    const b = beta();
    b.peerings![0].localConnectIP = "169.254.9.2/30";
    assertProblem(
      () => planFleet(cluster(), [alpha(), b], {}, ["10.96.0.1"]),
      "tenants[alpha].peerings[beta].localConnectIP",
      "is on link 169.254.0.0/30 but tenant beta's half is on 169.254.9.0/30",
    );
    const a = alpha();
    a.peerings![0] = {
      tenant: "beta",
      localConnectIP: "169.254.0.1/29",
      remoteConnectIP: "169.254.0.3",
      remoteCidrs: ["10.20.0.0/16"],
    };
    const b2 = beta();
    b2.peerings![0] = {
      tenant: "alpha",
      localConnectIP: "169.254.0.2/29",
      remoteConnectIP: "169.254.0.1",
      remoteCidrs: ["10.10.1.0/24"],
    };
    assertProblem(
      () => planFleet(cluster(), [a, b2], {}, ["10.96.0.1"]),
      "tenants[alpha].peerings[beta].remoteConnectIP",
      "is not tenant beta's localConnectIP 169.254.0.2",
    );
  });

  it("planned together, routes must lead into the other tenant's subnets", () => {
    const a = alpha();
    a.peerings![0].remoteCidrs = ["10.99.0.0/16"];
    assertProblem(
      () => planFleet(cluster(), [a, beta()], {}, ["10.96.0.1"]),
      "tenants[alpha].peerings[beta].remoteCidrs[0]",
      "routes to no subnet of tenant beta",
    );
  });

  it("a half whose other tenant is planned elsewhere is accepted alone", () => {
    assert.equal(planFleet(cluster(), [alpha()], {}, ["10.96.0.1"]).tenants.length, 1);
  });
});

describe("monitoring", () => {
  const plan = () => planTenant(alpha(), info());

  it("the scraper namespace gets an attachment into the tenant's VPC and routes to every tenant subnet", () => {
    const ns = byId(plan().objects, "monitoring/namespace");
    assert.equal(ns.metadata.name, "alpha-metrics");
    assert.equal(ns.patch, false);
    assert.deepEqual(JSON.parse(ns.metadata.annotations?.[POD_DEFAULTS_ANNOTATION] as string), {
      attachments: [
        {
          network: "alpha-metrics/alpha--monitoring",
          routes: [
            { dst: "10.10.1.0/24", gw: "10.10.255.1" },
            { dst: "10.10.2.0/24", gw: "10.10.255.1" },
          ],
        },
      ],
    });
    assert.equal(
      byId(plan().objects, "monitoring/attachment").spec?.config,
      '{"cniVersion":"0.3.0","type":"kube-ovn","server_socket":"/run/openvswitch/kube-ovn-daemon.sock","provider":"alpha--monitoring.alpha-metrics.ovn"}',
    );
    assert.deepEqual(byId(plan().objects, "monitoring/subnet").spec, {
      vpc: "alpha--vpc",
      protocol: "IPv4",
      provider: "alpha--monitoring.alpha-metrics.ovn",
      cidrBlock: "10.10.255.0/28",
      gateway: "10.10.255.1",
      excludeIps: ["10.10.255.1"],
      private: false,
      enableLb: true,
    });
  });

  it("a security group admits only the metrics ports from the scraper range; namespaces without groups stay open", () => {
    const objects = plan().objects;
    assert.deepEqual(byId(objects, "security-group/monitoring").spec, {
      ingressRules: [
        {
          ipVersion: "ipv4",
          protocol: "tcp",
          priority: 1,
          remoteType: "address",
          remoteAddress: "10.10.255.0/28",
          portRangeMin: 9090,
          portRangeMax: 9090,
          policy: "allow",
        },
        {
          ipVersion: "ipv4",
          protocol: "tcp",
          priority: 1,
          remoteType: "address",
          remoteAddress: "10.10.255.0/28",
          portRangeMin: 9100,
          portRangeMax: 9102,
          policy: "allow",
        },
        {
          ipVersion: "ipv4",
          protocol: "all",
          priority: 2,
          remoteType: "address",
          remoteAddress: "10.10.255.0/28",
          policy: "drop",
        },
      ],
    });
    const open = {
      ipVersion: "ipv4",
      protocol: "all",
      priority: 16384,
      remoteType: "address",
      remoteAddress: "0.0.0.0/0",
      policy: "allow",
    };
    assert.deepEqual(byId(objects, "security-group/monitoring-open").spec, {
      ingressRules: [open],
      egressRules: [open],
    });
  });

  it("without a group-less monitored namespace there is no open group", () => {
    const t = alpha();
    t.monitoring!.namespaces = ["alpha-web"];
    assert.equal(
      planTenant(t, info()).objects.some((o) => o.id === "security-group/monitoring-open"),
      false,
    );
  });

  const cases: [string, (m: any, t: TenantSpec) => void, string, string][] = [
    [
      "a tenant namespace as scraper",
      (m) => (m.scraperNamespace = "alpha-web"),
      "monitoring.scraperNamespace",
      "is one of this tenant's namespaces; the scraper must live outside the tenant's VPC",
    ],
    [
      "a system namespace as scraper",
      (m) => (m.scraperNamespace = "kube-system"),
      "monitoring.scraperNamespace",
      "is a system namespace; give the scraper a namespace of its own",
    ],
    [
      "range overlapping a subnet",
      (m) => (m.cidr = "10.10.1.0/28"),
      "monitoring.cidr",
      "overlaps subnet web (10.10.1.0/24) in the same VPC",
    ],
    [
      "range overlapping a pool",
      (m) => (m.cidr = "203.0.113.0/28"),
      "monitoring.cidr",
      "overlaps EIP pool public-a (203.0.113.0/24)",
    ],
    [
      "range overlapping a peering link",
      (m, t) => {
        // A link-local range is refused for a Subnet (subnet.cidr.special-range), not for a peering link.
        t.peerings![0].localConnectIP = "10.30.0.1/30";
        m.cidr = "10.30.0.0/28";
      },
      "monitoring.cidr",
      "overlaps the peering link with beta (10.30.0.0/30)",
    ],
    [
      "range overlapping the API-server attachment range",
      (m) => (m.cidr = "100.100.100.0/28"),
      "monitoring.cidr",
      "overlaps the cluster's API-server attachment range 100.100.100.0/24",
    ],
    ["no ports", (m) => (m.ports = []), "monitoring.ports", "must list the metrics ports the scraper may reach"],
    [
      "a bad port",
      (m) => (m.ports = ["70000"]),
      "monitoring.ports[0]",
      'must be a port or a range "from-to" within 1-65535',
    ],
    [
      "an unknown namespace",
      (m) => (m.namespaces = ["beta"]),
      "monitoring.namespaces[0]",
      "is not one of this tenant's namespaces",
    ],
    [
      "a subnet named monitoring",
      (_m, t) => (t.subnets[1].name = "monitoring"),
      "subnets[monitoring].name",
      "is the name of the tenant's monitoring attachment subnet (Subnet alpha--monitoring)",
    ],
  ];
  it("refuses, planned together, a scraper namespace another tenant uses", () => {
    const b = beta();
    b.monitoring = { scraperNamespace: "alpha-metrics", cidr: "10.20.255.0/28", ports: ["9090"] };
    assertProblem(
      () => planFleet(cluster(), [alpha(), b], {}, ["10.96.0.1"]),
      "tenants[beta].monitoring.scraperNamespace",
      "belongs to tenant alpha",
    );
    b.monitoring.scraperNamespace = "alpha-web";
    assertProblem(
      () => planFleet(cluster(), [alpha(), b], {}, ["10.96.0.1"]),
      "tenants[beta].monitoring.scraperNamespace",
      "belongs to tenant alpha",
    );
  });

  for (const [name, mutate, path, message] of cases) {
    it(`refuses: ${name}`, () => {
      const t = alpha();
      mutate(t.monitoring, t);
      assertProblem(() => planTenant(t, info()), path, message);
    });
  }
});

describe("access objects against the real Kube-OVN v1.16.2 CRDs", () => {
  it("the attachment networks, subnets, security groups and peered VPCs validate with no unknown fields", () => {
    const crds = CrdValidator.vendored();
    const c = planCluster(cluster());
    const fleet = planFleet(cluster(), [alpha(), beta()], {}, ["10.96.0.1"]);
    const objects = [...c.objects, ...fleet.tenants.flatMap((t) => t.objects)].filter((o) => o.apiVersion !== "v1");
    const kinds = new Set(objects.map((o) => o.kind));
    for (const k of ["NetworkAttachmentDefinition", "Subnet", "Vpc", "SecurityGroup"])
      assert.ok(kinds.has(k), `no ${k} planned`);
    const errors = objects.flatMap((o) =>
      crds
        .validate({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, spec: o.spec })
        .map((e) => `${o.id}: ${e}`),
    );
    assert.deepEqual(errors, []);
  });
});
