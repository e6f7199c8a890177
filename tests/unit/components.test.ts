import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as k8sTypes from "@pulumi/kubernetes";
import { NatProtocol, type TenantSpec, WebhookCertificates, planCluster, planTenant } from "../../provider/core";
import { MemoryClaimStore } from "../support/claims";
import { clone, loadDemo } from "../support/demo";

/** Every resource the program registers, by name. */
const registered = new Map<string, pulumi.runtime.MockResourceArgs>();
/** What a read of Service default/kubernetes returns. */
let kubernetesService: { [k: string]: unknown } = { spec: { clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1"] } };

pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.set(args.name, args);
      // A provider's state holds its inputs; "unknown-creds" has a kubeconfig a preview cannot know.
      if (args.type === "pulumi:providers:kubernetes" && args.name === "unknown-creds")
        return { id: "unknown-creds-id", state: { kubeconfig: UNKNOWN_SENTINEL } };
      if (args.type === "kubernetes:core/v1:Service" && args.id === "default/kubernetes")
        return { id: args.id, state: kubernetesService };
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args) {
      return args.inputs;
    },
  },
  "project",
  "stack",
  true,
);

// Components are imported only after the mocks are in place.
const { ClusterNetwork, PodDefaultsWebhook, TenantNetwork } =
  require("../../provider") as typeof import("../../provider");
const k8s = require("@pulumi/kubernetes") as typeof k8sTypes;
// What the SDK does with `dependsOn: [component]`: the component's children once its initialize is done.
const { getAllTransitivelyReferencedResourceURNs } = require("@pulumi/pulumi/runtime/dependsOn") as {
  getAllTransitivelyReferencedResourceURNs(
    resources: Set<pulumi.Resource>,
    exclude: Set<pulumi.Resource>,
  ): Promise<Set<string>>;
};
const { useClaimStore } =
  require("../../provider/components/claims") as typeof import("../../provider/components/claims");
// Address claims come from an in-memory store instead of a cluster.
let claimStore = new MemoryClaimStore();
/** The kubeconfig each claim store was made with (the cluster claims go to). */
let storeKubeconfigs: string[] = [];
useClaimStore((kubeconfig) => {
  storeKubeconfigs.push(kubeconfig);
  return claimStore;
});

/** How the engine marks a value unknown at preview. */
const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A kubeconfig for API server `server` (never contacted: nothing listens on port 1). */
const kubeconfigFor = (server: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: c, cluster: {server: "${server}"}}]`,
    "users: [{name: u, user: {token: t}}]",
    "contexts: [{name: x, context: {cluster: c, user: u}}]",
    "current-context: x",
    "",
  ].join("\n");
/** The cluster of the default provider ($KUBECONFIG, set below), which the teardown kubeconfig must match. */
const KUBECONFIG = kubeconfigFor("https://127.0.0.1:1");

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    o.apply((v) => resolve(v));
    setTimeout(() => reject(new Error("output never resolved")), 5000);
  });
}

/** The names of the resources `dependsOn: [resource]` waits for. */
async function waitedFor(resource: pulumi.Resource): Promise<string[]> {
  const urns = await getAllTransitivelyReferencedResourceURNs(new Set([resource]), new Set());
  return [...urns].map((u) => u.split("::").pop() as string).sort();
}

/** The names of the resources an output carries as dependencies. */
async function dependenciesOf(o: pulumi.Output<unknown>): Promise<string[]> {
  const resources: Set<pulumi.Resource> = await (o as any).allResources();
  const urns = await Promise.all([...resources].map((r) => (r.urn as any).promise()));
  return urns.map((u: string) => u.split("::").pop() as string).sort();
}

/** A tenant of its own (the demo's tenants are declared by other tests of this mocked program). */
const ownTenant = (t: string): TenantSpec => ({
  tenant: t,
  namespaces: [{ name: `${t}-web` }, { name: `${t}-app` }],
  subnets: [
    { name: "web", cidr: "10.71.1.0/24", namespaces: [`${t}-web`] },
    { name: "app", cidr: "10.71.2.0/24", namespaces: [`${t}-app`] },
  ],
});

/** Lets queued registrations and applies run. */
const settle = () => new Promise((r) => setTimeout(r, 50));

describe("components under Pulumi mocks", () => {
  const demo = loadDemo();
  const saved = process.env.KUBECONFIG;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-unit-"));

  before(() => {
    fs.writeFileSync(path.join(dir, "config"), KUBECONFIG);
    process.env.KUBECONFIG = path.join(dir, "config");
  });
  after(() => {
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    registered.clear();
    claimStore = new MemoryClaimStore();
    storeKubeconfigs = [];
  });

  it("ClusterNetwork with API-server access reads Service default/kubernetes into its info", async () => {
    kubernetesService = { spec: { clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1"] } };
    const cluster = new ClusterNetwork("api", {
      ...demo.cluster,
      apiServerAccess: { cidr: "100.100.100.0/24" },
      teardown: { kubeconfig: KUBECONFIG },
    });
    const info = await value(cluster.info);
    await settle();
    assert.deepEqual(info.apiServerAccess, {
      network: "kube-system/api-server-access",
      cidr: "100.100.100.0/24",
      gateway: "100.100.100.1",
      excludeIps: ["100.100.100.1"],
      serviceIps: ["10.96.0.1"],
    });
    assert.ok(registered.has("api-api-server-access-attachment") && registered.has("api-api-server-access-subnet"));
    assert.equal(registered.get("api-kubernetes-service")?.id, "default/kubernetes");
  });

  it("ClusterNetwork with API-server access fails clearly when the cluster's kubernetes Service has no address", async () => {
    kubernetesService = { spec: {} };
    const cluster = new ClusterNetwork("noapi", {
      ...demo.cluster,
      apiServerAccess: { cidr: "100.100.100.0/24" },
      teardown: { kubeconfig: KUBECONFIG },
    });
    const failure = await new Promise<Error>((resolve) => {
      cluster.info.apply(() => undefined);
      (cluster.info as any).promise().then(
        () => resolve(new Error("resolved")),
        (e: Error) => resolve(e),
      );
    });
    kubernetesService = { spec: { clusterIP: "10.96.0.1", clusterIPs: ["10.96.0.1"] } };
    assert.match(
      failure.message,
      /apiServerAccess: \[\] needs the cluster IP of Service default\/kubernetes, but the cluster has none/,
    );
  });

  it("ClusterNetwork declares the interconnect network, the EIP pools and the NAT ConfigMaps", async () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const info = await value(cluster.info);
    await settle();
    assert.deepEqual([...registered.keys()].filter((n) => n.startsWith("cl-")).sort(), [
      "cl-eip-pool-public-a",
      "cl-eip-pool-public-b",
      "cl-interconnect-attachment",
      "cl-interconnect-subnet",
      "cl-nat-gateway-config",
      "cl-nat-gateway-enable",
      "cl-teardown",
    ]);
    assert.deepEqual(
      registered.get("cl-teardown")?.inputs.objects.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`),
      [
        "NetworkAttachmentDefinition/ovn-vpc-external-network",
        "Subnet/ovn-vpc-external-network",
        "Subnet/public-a",
        "Subnet/public-b",
      ],
    );
    assert.equal(registered.get("cl-interconnect-subnet")?.type, "kubernetes:kubeovn.io/v1:Subnet");
    assert.equal(registered.get("cl-nat-gateway-config")?.type, "kubernetes:core/v1:ConfigMapPatch");
    const nad = registered.get("cl-interconnect-attachment")?.inputs;
    assert.equal(nad.metadata.namespace, "kube-system");
    assert.deepEqual(JSON.parse(nad.spec.config), {
      cniVersion: "0.3.0",
      type: "macvlan",
      master: "eth1",
      mode: "bridge",
    });
    assert.equal(info.interconnectCidr, "172.31.0.0/24");
    assert.deepEqual(info.interconnectExcludeIps, ["172.31.0.1", "172.31.0.2..172.31.0.9"]);
    assert.deepEqual(
      info.eipPools.map((p) => p.name),
      ["public-a", "public-b"],
    );
  });

  it("TenantNetwork declares exactly the tenant's objects, with addresses in its outputs", async () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const acme = new TenantNetwork("acme", {
      ...demo.tenants[0],
      cluster: cluster.info,
      teardown: { kubeconfig: KUBECONFIG },
    });
    const eips = await value(acme.eipAddresses);
    const ic = await value(acme.interconnectIp);
    const podDefaults = await value(acme.podDefaults);
    await settle();
    const names = [...registered.keys()].filter((n) => n.startsWith("acme-")).sort();
    assert.deepEqual(names, [
      "acme-dnat-https",
      "acme-eip-egress",
      "acme-eip-interconnect",
      "acme-eip-web",
      "acme-namespace-acme-app",
      "acme-namespace-acme-web",
      "acme-nat-gateway",
      "acme-snat-app-out",
      "acme-snat-web-out",
      "acme-subnet-app",
      "acme-subnet-web",
      "acme-teardown",
      "acme-vpc",
    ]);
    assert.equal(eips.egress, "203.0.113.10");
    assert.match(ic, /^172\.31\.0\.\d+$/);
    const eip = registered.get("acme-eip-web")?.inputs;
    assert.equal(eip.spec.v4ip, eips.web, "the preview shows the allocated address");
    assert.equal(eip.spec.externalSubnet, "public-a");
    const icEip = registered.get("acme-eip-interconnect")?.inputs;
    assert.equal(icEip.spec.externalSubnet, "ovn-vpc-external-network");
    assert.equal(icEip.spec.v4ip, ic);
    const ns = registered.get("acme-namespace-acme-web")?.inputs;
    assert.deepEqual(ns.metadata.annotations, {
      "pulumi-kubeovn/pod-defaults": JSON.stringify({ routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }] }),
    });
    assert.equal(ns.metadata.labels["pulumi-kubeovn/tenant"], "acme");
    assert.deepEqual(
      podDefaults,
      { "acme-web": { routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }] }, "acme-app": {} },
      "the output carries what the annotation carries",
    );
    assert.equal(
      registered.get("acme-namespace-acme-app")?.inputs.metadata.annotations,
      undefined,
      "nothing to inherit, no annotation",
    );
    const teardown = registered.get("acme-teardown");
    assert.equal(teardown?.type, "kubeovn:index:Teardown");
    assert.equal(teardown?.inputs.graceSeconds, 10);
    assert.deepEqual(
      teardown?.inputs.objects.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`),
      [
        "Vpc/acme--vpc",
        "Subnet/acme--web",
        "Subnet/acme--app",
        "VpcNatGateway/acme--nat",
        "IptablesEIP/acme--interconnect",
        "IptablesEIP/acme--egress",
        "IptablesEIP/acme--web",
        "IptablesSnatRule/acme--web-out",
        "IptablesSnatRule/acme--app-out",
        "IptablesDnatRule/acme--https",
        ...[
          `Lease/kubeovn-claim.ovn-vpc-external-network.${ic.replace(/\./g, "-")}`,
          `Lease/kubeovn-claim.public-a.${eips.egress.replace(/\./g, "-")}`,
          `Lease/kubeovn-claim.public-a.${eips.web.replace(/\./g, "-")}`,
        ].sort(),
      ],
      "the teardown releases the tenant's address claims last",
    );
  });

  it("the preview plans around addresses other stacks hold in the cluster", async () => {
    // Its own tenant: the demo's tenants are already declared in this (mocked) program.
    const spec: TenantSpec = {
      tenant: "claimer",
      namespaces: [{ name: "claimer" }],
      subnets: [{ name: "main", cidr: "10.77.0.0/24", namespaces: ["claimer"] }],
      natGateway: { subnet: "main", lanIp: "10.77.0.254" },
      eips: [{ name: "web", pool: "public-a" }],
    };
    const free = planTenant(spec, planCluster(demo.cluster).info).addresses;
    claimStore.put("ovn-vpc-external-network", free.interconnectIp, "other/interconnect");
    claimStore.put("public-a", free.eips.web.v4ip as string, "other/eip/web");
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const claimer = new TenantNetwork("claimer", {
      ...spec,
      cluster: cluster.info,
      teardown: { kubeconfig: KUBECONFIG },
    });
    const eips = await value(claimer.eipAddresses);
    const ic = await value(claimer.interconnectIp);
    await settle();
    assert.notEqual(ic, free.interconnectIp);
    assert.notEqual(eips.web, free.eips.web.v4ip);
    assert.equal(registered.get("claimer-eip-web")?.inputs.spec.v4ip, eips.web);
    assert.equal(claimStore.creates, 0, "a preview claims nothing");
  });

  it("adopted namespaces are patched, not created", async () => {
    const t = clone(demo.tenants[1]);
    t.namespaces[0].adopt = true;
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const g = new TenantNetwork("globex", { ...t, cluster: cluster.info, teardown: { kubeconfig: KUBECONFIG } });
    await value(g.eipAddresses);
    await settle();
    assert.equal(registered.get("globex-namespace-globex")?.type, "kubernetes:core/v1:NamespacePatch");
  });

  it("adopted objects are imported under their cluster names, and the addresses they hold are the tenant's", async () => {
    const { useClusterReads } =
      require("../../provider/components/claims") as typeof import("../../provider/components/claims");
    // The cluster holds the tenant's Subnet, EIP, Vpc, gateway and rule, made by hand (no labels of ours).
    useClusterReads({
      snapshot: async () => ({
        subnets: [{ name: "shop-web", vpc: "shop", cidrBlock: "10.60.1.0/24", gateway: "10.60.1.1", labels: {} }],
        addressHolders: [
          { kind: "IptablesEIP", name: "shop-front", subnet: "public-a", addresses: ["203.0.113.50"], labels: {} },
        ],
        named: {
          kinds: ["Vpc", "VpcNatGateway", "IptablesDnatRule"],
          objects: [
            { kind: "Vpc", name: "shop", labels: {} },
            { kind: "VpcNatGateway", name: "shop-gw", labels: {} },
            { kind: "IptablesDnatRule", name: "shop-https", labels: {} },
          ],
        },
        skipped: [],
      }),
      owners: async () => new Map(),
    });
    try {
      const cluster = new ClusterNetwork("cl", {
        ...demo.cluster,
        adopt: ["interconnect/subnet"],
        teardown: { kubeconfig: KUBECONFIG },
      });
      const shop = new TenantNetwork("shop", {
        tenant: "shop",
        namespaces: [{ name: "shop-web", adopt: true }],
        subnets: [{ name: "web", cidr: "10.60.1.0/24", namespaces: ["shop-web"] }],
        natGateway: { subnet: "web", lanIp: "10.60.1.254" },
        eips: [{ name: "front", pool: "public-a", v4ip: "203.0.113.50" }],
        dnatRules: [
          {
            name: "https",
            eip: "front",
            protocol: NatProtocol.Tcp,
            externalPort: 443,
            internalIp: "10.60.1.10",
            internalPort: 8443,
          },
        ],
        adopt: {
          vpc: "shop",
          "subnet/web": "shop-web",
          "nat-gateway": "shop-gw",
          "eip/front": "shop-front",
          "dnat/https": "shop-https",
        },
        cluster: cluster.info,
        teardown: { kubeconfig: KUBECONFIG },
      });
      const eips = await value(shop.eipAddresses);
      assert.equal(await value(shop.vpcName), "shop");
      await settle();
      assert.equal(eips.front, "203.0.113.50");
      // The import id pulumi-kubernetes reads the object by: its name (all of these are cluster-scoped).
      for (const [resource, name] of [
        ["shop-vpc", "shop"],
        ["shop-subnet-web", "shop-web"],
        ["shop-nat-gateway", "shop-gw"],
        ["shop-eip-front", "shop-front"],
        ["shop-dnat-https", "shop-https"],
        ["cl-interconnect-subnet", "ovn-vpc-external-network"],
      ]) {
        assert.equal(registered.get(resource)?.id, name, `${resource} is imported as ${name}`);
        assert.equal(registered.get(resource)?.inputs.metadata.name, name);
      }
      // References follow the adopted names; what is not adopted is created under the scheme's name.
      assert.equal(registered.get("shop-nat-gateway")?.inputs.spec.subnet, "shop-web");
      assert.equal(registered.get("shop-dnat-https")?.inputs.spec.eip, "shop-front");
      assert.ok(!registered.get("shop-eip-interconnect")?.id);
      assert.equal(registered.get("shop-eip-interconnect")?.inputs.metadata.name, "shop--interconnect");
      assert.ok(!registered.get("cl-eip-pool-public-a")?.id);
      assert.equal(registered.get("shop-namespace-shop-web")?.type, "kubernetes:core/v1:NamespacePatch");
    } finally {
      useClusterReads();
    }
  });

  it("bad input fails the plan and declares no object of the tenant", async () => {
    const t = clone(demo.tenants[0]);
    t.tenant = "bad"; // the demo's tenants are already declared in this (mocked) program
    t.namespaces = [{ name: "bad-web" }];
    t.subnets = [{ ...t.subnets[0], namespaces: ["bad-web"] }];
    t.eips = [
      { name: "egress", pool: "public-a" },
      { name: "web", pool: "public-a" },
    ];
    t.snatRules = [t.snatRules![0]];
    t.subnets[0].cidr = "10.10.1.0/33";
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const bad = new TenantNetwork("bad", { ...t, cluster: cluster.info, teardown: { kubeconfig: KUBECONFIG } });
    const failure = await new Promise<unknown>((resolve) => {
      (bad.interconnectIp as any).promise().then(() => resolve(undefined), resolve);
    });
    await settle();
    assert.match(String(failure), /subnets\[web\]\.cidr: "10\.10\.1\.0\/33" is not a valid CIDR/);
    assert.deepEqual(
      [...registered.keys()].filter((n) => n.startsWith("bad-")),
      [],
    );
  });

  it("a tenant taking another tenant's namespace or static EIP in the same program is refused at construction", () => {
    const t = clone(demo.tenants[1]);
    t.tenant = "initech";
    t.namespaces = [{ name: "acme-web" }];
    t.subnets[0].namespaces = ["acme-web"];
    t.eips![0].pool = "public-a";
    t.eips![0].v4ip = "203.0.113.10";
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    assert.throws(
      () => new TenantNetwork("initech", { ...t, cluster: cluster.info, teardown: { kubeconfig: KUBECONFIG } }),
      (e: Error) =>
        /namespaces\[acme-web\]\.name: "acme-web" belongs to tenant acme/.test(e.message) &&
        /eips\[out\]\.v4ip: "203\.0\.113\.10" is also the address of tenant acme's EIP egress/.test(e.message),
    );
    assert.deepEqual(
      [...registered.keys()].filter((n) => n.startsWith("initech-")),
      [],
    );
  });

  it("an unknown key in any component's args throws at construction, naming path and nearest key", () => {
    const t = ownTenant("typo");
    (t.subnets[1] as any).gatway = "10.71.2.1";
    assert.throws(
      () => new TenantNetwork("typo", { ...t, cluster: pulumi.output({} as any), teardown: { graceSecond: 5 } as any }),
      (e: Error) =>
        /subnets\[app\]\.gatway: "10\.71\.2\.1" is not a known key here: did you mean "gateway"\?/.test(e.message) &&
        /teardown\.graceSecond: 5 is not a known key here: did you mean "graceSeconds"\?/.test(e.message),
    );
    const c = clone(demo.cluster) as any;
    c.eipPools[0].excludeIp = ["203.0.113.5"];
    assert.throws(
      () => new ClusterNetwork("typo", c),
      /eipPools\[public-a\]\.excludeIp: \["203\.0\.113\.5"\] is not a known key here: did you mean "excludeIps"\?/,
    );
    assert.throws(
      () => new PodDefaultsWebhook("typo", { replica: 1 } as any),
      /PodDefaultsWebhook typo[\s\S]*replica: 1 is not a known key here: did you mean "replicas"\?/,
    );
    assert.deepEqual(
      [...registered.keys()].filter((n) => n.startsWith("typo")),
      [],
    );
  });

  it("peering halves of two tenants of one program are checked against each other at construction", () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const tenant = (name: string, cidr: string, peerings: TenantSpec["peerings"]): TenantSpec => ({
      tenant: name,
      namespaces: [{ name }],
      subnets: [{ name: "main", cidr, namespaces: [name] }],
      peerings,
    });
    new TenantNetwork("peer-a", {
      ...tenant("peer-a", "10.81.0.0/24", [
        { tenant: "peer-b", localConnectIP: "169.254.9.1/30", remoteCidrs: ["10.82.0.0/24"] },
      ]),
      cluster: cluster.info,
    });
    // No mirror half.
    assert.throws(
      () => new TenantNetwork("peer-b", { ...tenant("peer-b", "10.82.0.0/24", []), cluster: cluster.info }),
      /tenants\[peer-a\]\.peerings\[peer-b\]\.tenant: "peer-b" declares no peering with peer-a/,
    );
    // A mirror half on another link, routing to no subnet of peer-a.
    assert.throws(
      () =>
        new TenantNetwork("peer-b", {
          ...tenant("peer-b", "10.82.0.0/24", [
            { tenant: "peer-a", localConnectIP: "169.254.9.5/30", remoteCidrs: ["10.99.0.0/24"] },
          ]),
          cluster: cluster.info,
        }),
      (e: Error) =>
        /peerings\[peer-a\]\.localConnectIP: "169\.254\.9\.5\/30" is on link 169\.254\.9\.4\/30 but tenant peer-a's half is on 169\.254\.9\.0\/30/.test(
          e.message,
        ) &&
        /peerings\[peer-a\]\.remoteCidrs\[0\]: "10\.99\.0\.0\/24" routes to no subnet of tenant peer-a/.test(e.message),
    );
    // The matching mirror half is accepted.
    new TenantNetwork("peer-b", {
      ...tenant("peer-b", "10.82.0.0/24", [
        { tenant: "peer-a", localConnectIP: "169.254.9.2/30", remoteCidrs: ["10.81.0.0/24"] },
      ]),
      cluster: cluster.info,
    });
  });

  it("a bad cluster spec throws at construction, naming field and value", () => {
    const c = clone(demo.cluster);
    c.eipPools[0].gateway = "10.0.0.1";
    assert.throws(
      () => new ClusterNetwork("broken", { ...c, teardown: { kubeconfig: KUBECONFIG } }),
      /eipPools\[public-a\]\.gateway: "10\.0\.0\.1" is outside 203\.0\.113\.0\/24/,
    );
  });

  it("dependsOn a TenantNetwork waits for every object it declares, and its names come from those objects", async () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const t = new TenantNetwork("ordered", {
      ...ownTenant("ordered"),
      cluster: cluster.info,
      teardown: { kubeconfig: KUBECONFIG },
    });
    // Asked at once, as a resource declared right after the tenant asks: the children are declared
    // only after the claims are read, and still every one is waited for.
    const waited = await waitedFor(t);
    await settle();
    const declared = [...registered.keys()].filter((n) => n.startsWith("ordered-")).sort();
    assert.deepEqual(declared, [
      "ordered-namespace-ordered-app",
      "ordered-namespace-ordered-web",
      "ordered-subnet-app",
      "ordered-subnet-web",
      "ordered-teardown",
      "ordered-vpc",
    ]);
    assert.deepEqual(waited, declared);
    assert.equal(await value(t.vpcName), "ordered--vpc");
    assert.deepEqual(await dependenciesOf(t.vpcName), ["ordered-vpc"]);
    assert.deepEqual(await value(t.subnetNames), { web: "ordered--web", app: "ordered--app" });
    assert.deepEqual(await dependenciesOf(t.subnetNames), ["ordered-subnet-app", "ordered-subnet-web"]);
  });

  /** The failure of an output, or undefined when it resolves. */
  const failureOf = (o: pulumi.Output<unknown>) =>
    new Promise<unknown>((resolve) => {
      (o as any).promise().then(() => resolve(undefined), resolve);
    });
  /** A tenant with a NAT gateway, a static and an allocated EIP, and rules using them. */
  const natTenant = (t: string, egress: string): TenantSpec => ({
    ...ownTenant(t),
    natGateway: { subnet: "web", lanIp: "10.71.1.254" },
    eips: [
      { name: "egress", pool: "public-a", v4ip: egress },
      { name: "web", pool: "public-a" },
    ],
    snatRules: [{ name: "web-out", eip: "egress", internalCIDR: "10.71.1.0/24" }],
    dnatRules: [
      {
        name: "https",
        eip: "web",
        protocol: NatProtocol.Tcp,
        externalPort: 443,
        internalIp: "10.71.1.10",
        internalPort: 8443,
      },
    ],
  });
  /** The resource names `up` declares for `spec` on the demo cluster (its plan, plus the teardown). */
  const namesOnDemoCluster = (spec: TenantSpec) =>
    [
      ...planTenant(spec, planCluster(demo.cluster).info).objects.map(
        (o) => `${spec.tenant}-${o.id.replace(/\//g, "-")}`,
      ),
      `${spec.tenant}-teardown`,
    ].sort();
  const declaredFor = (t: string) => [...registered.keys()].filter((n) => n.startsWith(`${t}-`)).sort();

  it("with the cluster facts unknown at preview, a TenantNetwork lists every object up will create, values unknown", async () => {
    const spec = natTenant("shape", "203.0.113.31");
    const t = new TenantNetwork("shape", {
      ...spec,
      cluster: pulumi.output(pulumi.unknown) as pulumi.Output<any>,
      teardown: { kubeconfig: KUBECONFIG },
    });
    const waited = await waitedFor(t);
    await settle();
    assert.deepEqual(declaredFor("shape"), namesOnDemoCluster(spec), "the same objects as with the facts known");
    assert.deepEqual(waited, declaredFor("shape"), "dependsOn on it waits for all of them");
    const eip = registered.get("shape-eip-egress")?.inputs;
    assert.equal(eip.metadata.name, "shape--egress", "names follow from the spec");
    assert.ok(pulumi.isUnknown(eip.spec), "values planned from the stand-in facts are not shown (unknown)");
    assert.ok(pulumi.isUnknown(registered.get("shape-subnet-web")?.inputs.spec));
    assert.equal(await (t.interconnectIp as any).isKnown, false);
    assert.equal(await (t.podDefaults as any).isKnown, false);
    assert.equal(await value(t.vpcName), "shape--vpc", "the names are known from the spec");
    assert.deepEqual(await value(t.subnetNames), { web: "shape--web", app: "shape--app" });
    assert.deepEqual(storeKubeconfigs, [], "no claims read or made with a plan from stand-in facts");
  });

  it("with the cluster facts unknown, a spec error is still reported as such", async () => {
    const spec = ownTenant("shapebad");
    spec.subnets![0].cidr = "10.71.1.0/33";
    const t = new TenantNetwork("shapebad", { ...spec, cluster: pulumi.output(pulumi.unknown) as pulumi.Output<any> });
    assert.match(String(await failureOf(t.vpcName)), /subnets\[web\]\.cidr: "10\.71\.1\.0\/33" is not a valid CIDR/);
    await settle();
    assert.deepEqual(declaredFor("shapebad"), []);
  });

  it("a monitoring range the cluster holds is refused under monitoring.cidr", async () => {
    const { useClusterReads } =
      require("../../provider/components/claims") as typeof import("../../provider/components/claims");
    useClusterReads({
      snapshot: async () => ({
        subnets: [
          { name: "hand-made", vpc: "monclash--vpc", cidrBlock: "10.71.9.0/24", gateway: "10.71.9.1", labels: {} },
        ],
        addressHolders: [],
        named: { kinds: [], objects: [] },
        skipped: [],
      }),
      owners: async () => new Map(),
    });
    try {
      const spec = ownTenant("monclash");
      spec.monitoring = { scraperNamespace: "monclash-metrics", cidr: "10.71.9.0/28", ports: ["9090"] };
      const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
      const t = new TenantNetwork("monclash", { ...spec, cluster: cluster.info, teardown: { kubeconfig: KUBECONFIG } });
      const failure = String(await failureOf(t.vpcName));
      assert.match(failure, /monitoring\.cidr/);
      assert.doesNotMatch(failure, /subnets\[/);
      await settle();
      assert.deepEqual(declaredFor("monclash"), []);
    } finally {
      useClusterReads();
    }
  });

  it("with the provider's credentials unknown at preview, every object is listed and only allocated addresses are unknown", async () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const provider = new k8s.Provider("unknown-creds", {});
    const spec = natTenant("nocreds", "203.0.113.32");
    const t = new TenantNetwork("nocreds", { ...spec, cluster: cluster.info }, { provider });
    const waited = await waitedFor(t);
    await settle();
    assert.deepEqual(declaredFor("nocreds"), namesOnDemoCluster(spec));
    assert.deepEqual(waited, declaredFor("nocreds"));
    assert.deepEqual(storeKubeconfigs, [], "the claims are not read: there is no cluster to read them from yet");
    const egress = registered.get("nocreds-eip-egress")?.inputs;
    assert.equal(egress.spec.v4ip, "203.0.113.32", "a static address is what up will give");
    assert.equal(egress.spec.externalSubnet, "public-a");
    const web = registered.get("nocreds-eip-web")?.inputs;
    assert.ok(pulumi.isUnknown(web.spec.v4ip), "an allocated address depends on the claims: unknown");
    assert.equal(web.spec.externalSubnet, "public-a");
    assert.ok(pulumi.isUnknown(registered.get("nocreds-eip-interconnect")?.inputs.spec.v4ip));
    assert.equal(registered.get("nocreds-subnet-web")?.inputs.spec.cidrBlock, "10.71.1.0/24");
    assert.equal(await (t.eipAddresses as any).isKnown, false);
    assert.equal(await (t.interconnectIp as any).isKnown, false);
    assert.deepEqual(Object.keys(await value(t.podDefaults)).sort(), ["nocreds-app", "nocreds-web"]);
  });

  it("claims and the teardown use the component's explicit Kubernetes provider and its context, not $KUBECONFIG", async () => {
    const two = kubeconfigFor("https://127.0.0.2:1")
      .replace(
        "contexts: [{name: x, context: {cluster: c, user: u}}]",
        "contexts: [{name: x, context: {cluster: c, user: u}}, {name: y, context: {cluster: d, user: u}}]",
      )
      .replace(
        'clusters: [{name: c, cluster: {server: "https://127.0.0.2:1"}}]',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.2:1"}}, {name: d, cluster: {server: "https://127.0.0.3:1"}}]',
      );
    const provider = new k8s.Provider("other", { kubeconfig: two, context: "y" });
    const cluster = new ClusterNetwork("cl", demo.cluster, { provider });
    const t = new TenantNetwork("elsewhere", { ...ownTenant("elsewhere"), cluster: cluster.info }, { provider });
    await value(t.vpcName);
    await settle();
    const servers = (kc: string) => (kc.match(/https:\/\/127\.0\.0\.\d:1/g) ?? []).sort();
    assert.ok(storeKubeconfigs.length > 0, "claims were read");
    for (const kc of storeKubeconfigs) {
      assert.match(kc, /"current-context":"y"/, "the provider's context is the one acted with");
    }
    // Kept as a secret: the mocks show the engine's secret wrapper.
    const teardown = registered.get("elsewhere-teardown")?.inputs.kubeconfig.value;
    assert.match(teardown, /"current-context":"y"/);
    assert.deepEqual(servers(teardown), ["https://127.0.0.2:1", "https://127.0.0.3:1"]);
    assert.match(registered.get("cl-teardown")?.inputs.kubeconfig.value, /"current-context":"y"/);
  });

  it("without an explicit provider, the default provider's kubernetes:kubeconfig (a path) and kubernetes:context config win over $KUBECONFIG", async () => {
    const file = path.join(dir, "from-config");
    fs.writeFileSync(
      file,
      kubeconfigFor("https://127.0.0.4:1").replace(
        "{name: x, context: {cluster: c, user: u}}",
        "{name: x, context: {cluster: c, user: u}}, {name: z, context: {cluster: c, user: u}}",
      ),
    );
    const config = pulumi.runtime.allConfig();
    pulumi.runtime.setConfig("kubernetes:kubeconfig", file);
    pulumi.runtime.setConfig("kubernetes:context", "z");
    try {
      const t = new TenantNetwork("configured", {
        ...ownTenant("configured"),
        cluster: planCluster(demo.cluster).info,
      });
      await value(t.vpcName);
      await settle();
    } finally {
      pulumi.runtime.setAllConfig(config);
    }
    assert.ok(storeKubeconfigs.length > 0);
    for (const kc of storeKubeconfigs) {
      assert.match(kc, /https:\/\/127\.0\.0\.4:1/);
      assert.match(kc, /"current-context":"z"/);
    }
  });

  it("a teardown kubeconfig for another API server than the provider's is refused, naming the field", async () => {
    const provider = new k8s.Provider("third", { kubeconfig: kubeconfigFor("https://127.0.0.3:1") });
    const cluster = new ClusterNetwork("cl", demo.cluster, { provider });
    const t = new TenantNetwork(
      "mismatch",
      { ...ownTenant("mismatch"), cluster: cluster.info, teardown: { kubeconfig: KUBECONFIG } },
      { provider },
    );
    assert.match(
      String(await failureOf(t.vpcName)),
      /teardown\.kubeconfig points at API server https:\/\/127\.0\.0\.1:1, but the objects go to https:\/\/127\.0\.0\.3:1 \(the Kubernetes provider third\)/,
    );
    await settle();
    assert.deepEqual(declaredFor("mismatch"), [], "nothing declared");
    assert.deepEqual(storeKubeconfigs, [], "nothing claimed");
  });

  it("dependsOn a ClusterNetwork or a PodDefaultsWebhook waits for every object it declares", async () => {
    const cluster = new ClusterNetwork("cl", { ...demo.cluster, teardown: { kubeconfig: KUBECONFIG } });
    const webhook = new PodDefaultsWebhook("pdw", {});
    const waitedCluster = await waitedFor(cluster);
    const waitedWebhook = await waitedFor(webhook);
    await settle();
    assert.deepEqual(waitedCluster, [...registered.keys()].filter((n) => n.startsWith("cl-")).sort());
    assert.ok(waitedCluster.includes("cl-interconnect-subnet") && waitedCluster.includes("cl-teardown"));
    const webhookObjects = [...registered.keys()].filter((n) => n.startsWith("pdw-")).sort();
    assert.ok(webhookObjects.includes("pdw-webhook-configuration"), webhookObjects.join(", "));
    assert.deepEqual(waitedWebhook, webhookObjects);
  });

  it("PodDefaultsWebhook keeps a CA in the state by default, and with certificates: cert-manager declares cert-manager's objects instead", async () => {
    const own = new PodDefaultsWebhook("pdca", { namespace: "pdca" });
    const cm = new PodDefaultsWebhook("pdcm", { namespace: "pdcm", certificates: WebhookCertificates.CertManager });
    await waitedFor(own);
    await waitedFor(cm);
    await settle();
    const of = (prefix: string) => [...registered.values()].filter((r) => r.name.startsWith(`${prefix}-`));
    const ca = of("pdca").find((r) => r.type === "kubeovn:index:WebhookCertificate");
    assert.deepEqual(ca?.inputs, { validityDays: 3650 });
    assert.equal(registered.get("pdca-ca")?.inputs.metadata.name, "pod-defaults-webhook-ca");

    assert.equal(of("pdcm").filter((r) => r.type === "kubeovn:index:WebhookCertificate").length, 0);
    assert.deepEqual(
      of("pdcm")
        .filter((r) => r.inputs.apiVersion === "cert-manager.io/v1")
        .map((r) => `${r.inputs.kind}/${r.inputs.metadata.name}`)
        .sort(),
      [
        "Certificate/pod-defaults-webhook",
        "Certificate/pod-defaults-webhook-ca",
        "Issuer/pod-defaults-webhook-ca",
        "Issuer/pod-defaults-webhook-selfsigned",
      ],
    );
    const mwc = registered.get("pdcm-webhook-configuration")?.inputs;
    assert.equal(mwc?.metadata.annotations["cert-manager.io/inject-ca-from"], "pdcm/pod-defaults-webhook");
    assert.equal(mwc?.webhooks[0].clientConfig.caBundle, undefined);
  });
});
