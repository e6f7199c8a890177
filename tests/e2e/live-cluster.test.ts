/**
 * Plans checked against the live cluster, on the real controller: a Subnet made outside
 * pulumi-kubeovn whose range a tenant then uses, a Vpc made outside it under a tenant's Vpc name, a
 * tenant range inside `ovn-default` and an
 * API-server access range inside `join` are refused at preview naming both sides, next to the
 * controller's own verdict on the same input; and the reads behind those checks are a fixed number
 * of API calls for the whole program, whatever the number of tenants.
 */
import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { benchCluster, benchTenants } from "../../bench/workload";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { CLAIM_NAMESPACE, type TenantSpec, planCluster } from "../../provider/core";
import { type ApiRequest, observeApiRequests } from "../../provider/kube/client";
import { loadDemo } from "../support/demo";
import { kubeConfig } from "./support/cluster";
import { openInlineStack, ourObjects } from "./support/stack";

const demo = loadDemo();
const quiet = { onOutput: () => undefined };

/** A Subnet as someone would create it without pulumi-kubeovn (the controller fills in the rest). */
const subnet = (name: string, vpc: string, cidrBlock: string) => ({
  apiVersion: "kubeovn.io/v1",
  kind: "Subnet",
  metadata: { name },
  spec: { vpc, cidrBlock, protocol: "IPv4", provider: "ovn" },
});

function custom(): k8s.CustomObjectsApi {
  return kubeConfig().makeApiClient(k8s.CustomObjectsApi);
}

async function create(plural: string, body: object): Promise<void> {
  await custom().createClusterCustomObject({ group: "kubeovn.io", version: "v1", plural, body });
}

/** Deletes a cluster-scoped Kube-OVN object, its finalizers first (the controller may still hold it). */
async function remove(plural: string, name: string): Promise<void> {
  const api = custom();
  await api
    .patchClusterCustomObject(
      { group: "kubeovn.io", version: "v1", plural, name, body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
  await api.deleteClusterCustomObject({ group: "kubeovn.io", version: "v1", plural, name }).catch(() => undefined);
}

/** The controller's verdict on a Subnet: its Validated/Ready condition messages once it has judged it. */
async function verdict(name: string): Promise<{ ready: boolean; message: string }> {
  for (;;) {
    const s: any = await custom()
      .getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "subnets", name })
      .catch(() => undefined);
    const conditions: any[] = s?.status?.conditions ?? [];
    const failed = conditions.find((c) => c.status === "False" && c.message);
    const ready = conditions.some((c) => c.type === "Ready" && c.status === "True");
    if (failed || ready) return { ready, message: failed?.message ?? "" };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The preview's failure text (error and output), or a failed assertion if it passed. */
async function refusedPreview(program: () => Promise<void>, name: string): Promise<string> {
  const s = await openInlineStack(name, program);
  let out = "";
  try {
    const err = await s.stack.preview({ onOutput: (t) => (out += t) }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, `the preview accepted it:\n${out}`);
    return `${err.message}\n${out}`;
  } finally {
    s.cleanup();
  }
}

const smallTenant = (tenant: string, cidr: string): TenantSpec => ({
  tenant,
  namespaces: [{ name: `${tenant}-web` }],
  subnets: [{ name: "web", cidr, namespaces: [`${tenant}-web`] }],
});

describe("plans checked against the live cluster, on the real controller", function () {
  this.timeout(10 * 60_000);

  it("a Subnet made outside pulumi-kubeovn (default VPC, 10.77.0.0/16), whose range a tenant uses, is refused at preview naming both", async () => {
    await create("subnets", subnet("legacy-lc", "ovn-cluster", "10.77.0.0/16"));
    try {
      assert.equal((await verdict("legacy-lc")).ready, true, "the controller took the brownfield Subnet");
      const before = await ourObjects();
      const info = planCluster(demo.cluster).info;
      const text = await refusedPreview(async () => {
        new TenantNetwork("lc1", { ...smallTenant("lc1", "10.77.1.0/24"), cluster: info });
      }, "live-brownfield");
      assert.match(
        text,
        /subnets\[web\]\.cidr: "10\.77\.1\.0\/24" overlaps Subnet legacy-lc \(10\.77\.0\.0\/16, VPC ovn-cluster, not made by pulumi-kubeovn\) of the cluster's default VPC/,
      );
      assert.deepEqual(await ourObjects(), before, "nothing created");
    } finally {
      await remove("subnets", "legacy-lc");
    }
  });

  it("a tenant whose Vpc name an object made outside pulumi-kubeovn holds is refused at preview naming both", async () => {
    await create("vpcs", { apiVersion: "kubeovn.io/v1", kind: "Vpc", metadata: { name: "lcn--vpc" }, spec: {} });
    try {
      const before = await ourObjects();
      const info = planCluster(demo.cluster).info;
      const text = await refusedPreview(async () => {
        new TenantNetwork("lcn", { ...smallTenant("lcn", "10.78.1.0/24"), cluster: info });
      }, "live-name-held");
      assert.match(
        text,
        /tenant: "lcn" would be declared as Vpc lcn--vpc, a name the cluster's Vpc lcn--vpc \(not made by pulumi-kubeovn\) holds/,
      );
      assert.deepEqual(await ourObjects(), before, "nothing created");
    } finally {
      await remove("vpcs", "lcn--vpc");
    }
  });

  it("a tenant range inside ovn-default and API-server access inside join are refused at preview naming both; the controller refuses the same API-access Subnet and accepts the tenant's in its own VPC", async () => {
    const before = await ourObjects();
    const info = planCluster(demo.cluster).info;
    const text = await refusedPreview(async () => {
      new ClusterNetwork("lc-cluster", { ...demo.cluster, apiServerAccess: { cidr: "100.64.200.0/24" } });
      new TenantNetwork("lc2", { ...smallTenant("lc2", "10.16.5.0/24"), cluster: info });
    }, "live-cluster-ranges");
    const ours = {
      api: /apiServerAccess\.cidr: "100\.64\.200\.0\/24" overlaps Subnet join \(100\.64\.0\.0\/16, VPC ovn-cluster, not made by pulumi-kubeovn\) in the same VPC: kube-ovn-controller refuses it/,
      tenant:
        /subnets\[web\]\.cidr: "10\.16\.5\.0\/24" overlaps Subnet ovn-default \(10\.16\.0\.0\/16, VPC ovn-cluster, not made by pulumi-kubeovn\) of the cluster's default VPC/,
    };
    assert.match(text, ours.api);
    assert.match(text, ours.tenant);
    assert.deepEqual(await ourObjects(), before, "nothing created");

    // The controller's verdict on the same inputs, made directly.
    await create("subnets", subnet("lc-api-verdict", "ovn-cluster", "100.64.200.0/24"));
    await create("vpcs", { apiVersion: "kubeovn.io/v1", kind: "Vpc", metadata: { name: "lc-verdict" }, spec: {} });
    await create("subnets", subnet("lc-tenant-verdict", "lc-verdict", "10.16.5.0/24"));
    try {
      const api = await verdict("lc-api-verdict");
      assert.equal(api.ready, false);
      assert.match(
        api.message,
        /subnet lc-api-verdict cidr 100\.64\.200\.0\/24 is conflict with subnet join cidr 100\.64\.0\.0\/16/,
      );
      // Upstream has no rule against a custom VPC's range inside ovn-default: ours is the stricter one.
      assert.equal((await verdict("lc-tenant-verdict")).ready, true);
      process.stderr.write(
        `      API-server access 100.64.200.0/24 — controller: ${api.message}; ours: refused at preview\n` +
          "      tenant 10.16.5.0/24 in its own VPC — controller: Ready; ours: refused at preview\n",
      );
    } finally {
      await remove("subnets", "lc-api-verdict");
      await remove("subnets", "lc-tenant-verdict");
      await remove("vpcs", "lc-verdict");
    }
  });

  it("the cluster reads are the same fourteen list calls for 2 tenants as for 20, at preview and at up (where the only other calls are one claim create per address)", async () => {
    const info = planCluster(benchCluster).info;
    const paths = (calls: ApiRequest[]) =>
      calls.map((c) => `${c.method} ${new URL(c.url).pathname}${new URL(c.url).search}`).sort();
    const READS = [
      "GET /api/v1/namespaces",
      "GET /apis/coordination.k8s.io/v1/namespaces/pulumi-kubeovn-claims/leases",
      "GET /apis/k8s.cni.cncf.io/v1/network-attachment-definitions",
      "GET /apis/kubeovn.io/v1/ips",
      "GET /apis/kubeovn.io/v1/iptables-dnat-rules",
      "GET /apis/kubeovn.io/v1/iptables-eips",
      "GET /apis/kubeovn.io/v1/iptables-fip-rules",
      "GET /apis/kubeovn.io/v1/iptables-snat-rules",
      "GET /apis/kubeovn.io/v1/security-groups",
      "GET /apis/kubeovn.io/v1/subnets",
      "GET /apis/kubeovn.io/v1/vips",
      "GET /apis/kubeovn.io/v1/vpc-nat-gateways",
      "GET /apis/kubeovn.io/v1/vpcs",
      "GET /apis/networking.k8s.io/v1/servicecidrs",
    ];
    /** The API calls our code makes in a preview (and, with `up`, an up) of `n` tenants on the cluster network. */
    let destroyed: Promise<unknown> = Promise.resolve();
    const count = async (n: number, up: boolean): Promise<{ preview: ApiRequest[]; up: ApiRequest[] }> => {
      const tenants = benchTenants(`calls${n}-`, n);
      const s = await openInlineStack(`live-calls-${n}`, async () => {
        const cluster = new ClusterNetwork("calls-cluster", benchCluster);
        for (const t of tenants) new TenantNetwork(t.tenant, { ...t, cluster: info }, { dependsOn: [cluster] });
      });
      const seen = { preview: [] as ApiRequest[], up: [] as ApiRequest[] };
      let phase: ApiRequest[] = seen.preview;
      const stop = observeApiRequests((r) => phase.push(r));
      try {
        await s.stack.preview(quiet);
        if (up) {
          phase = seen.up;
          await s.stack.up(quiet);
        }
      } finally {
        stop();
        // Checked after the counts, so a failed destroy does not hide them.
        destroyed = up ? s.stack.destroy(quiet).finally(() => s.cleanup()) : Promise.resolve(s.cleanup());
        await destroyed.catch(() => undefined);
      }
      return seen;
    };
    // The claims' namespace exists, as after the first claim on a cluster or the deploy file (its
    // one-time create is not what this test counts).
    await kubeConfig()
      .makeApiClient(k8s.CoreV1Api)
      .createNamespace({ body: { metadata: { name: CLAIM_NAMESPACE } } })
      .catch(() => undefined);
    const small = await count(2, false);
    const large = await count(20, true);
    process.stderr.write(
      `      API calls of a 20-tenant preview:\n${paths(large.preview)
        .map((p) => `        ${p}\n`)
        .join("")}`,
    );
    assert.deepEqual(paths(large.preview), paths(small.preview), "the same calls whatever the number of tenants");
    assert.deepEqual(
      paths(large.preview)
        .map((p) => p.replace(/\?.*/, ""))
        .sort(),
      READS,
    );
    // At up: the same reads once, and one create per claimed address (interconnect and EIP of each
    // tenant): the program's tenants plan around each other, so none loses a race and re-reads.
    const reads = large.up.filter((c) => c.method === "GET");
    const creates = large.up.filter((c) => c.method === "POST");
    assert.deepEqual(
      paths(reads)
        .map((p) => p.replace(/\?.*/, ""))
        .sort(),
      READS,
    );
    assert.equal(creates.length, 40, paths(creates).join("\n"));
    assert.ok(creates.every((c) => /\/namespaces\/pulumi-kubeovn-claims\/leases$/.test(new URL(c.url).pathname)));
    assert.equal(large.up.length, reads.length + creates.length, "no other call");
    await destroyed;
  });
});
