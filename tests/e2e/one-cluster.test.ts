/**
 * One cluster: the address claims, the namespace checks and the teardown act on the cluster the
 * objects go to, the one the components' Kubernetes provider points at, even when $KUBECONFIG
 * names another. Here an explicit provider points at the shared cluster (with the real controller)
 * while $KUBECONFIG, for the program and for every plugin, names a second API server (CRDs
 * installed, no controller): everything happens on the shared cluster, nothing at all on the
 * second. For a TypeScript program using the classes directly (provider given as content) and for
 * a YAML program, where the components run in the plugin and get the provider as a reference
 * (provider given as a path).
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as k8sPulumi from "@pulumi/kubernetes";
import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { type ControlPlane, startControlPlane } from "../../localcluster/controlplane";
import { pulumiEnv } from "../../localcluster/pulumi-env";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { pluginBin } from "../../provider/automation/env";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../../provider/core";
import { claimLeases } from "../support/claims";
import { loadDemo } from "../support/demo";
import { getCluster, kubeConfig } from "./support/cluster";
import { PLURAL, ourObjects } from "./support/stack";

const tenantSpec = (tenant: string, octet: number) => ({
  tenant,
  namespaces: [{ name: `${tenant}-web` }],
  subnets: [{ name: "web", cidr: `10.${octet}.1.0/24`, namespaces: [`${tenant}-web`] }],
  natGateway: { subnet: "web", lanIp: `10.${octet}.1.254` },
  eips: [{ name: "egress", pool: "public-a" }],
  snatRules: [{ name: "web-out", eip: "egress", internalCIDR: `10.${octet}.1.0/24` }],
});

/**
 * Everything of ours, or that our code could write, on a cluster: Kube-OVN objects and NADs of any
 * owner, namespaces other than the API server's own, claims (Leases with our label or name) in any
 * namespace, and the NAT gateway ConfigMaps a ClusterNetwork patches.
 */
async function footprint(kc: k8s.KubeConfig): Promise<string[]> {
  const out: string[] = [];
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  for (const plural of [...Object.values(PLURAL), "ips", "vpc-nat-gateways"]) {
    const list: any = await custom.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural });
    for (const o of list.items) out.push(`${o.kind}/${o.metadata.name}`);
  }
  const nads: any = await custom.listCustomObjectForAllNamespaces({
    group: "k8s.cni.cncf.io",
    version: "v1",
    plural: "network-attachment-definitions",
  });
  for (const o of nads.items) out.push(`NetworkAttachmentDefinition/${o.metadata.namespace}/${o.metadata.name}`);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const builtIn = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
  for (const ns of (await core.listNamespace()).items)
    if (!builtIn.has(ns.metadata?.name as string)) out.push(`Namespace/${ns.metadata?.name}`);
  const leases = await kc.makeApiClient(k8s.CoordinationV1Api).listLeaseForAllNamespaces();
  for (const l of leases.items)
    if (l.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY || l.metadata?.name?.startsWith("kubeovn-claim"))
      out.push(`Lease/${l.metadata?.namespace}/${l.metadata?.name}`);
  for (const c of (await core.listNamespacedConfigMap({ namespace: "kube-system" })).items)
    if (/^ovn-vpc-nat/.test(c.metadata?.name ?? "")) out.push(`ConfigMap/kube-system/${c.metadata?.name}`);
  return [...new Set(out)].sort();
}

/** The tenant's claims on the shared cluster: claim name -> holder. */
async function claimsOf(tenant: string): Promise<string[]> {
  const held = await claimLeases(kubeConfig());
  return [...held.entries()].filter(([, holder]) => holder.startsWith(`${tenant}/`)).map(([name]) => name);
}

/** A stack whose CLI, engine and plugins see $KUBECONFIG = `kubeconfig`. */
function envFor(backend: string, kubeconfig: string): { [k: string]: string } {
  const env = pulumiEnv({ backendDir: backend, toolchainBin: process.env.KUBEOVN_BIN_DIR as string, kubeconfig });
  process.env.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
  return env;
}

/** The second API server, which $KUBECONFIG names. */
let second: ControlPlane;
let secondKc: k8s.KubeConfig;

/** One lifecycle: up, everything on the shared cluster and nothing on the second; destroy leaves nothing. */
function lifecycle(tenant: string, open: () => Promise<Stack>): void {
  let stack: Stack;
  let deployed = false;

  before(async function () {
    stack = await open();
  });

  after(async function () {
    this.timeout(10 * 60_000);
    if (deployed) await stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
  });

  it("up creates the objects and claims the addresses on the provider's cluster, nothing on $KUBECONFIG's", async function () {
    deployed = true;
    await stack.up({ onOutput: () => undefined });
    const objects = (await ourObjects()).filter((o) => o.includes(tenant));
    for (const o of [
      `Vpc/${tenant}--vpc`,
      `Subnet/${tenant}--web`,
      `VpcNatGateway/${tenant}--nat`,
      `IptablesEIP/${tenant}--egress`,
    ])
      assert.ok(objects.includes(o), `${o} on the provider's cluster: ${objects.join(", ")}`);
    const claims = await claimsOf(tenant);
    assert.equal(claims.length, 2, `the interconnect address and the EIP are claimed there: ${claims.join(", ")}`);
    assert.deepEqual(await footprint(secondKc), [], "nothing on the cluster $KUBECONFIG names");
  });

  it("destroy takes everything apart there, claims released, and still nothing on $KUBECONFIG's", async function () {
    await stack.destroy({ onOutput: () => undefined });
    deployed = false;
    assert.deepEqual(
      (await ourObjects()).filter((o) => o.includes(tenant) || /ovn-vpc-external-network|public-a/.test(o)),
      [],
    );
    assert.deepEqual(await claimsOf(tenant), [], "the teardown released the claims on the provider's cluster");
    assert.deepEqual(await footprint(secondKc), []);
  });
}

describe("claims, namespace checks and teardown act on the provider's cluster, not $KUBECONFIG's", function () {
  // Read in before(): the shared cluster's KUBECONFIG is set by the root hook, after files load.
  let savedKubeconfig: string | undefined;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-one-cluster-"));

  before(async function () {
    this.timeout(5 * 60_000);
    second = await startControlPlane({
      kubeOvn: false,
      binDir: process.env.KUBEOVN_BIN_DIR,
      dataDir: path.join(scratch, "second"),
      log: () => undefined,
    });
    secondKc = new k8s.KubeConfig();
    secondKc.loadFromFile(second.kubeconfigPath);
    assert.notEqual(second.server, getCluster().server);
    assert.deepEqual(await footprint(secondKc), [], "the second API server starts empty");
    // The program's own $KUBECONFIG (an inline program runs in this process) names the second one.
    savedKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = second.kubeconfigPath;
  });

  after(async function () {
    this.timeout(2 * 60_000);
    // Assigning undefined would set the text "undefined".
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
    await second?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe("TypeScript, the classes used directly, provider kubeconfig as content", function () {
    const backend = path.join(scratch, "ts");
    lifecycle("onects", async () => {
      fs.mkdirSync(backend, { recursive: true });
      const demo = loadDemo();
      const shared = fs.readFileSync(getCluster().kubeconfigPath, "utf8");
      const program: PulumiFn = async () => {
        const provider = new k8sPulumi.Provider("shared", { kubeconfig: shared });
        const cluster = new ClusterNetwork("cluster", demo.cluster, { provider });
        new TenantNetwork("onects", { ...tenantSpec("onects", 74), cluster: cluster.info }, { provider });
      };
      return LocalWorkspace.createOrSelectStack(
        { stackName: "onects", projectName: "onects", program },
        { envVars: envFor(backend, second.kubeconfigPath) },
      );
    });
  });

  describe("YAML, through the plugin, provider kubeconfig as a path", function () {
    const dir = path.join(scratch, "yaml");
    lifecycle("oneyaml", async () => {
      fs.mkdirSync(path.join(dir, ".state"), { recursive: true });
      const demo = loadDemo();
      const program = {
        name: "oneyaml",
        runtime: "yaml",
        plugins: { providers: [{ name: "kubeovn", path: pluginBin }] },
        resources: {
          shared: { type: "pulumi:providers:kubernetes", properties: { kubeconfig: getCluster().kubeconfigPath } },
          cluster: {
            type: "kubeovn:index:ClusterNetwork",
            properties: demo.cluster,
            options: { provider: "${shared}" },
          },
          tenant: {
            type: "kubeovn:index:TenantNetwork",
            properties: { ...tenantSpec("oneyaml", 75), cluster: "${cluster.info}" },
            options: { provider: "${shared}" },
          },
        },
      };
      fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(program));
      return LocalWorkspace.createOrSelectStack(
        { stackName: "oneyaml", workDir: dir },
        { envVars: envFor(path.join(dir, ".state"), second.kubeconfigPath) },
      );
    });
  });
});
