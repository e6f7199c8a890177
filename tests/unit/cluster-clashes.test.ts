import { strict as assert } from "node:assert";
import {
  type ClusterSnapshot,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  PlanError,
  Problems,
  TENANT_LABEL,
  type TenantPlan,
  checkClusterClashes,
  externalHolders,
  mergeClaims,
  planCluster,
  planTenant,
  skippedChecks,
} from "../../provider/core";
import { NAMED_KINDS, type NamedObjectFact } from "../../provider/core/cluster-clashes";
import { clone, loadDemo } from "../support/demo";

const demo = loadDemo();
const cluster = planCluster(demo.cluster);
const acmeSpec = demo.tenants[0];
const acme = planTenant(acmeSpec, cluster.info);

const ours = (tenant?: string) => ({ [MANAGED_BY_LABEL]: MANAGED_BY, ...(tenant ? { [TENANT_LABEL]: tenant } : {}) });
const JOIN = { name: "join", vpc: "ovn-cluster", cidrBlock: "100.64.0.0/16", labels: {} };
const DEFAULT = { name: "ovn-default", vpc: "ovn-cluster", cidrBlock: "10.16.0.0/16", labels: {} };
const snapshot = (s: Partial<ClusterSnapshot>): ClusterSnapshot => ({
  subnets: [JOIN, DEFAULT],
  addressHolders: [],
  serviceRange: { cidrs: ["10.96.0.0/12"], source: "ServiceCIDR kubernetes" },
  named: { kinds: [...NAMED_KINDS], objects: [] },
  skipped: [],
  ...s,
});
const tenantField = { tenant: "acme", field: (o: { id: string }) => `subnets[${o.id.slice(7)}].cidr` };

/** The problems of checking acme's plan (or `plan`) against `snap`, as lines. */
function clashes(snap: ClusterSnapshot, plan: TenantPlan = acme): string[] {
  const p = new Problems();
  checkClusterClashes(p, tenantField, plan.objects, snap);
  return p.list.map((x) => `${x.path}: ${JSON.stringify(x.value)} ${x.message}`);
}

/** acme with subnet web moved to `cidr` (gateway, exclusions, routes and lanIp following). */
function acmeWebAt(cidr: string, prefix: string): TenantPlan {
  const spec = JSON.parse(JSON.stringify(acmeSpec));
  spec.subnets[0].cidr = cidr;
  spec.subnets[0].excludeIps = [`${prefix}.250..${prefix}.254`];
  spec.namespaces[0].routes = [{ dst: "192.168.0.0/16", gw: `${prefix}.253` }];
  spec.natGateway.lanIp = `${prefix}.254`;
  spec.snatRules[0].internalCIDR = cidr;
  spec.subnets[1].allowSubnets = [cidr];
  spec.dnatRules[0].internalIp = `${prefix}.10`;
  return planTenant(spec, cluster.info);
}

describe("clashes with what the cluster holds: each problem names our field and value and their object", () => {
  it("a cluster with only its own subnets and a distant service range: no clash", () => {
    assert.deepEqual(clashes(snapshot({})), []);
  });

  it("live.subnet.default-vpc: a tenant range inside ovn-default (default VPC) is refused naming Subnet ovn-default, its range and owner", () => {
    const lines = clashes(snapshot({}), acmeWebAt("10.16.5.0/24", "10.16.5"));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^subnets\[web\]\.cidr: "10\.16\.5\.0\/24" overlaps Subnet ovn-default \(10\.16\.0\.0\/16, VPC ovn-cluster, not made by pulumi-kubeovn\) of the cluster's default VPC/,
    );
  });

  it("a tenant range inside join is refused naming Subnet join", () => {
    const lines = clashes(snapshot({}), acmeWebAt("100.64.3.0/24", "100.64.3"));
    assert.match(
      lines.join("\n"),
      /subnets\[web\]\.cidr: "100\.64\.3\.0\/24" overlaps Subnet join \(100\.64\.0\.0\/16/,
    );
  });

  it("a Subnet made outside pulumi-kubeovn in the default VPC, with the tenant's range, is refused naming its owner", () => {
    const other = {
      name: "legacy",
      vpc: "ovn-cluster",
      cidrBlock: "10.10.0.0/16",
      labels: { "app.kubernetes.io/managed-by": "helm" },
    };
    const lines = clashes(snapshot({ subnets: [JOIN, DEFAULT, other] }));
    assert.deepEqual(
      lines.map((l) => l.split(" overlaps ")[0]),
      ['subnets[web].cidr: "10.10.1.0/24"', 'subnets[app].cidr: "10.10.2.0/24"'],
    );
    assert.match(lines[0], /Subnet legacy \(10\.10\.0\.0\/16, VPC ovn-cluster, managed by helm\)/);
  });

  it("another custom VPC's Subnet with the same range is no clash (VPCs are isolated)", () => {
    const globex = { name: "globex--web", vpc: "globex--vpc", cidrBlock: "10.10.1.0/24", labels: ours("globex") };
    assert.deepEqual(clashes(snapshot({ subnets: [JOIN, DEFAULT, globex] })), []);
  });

  it("live.subnet.overlap: a Subnet someone placed in the tenant's VPC with an overlapping range is refused with the controller's own words", () => {
    const intruder = { name: "sneaky", vpc: "acme--vpc", cidrBlock: "10.10.1.128/25", labels: {} };
    const lines = clashes(snapshot({ subnets: [JOIN, DEFAULT, intruder] }));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /subnets\[web\]\.cidr: "10\.10\.1\.0\/24" overlaps Subnet sneaky \(10\.10\.1\.128\/25, VPC acme--vpc, not made by pulumi-kubeovn\) in the same VPC: kube-ovn-controller refuses it \("subnet acme--web cidr 10\.10\.1\.0\/24 is conflict with subnet sneaky cidr 10\.10\.1\.128\/25"\)/,
    );
  });

  it("the tenant's own Subnets from an earlier up are no clash; its Subnet name held by another tenant is", () => {
    const own = acme.objects
      .filter((o) => o.kind === "Subnet")
      .map((o) => ({
        name: o.metadata.name,
        vpc: "acme--vpc",
        cidrBlock: String(o.spec?.cidrBlock),
        labels: ours("acme"),
      }));
    assert.deepEqual(clashes(snapshot({ subnets: [JOIN, DEFAULT, ...own] })), []);
    const taken = { name: "acme--web", vpc: "acme-x--vpc", cidrBlock: "10.99.0.0/24", labels: ours("acme-x") };
    const lines = clashes(snapshot({ subnets: [JOIN, DEFAULT, taken] }));
    assert.deepEqual(lines, [
      'subnets[web].name: "web" would be declared as Subnet acme--web, a name the cluster\'s Subnet acme--web (10.99.0.0/24, VPC acme-x--vpc, tenant acme-x) holds',
    ]);
  });

  it("live.subnet.service-range: a range overlapping the service range is refused naming the range and where it was read", () => {
    const lines = clashes(snapshot({}), acmeWebAt("10.96.10.0/24", "10.96.10"));
    assert.deepEqual(lines, [
      'subnets[web].cidr: "10.96.10.0/24" overlaps the service range 10.96.0.0/12 (ServiceCIDR kubernetes): pod addresses must stay out of the service range',
    ]);
  });

  it("with only the kubernetes Service's address known, a range holding it is refused and the check says it saw a member only", () => {
    const snap = snapshot({
      serviceRange: { cidrs: ["10.10.1.1/32"], source: "Service default/kubernetes clusterIPs" },
    });
    const lines = clashes(snap);
    assert.match(
      lines.join("\n"),
      /subnets\[web\]\.cidr: "10\.10\.1\.0\/24" holds 10\.10\.1\.1, an address of the service range \(Service default\/kubernetes clusterIPs\)/,
    );
    assert.deepEqual(skippedChecks(snap), [
      "ranges against the service range beyond the kubernetes Service's own address",
    ]);
  });

  it("the cluster network's API-server access range inside join is refused as the controller refuses it", () => {
    const spec = { ...demo.cluster, apiServerAccess: { cidr: "100.64.200.0/24" } };
    const plan = planCluster(spec);
    const p = new Problems();
    checkClusterClashes(p, { field: () => "apiServerAccess.cidr" }, plan.objects, snapshot({}));
    assert.deepEqual(
      p.list.map((x) => `${x.path}: ${x.value} ${x.message}`),
      [
        'apiServerAccess.cidr: 100.64.200.0/24 overlaps Subnet join (100.64.0.0/16, VPC ovn-cluster, not made by pulumi-kubeovn) in the same VPC: kube-ovn-controller refuses it ("subnet api-server-access cidr 100.64.200.0/24 is conflict with subnet join cidr 100.64.0.0/16")',
      ],
    );
  });

  it("nothing read, nothing checked: every skipped check is named", () => {
    assert.deepEqual(clashes({ skipped: ["list subnets.kubeovn.io: forbidden"] }), []);
    assert.deepEqual(skippedChecks({ skipped: [] }), [
      "Subnet names and ranges against the cluster's Subnets",
      "addresses held by IPs, Vips and IptablesEIPs without a claim",
      "names against the cluster's Vpc, VpcNatGateway, IptablesSnatRule, IptablesDnatRule, IptablesFIPRule, SecurityGroup, NetworkAttachmentDefinition objects",
      "ranges against the service range",
    ]);
  });
});

describe("names held in the cluster by another owner", () => {
  const monitored = (() => {
    const spec = clone(acmeSpec);
    spec.monitoring = { scraperNamespace: "metrics", cidr: "10.10.255.0/28", ports: ["9090"] };
    return planTenant(spec, cluster.info);
  })();
  const held = (
    kind: string,
    name: string,
    labels: { [k: string]: string } = {},
    namespace?: string,
  ): NamedObjectFact => ({
    kind,
    name,
    labels,
    ...(namespace ? { namespace } : {}),
  });
  const withNamed = (...objects: NamedObjectFact[]) => snapshot({ named: { kinds: [...NAMED_KINDS], objects } });

  it("live.name: each kind the tenant declares is refused naming the field its name comes from and the holder", () => {
    const lines = clashes(
      snapshot({
        named: {
          kinds: [...NAMED_KINDS],
          objects: [
            held("Vpc", "acme--vpc"),
            held("VpcNatGateway", "acme--nat", { [MANAGED_BY_LABEL]: "argocd" }),
            held("IptablesDnatRule", "acme--https", ours("globex")),
            held("IptablesSnatRule", "acme--web-out", ours()),
          ],
        },
        addressHolders: [
          { kind: "IptablesEIP", name: "acme--egress", subnet: "public-a", addresses: ["203.0.113.10"], labels: {} },
        ],
      }),
    );
    assert.deepEqual(lines, [
      'tenant: "acme" would be declared as Vpc acme--vpc, a name the cluster\'s Vpc acme--vpc (not made by pulumi-kubeovn) holds',
      'tenant: "acme" would be declared as VpcNatGateway acme--nat, a name the cluster\'s VpcNatGateway acme--nat (managed by argocd) holds',
      'eips[egress].name: "egress" would be declared as IptablesEIP acme--egress, a name the cluster\'s IptablesEIP acme--egress (not made by pulumi-kubeovn) holds',
      'snatRules[web-out].name: "web-out" would be declared as IptablesSnatRule acme--web-out, a name the cluster\'s IptablesSnatRule acme--web-out (the cluster network of pulumi-kubeovn) holds',
      'dnatRules[https].name: "https" would be declared as IptablesDnatRule acme--https, a name the cluster\'s IptablesDnatRule acme--https (tenant globex) holds',
    ]);
  });

  it("the tenant's own objects from an earlier up, and same names of another kind or namespace, are no clash", () => {
    const own = monitored.objects
      .filter((o) => o.kind !== "Namespace" && o.kind !== "Subnet")
      .map((o) => held(o.kind, String(o.metadata.name), ours("acme"), o.metadata.namespace));
    assert.deepEqual(clashes(withNamed(...own), monitored), []);
    assert.deepEqual(
      clashes(
        withNamed(
          held("SecurityGroup", "acme--vpc"),
          held("NetworkAttachmentDefinition", "acme--monitoring", {}, "elsewhere"),
          held("IptablesFIPRule", "acme--https"),
        ),
        monitored,
      ),
      [],
    );
  });

  it("role objects (monitoring attachment and groups) name the tenant; a declared group its own name", () => {
    const spec = clone(acmeSpec);
    spec.monitoring = { scraperNamespace: "metrics", cidr: "10.10.255.0/28", ports: ["9090"] };
    spec.securityGroups = [{ name: "web", namespaces: ["acme-web"], ingressRules: [] }];
    const plan = planTenant(spec, cluster.info);
    const lines = clashes(
      withNamed(
        held("NetworkAttachmentDefinition", "acme--monitoring", {}, "metrics"),
        held("SecurityGroup", "acme--monitoring"),
        held("SecurityGroup", "acme--web", ours("acme-x")),
      ),
      plan,
    );
    assert.deepEqual(lines, [
      'securityGroups[web].name: "web" would be declared as SecurityGroup acme--web, a name the cluster\'s SecurityGroup acme--web (tenant acme-x) holds',
      'tenant: "acme" would be declared as NetworkAttachmentDefinition acme--monitoring in namespace metrics, a name the cluster\'s NetworkAttachmentDefinition acme--monitoring (not made by pulumi-kubeovn) holds',
      'tenant: "acme" would be declared as SecurityGroup acme--monitoring, a name the cluster\'s SecurityGroup acme--monitoring (not made by pulumi-kubeovn) holds',
    ]);
  });

  it("the cluster network's objects name their section: a pool its name, the interconnect attachment its network", () => {
    const p = new Problems();
    checkClusterClashes(
      p,
      { field: () => "unused" },
      cluster.objects,
      snapshot({
        subnets: [JOIN, DEFAULT, { name: "public-b", vpc: "", cidrBlock: "198.51.100.0/24", labels: {} }],
        named: {
          kinds: [...NAMED_KINDS],
          objects: [held("NetworkAttachmentDefinition", "ovn-vpc-external-network", {}, "kube-system")],
        },
      }),
    );
    assert.deepEqual(
      p.list.map((x) => `${x.path}: ${x.value} ${x.message}`),
      [
        "interconnect: ovn-vpc-external-network would be declared as NetworkAttachmentDefinition ovn-vpc-external-network in namespace kube-system, a name the cluster's NetworkAttachmentDefinition ovn-vpc-external-network (not made by pulumi-kubeovn) holds",
        "eipPools[public-b].name: public-b would be declared as Subnet public-b, a name the cluster's Subnet public-b (198.51.100.0/24, not made by pulumi-kubeovn) holds",
      ],
    );
  });

  it("a kind that could not be listed is said to be unchecked", () => {
    assert.deepEqual(
      skippedChecks(
        snapshot({
          named: {
            kinds: ["Vpc", "VpcNatGateway", "IptablesSnatRule", "IptablesDnatRule", "IptablesFIPRule"],
            objects: [],
          },
        }),
      ),
      ["names against the cluster's SecurityGroup, NetworkAttachmentDefinition objects"],
    );
  });
});

describe("addresses held in the cluster without a claim", () => {
  const vip = {
    kind: "Vip" as const,
    name: "legacy-vip",
    subnet: "public-a",
    addresses: ["203.0.113.10"],
    labels: {},
  };
  const ip = {
    kind: "IP" as const,
    name: "gw.kube-system.x",
    subnet: "ovn-vpc-external-network",
    addresses: ["172.31.0.65"],
    labels: {},
    pod: "kube-system/other-gw-0",
  };

  it("a static EIP address a Vip holds is refused naming the Vip; an allocated one goes elsewhere", () => {
    const held = externalHolders(snapshot({ addressHolders: [vip, ip] }), [], ["public-a", "ovn-vpc-external-network"]);
    assert.deepEqual(held, {
      "public-a": { "203.0.113.10": "Vip legacy-vip (not made by pulumi-kubeovn, no address claim)" },
      "ovn-vpc-external-network": {
        "172.31.0.65": "IP gw.kube-system.x (pod kube-system/other-gw-0, no address claim)",
      },
    });
    assert.throws(
      () => planTenant(acmeSpec, cluster.info, held),
      (e: unknown) =>
        e instanceof PlanError &&
        /eips\[egress\]\.v4ip: "203\.0\.113\.10" is already held by Vip legacy-vip \(not made by pulumi-kubeovn, no address claim\)/.test(
          e.message,
        ),
    );
    const allocated = planTenant(
      { ...acmeSpec, eips: [{ name: "egress", pool: "public-a" }, acmeSpec.eips![1]] },
      cluster.info,
      held,
    );
    assert.notEqual(allocated.addresses.interconnectIp, "172.31.0.65", "the IP's address is planned around");
    assert.notEqual(allocated.addresses.eips.egress.v4ip, "203.0.113.10");
  });

  it("an address a claim covers is left to the claims (our own gateways' IPs and EIPs); ranges not asked for are left out", () => {
    const claim = {
      range: "ovn-vpc-external-network",
      address: "172.31.0.65",
      holder: "acme/interconnect",
      tenant: "acme",
    };
    assert.deepEqual(
      externalHolders(snapshot({ addressHolders: [vip, ip] }), [claim], ["ovn-vpc-external-network"]),
      {},
    );
  });

  it("claims laid over holders win for the same address", () => {
    assert.deepEqual(mergeClaims({ r: { a: "x", b: "y" } }, { r: { a: "z" }, s: { c: "w" } }), {
      r: { a: "z", b: "y" },
      s: { c: "w" },
    });
  });
});

describe("the snapshot without a reachable cluster", () => {
  it("names every read that failed and every check it leaves out", async () => {
    const { readClusterSnapshot } =
      require("../../provider/kube/cluster-snapshot") as typeof import("../../provider/kube/cluster-snapshot");
    // Nothing listens on port 1: every call is refused at once.
    const kubeconfig = [
      "apiVersion: v1",
      "kind: Config",
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: x, context: {cluster: c, user: u}}]",
      "current-context: x",
    ].join("\n");
    const snap = await readClusterSnapshot(kubeconfig);
    assert.deepEqual(snap.skipped.map((s) => s.split(":")[0]).sort(), [
      "get service default/kubernetes",
      "list ips.kubeovn.io",
      "list iptables-dnat-rules.kubeovn.io",
      "list iptables-eips.kubeovn.io",
      "list iptables-fip-rules.kubeovn.io",
      "list iptables-snat-rules.kubeovn.io",
      "list network-attachment-definitions.k8s.cni.cncf.io",
      "list security-groups.kubeovn.io",
      "list servicecidrs.networking.k8s.io",
      "list subnets.kubeovn.io",
      "list vips.kubeovn.io",
      "list vpc-nat-gateways.kubeovn.io",
      "list vpcs.kubeovn.io",
    ]);
    assert.deepEqual(skippedChecks(snap), [
      "Subnet names and ranges against the cluster's Subnets",
      "addresses held by IPs, Vips and IptablesEIPs without a claim",
      "names against the cluster's Vpc, VpcNatGateway, IptablesSnatRule, IptablesDnatRule, IptablesFIPRule, SecurityGroup, NetworkAttachmentDefinition objects",
      "ranges against the service range",
    ]);
  });
});

describe("a replacement of our own Subnet under running pods", () => {
  const web = acme.objects.find((o) => o.kind === "Subnet" && o.id === "subnet/web")!;
  const live = {
    name: web.metadata.name as string,
    vpc: web.spec!.vpc as string,
    cidrBlock: web.spec!.cidrBlock as string,
    gateway: web.spec!.gateway as string,
    labels: ours("acme"),
  };
  const pod = (name: string, ns = "acme-web") => ({
    kind: "IP" as const,
    name: `${name}.${ns}`,
    subnet: live.name,
    addresses: ["10.10.1.7"],
    labels: {},
    pod: `${ns}/${name}`,
  });
  const moved = acmeWebAt("10.10.9.0/24", "10.10.9");

  it("live.subnet.replacement-under-pods: is refused at preview naming the field, both values and the pods", () => {
    const lines = clashes(
      snapshot({ subnets: [JOIN, DEFAULT, live], addressHolders: [pod("shop-0"), pod("shop-1")] }),
      moved,
    );
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(
      lines[0],
      /^subnets\[web\]\.cidr: "10\.10\.9\.0\/24" changes 10\.10\.1\.0\/24 to 10\.10\.9\.0\/24, which replaces Subnet acme--web, but pods hold addresses in it \(acme-web\/shop-0, acme-web\/shop-1\)/,
    );
    assert.match(lines[1], /^subnets\[web\]\.gateway: "10\.10\.9\.1" changes 10\.10\.1\.1 to 10\.10\.9\.1/);
  });

  it("goes ahead when only the tenant's NAT gateway pod (replaced with the subnet) holds an address, or nothing changes", () => {
    const gw = pod("vpc-nat-gw-acme--nat-0", "kube-system");
    assert.deepEqual(clashes(snapshot({ subnets: [JOIN, DEFAULT, live], addressHolders: [gw] }), moved), []);
    assert.deepEqual(clashes(snapshot({ subnets: [JOIN, DEFAULT, live], addressHolders: [pod("shop-0")] })), []);
  });

  it("the upgrade to <tenant>--<name> renaming a subnet pods hold addresses in is refused naming them; without pods it goes ahead", () => {
    // The subnet as the release before <tenant>--<name> named it.
    const before = { ...live, name: "acme-web", vpc: "acme" };
    const held = (name: string, ns = "acme-web") => ({ ...pod(name, ns), subnet: "acme-web" });
    assert.deepEqual(
      clashes(
        snapshot({
          subnets: [JOIN, DEFAULT, before],
          addressHolders: [held("shop-0"), held("vpc-nat-gw-acme-0", "kube-system")],
        }),
      ),
      [
        'subnets[web].name: "web" renames Subnet acme-web (its name before <tenant>--<name>) to acme--web, which replaces it, but pods hold addresses in it (acme-web/shop-0): Kube-OVN deletes a subnet only once every address in it is released, so the replacement would hang and fail half-way. Move or stop those workloads first, then upgrade',
      ],
    );
    assert.deepEqual(
      clashes(
        snapshot({ subnets: [JOIN, DEFAULT, before], addressHolders: [held("vpc-nat-gw-acme-0", "kube-system")] }),
      ),
      [],
    );
    // Another owner's subnet of that name is not ours to rename.
    assert.deepEqual(
      clashes(
        snapshot({ subnets: [JOIN, DEFAULT, { ...before, labels: ours("acme-x") }], addressHolders: [held("shop-0")] }),
      ),
      [],
    );
  });
});
