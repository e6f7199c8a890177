import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { ChangeCollector } from "../../provider/automation/changes";
import { pluginBin } from "../../provider/automation/env";
import { type ClusterNetworkSpec, type TenantSpec, claimName, planCluster, planTenant } from "../../provider/core";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { kubeConfig, kubeOvn } from "../e2e/support/cluster";
import { type DemoStack, openProgramStack, ourObjects } from "../e2e/support/stack";
import { claimLeases, dropClaim, putClaim } from "../support/claims";

const TENANTS = Number(process.env.CLAIMS_TENANTS ?? 20);
const plugins = { providers: [{ name: "kubeovn", path: pluginBin }] };

/** One small pool (29 free addresses for 20 tenants) and a small interconnect range, so tenants really compete. */
const CLUSTER: ClusterNetworkSpec = {
  interconnect: {
    masterInterface: "eth1",
    cidr: "172.31.0.0/26",
    gateway: "172.31.0.1",
    excludeIps: ["172.31.0.2..172.31.0.9"],
  },
  eipPools: [{ name: "pool", cidr: "203.0.113.0/27", gateway: "203.0.113.1" }],
  natGateway: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
};

function tenantSpec(name: string, i: number): TenantSpec {
  return {
    tenant: name,
    namespaces: [{ name }],
    // 10.121.0.0/24 to 10.239.0.0/24: clear of ovn-default (10.16.0.0/16) and the service range
    // (10.96.0.0/12), which the preview refuses a tenant range to overlap.
    subnets: [{ name: "main", cidr: `10.${120 + (i % 120)}.0.0/24`, namespaces: [name] }],
    natGateway: { subnet: "main", lanIp: `10.${120 + (i % 120)}.0.254` },
    eips: [{ name: "out", pool: "pool" }],
  };
}

/** A tenant stack: its own project stack on the shared backend, given only the cluster stack's export. */
function tenantProgram(spec: TenantSpec): any {
  return {
    name: "kubeovn-tenants",
    runtime: "yaml",
    plugins,
    resources: {
      platform: { type: "pulumi:pulumi:StackReference", properties: { name: "organization/kubeovn-cluster/cluster" } },
      tenant: {
        type: "kubeovn:index:TenantNetwork",
        properties: { ...spec, cluster: '${platform.outputs["clusterInfo"]}', teardown: { graceSeconds: 3 } },
      },
    },
    outputs: { eips: "${tenant.eipAddresses}", interconnectIp: "${tenant.interconnectIp}" },
  };
}

const quiet = { onOutput: () => undefined };

/** Every address claim in the API server: claim name -> holder. */
function claimsInCluster(): Promise<Map<string, string>> {
  return claimLeases(kubeConfig());
}

async function eipsInCluster(): Promise<any[]> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const list: any = await api.listClusterCustomObject({
    group: "kubeovn.io",
    version: "v1",
    plural: "iptables-eips",
    labelSelector: "app.kubernetes.io/managed-by=pulumi-kubeovn",
  });
  return list.items;
}

function duplicates(values: string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

describe("concurrency: tenant stacks running at the same time never share an address", function () {
  // 20 Pulumi operations at once on a small shared machine: give them far longer than the default.
  this.timeout(45 * 60_000);
  let controller: KubeOvn;
  let cluster: DemoStack;
  const tenants: DemoStack[] = [];
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-claims-state-"));
  const names = Array.from({ length: TENANTS }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);

  before(async function () {
    controller = kubeOvn();
    cluster = await openProgramStack(
      "cluster",
      {
        name: "kubeovn-cluster",
        runtime: "yaml",
        plugins,
        resources: {
          cluster: { type: "kubeovn:index:ClusterNetwork", properties: { ...CLUSTER, teardown: { graceSeconds: 3 } } },
        },
        outputs: { clusterInfo: "${cluster.info}" },
      },
      backend,
    );
    await cluster.stack.up(quiet);
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    for (const s of [cluster, ...tenants]) s?.cleanup();
    fs.rmSync(backend, { recursive: true, force: true });
  });

  it("the preview shows the address up then gets, even when the preferred one is already claimed", async function () {
    const spec = tenantSpec("solo", 200);
    const info = planCluster(CLUSTER).info;
    const preferred = planTenant(spec, info).addresses.eips.out.v4ip as string;
    // Another holder claims solo's preferred address before solo ever runs.
    const rival = await putClaim(kubeConfig(), {
      range: "pool",
      address: preferred,
      holder: "rival/eip/out",
      tenant: "rival",
    });
    const solo = await openProgramStack("solo", tenantProgram(spec), backend);
    try {
      const preview = new ChangeCollector();
      await solo.stack.preview({ onEvent: preview.onEvent });
      const planned = preview.changes.find(
        (c) => c.type === "kubernetes:kubeovn.io/v1:IptablesEIP" && c.name === "tenant-eip-out",
      );
      const previewed = (planned?.newInputs as any)?.spec?.v4ip;
      assert.ok(previewed, "the preview shows the EIP's address");
      assert.notEqual(previewed, preferred, "the preview knows the address is held");
      assert.deepEqual([...(await claimsInCluster()).keys()], [rival], "a preview claims nothing");
      const up = await solo.stack.up(quiet);
      assert.equal(up.outputs.eips.value.out, previewed);
      assert.equal((await claimsInCluster()).get(claimName("pool", previewed)), "solo/eip/out");
      await solo.stack.destroy(quiet);
      const left = [...(await claimsInCluster()).keys()];
      assert.deepEqual(left, [rival], "destroy released solo's claims, not the rival's");
    } finally {
      await dropClaim(kubeConfig(), rival);
      solo.cleanup();
    }
  });

  it(`${TENANTS} tenant stacks applied at once end with distinct addresses, all succeeded`, async function () {
    for (const [i, n] of names.entries())
      tenants.push(await openProgramStack(n, tenantProgram(tenantSpec(n, i + 1)), backend));
    const started = Date.now();
    const results = await Promise.allSettled(tenants.map((t) => t.stack.up(quiet)));
    process.stderr.write(
      `      [claims] ${TENANTS} concurrent ups took ${Math.round((Date.now() - started) / 1000)}s\n`,
    );
    const failed = results.flatMap((r, i) =>
      r.status === "rejected" ? [`${names[i]}: ${String(r.reason).slice(0, 400)}`] : [],
    );
    assert.deepEqual(failed, [], "every stack succeeded");
    for (const r of results) assert.equal((r as PromiseFulfilledResult<any>).value.summary.result, "succeeded");

    // What the API server holds: every EIP object and every claim.
    const eips = await eipsInCluster();
    const poolEips = eips.filter((e) => e.spec.externalSubnet === "pool").map((e) => e.spec.v4ip as string);
    const interconnect = eips
      .filter((e) => e.spec.externalSubnet === "ovn-vpc-external-network")
      .map((e) => e.spec.v4ip as string);
    assert.equal(poolEips.length, TENANTS);
    assert.equal(interconnect.length, TENANTS);
    assert.deepEqual(duplicates(poolEips), [], "no two EIPs share an address");
    assert.deepEqual(duplicates(interconnect), [], "no two NAT gateways share an interconnect address");
    const claims = await claimsInCluster();
    assert.equal(claims.size, 2 * TENANTS);
    for (const [i, n] of names.entries()) {
      const out = (results[i] as PromiseFulfilledResult<any>).value.outputs;
      assert.equal(claims.get(claimName("pool", out.eips.value.out)), `${n}/eip/out`);
      assert.equal(claims.get(claimName("ovn-vpc-external-network", out.interconnectIp.value)), `${n}/interconnect`);
    }
    // The race was real: with claim-free plans some tenants would have shared an address.
    const info = planCluster(CLUSTER).info;
    const naive = names.map((n, i) => planTenant(tenantSpec(n, i + 1), info).addresses.eips.out.v4ip as string);
    process.stderr.write(
      `      [claims] tenants whose preferred pool address was taken by another: ${duplicates(naive).length}\n`,
    );
    assert.ok(duplicates(naive).length > 0, "the pool is small enough that preferred addresses collide");
  });

  it("previews after up show no change", async function () {
    await controller.settled();
    for (const t of [tenants[0], tenants[TENANTS / 2], tenants[TENANTS - 1]])
      assert.deepEqual(await t.preview(), [], t.stack.name);
  });

  it("destroying every tenant at once releases every claim and leaves no object", async function () {
    const results = await Promise.allSettled(tenants.map((t) => t.stack.destroy(quiet)));
    assert.deepEqual(
      results.flatMap((r, i) => (r.status === "rejected" ? [`${names[i]}: ${String(r.reason).slice(0, 400)}`] : [])),
      [],
    );
    assert.deepEqual([...(await claimsInCluster()).keys()], []);
    assert.deepEqual(
      (await ourObjects()).filter((o) => /\bt\d\d/.test(o)),
      [],
    );
    await cluster.stack.destroy(quiet);
    assert.deepEqual(await ourObjects(), []);
  });
});
