import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";
import {
  PlanError,
  type TenantSpec,
  claimName,
  claimRef,
  planCluster,
  planTenant,
  plannedClaims,
} from "../../provider/core";
import {
  CLAIM_NAMESPACE,
  RBAC_FILE,
  claimFromObject,
  claimNamespaceObject,
  claimObject,
} from "../../provider/core/claims";
import { claimPlan } from "../../provider/kube/claims";
import { MemoryClaimStore } from "../support/claims";
import { clone, loadDemo } from "../support/demo";

const demo = loadDemo();

/** One pool of 4 usable addresses (.1 is the gateway), so rivals really compete. */
function tinyCluster() {
  const c = clone(demo.cluster);
  c.eipPools = [{ name: "pool", cidr: "198.51.100.0/29", gateway: "198.51.100.1", excludeIps: ["198.51.100.6"] }];
  return planCluster(c).info;
}

function tenant(name: string, eip: { v4ip?: string } = {}): TenantSpec {
  return {
    tenant: name,
    namespaces: [{ name }],
    subnets: [{ name: "main", cidr: "10.0.0.0/24", namespaces: [name] }],
    natGateway: { subnet: "main", lanIp: "10.0.0.254" },
    eips: [{ name: "out", pool: "pool", ...eip }],
  };
}

describe("address claim objects", () => {
  it("are named after range and address, one DNS-subdomain name per pair (IPv6 safe)", () => {
    assert.equal(claimName("public-a", "203.0.113.10"), "kubeovn-claim.public-a.203-0-113-10");
    assert.equal(claimName("pool", "fd00::1"), "kubeovn-claim.pool.fd00-0-0-0-0-0-0-1");
    assert.equal(
      claimName("pool", "fd00:0::0001"),
      claimName("pool", "fd00::1"),
      "one address, one name, however written",
    );
    assert.equal(claimName("pool", "fd00::"), "kubeovn-claim.pool.fd00-0-0-0-0-0-0-0");
    // Dashed forms of pool names and addresses cannot run into each other.
    assert.notEqual(claimName("p-1", "2::3"), claimName("p", "1:2::3"));
    const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    for (const a of ["::", "::1", "fd00::", "2001:db8::ffff:1", "10.0.0.0", "255.255.255.255"])
      assert.match(claimName("ovn-vpc-external-network", a), subdomain, a);
  });

  it("round-trip through the stored object, and a foreign or tampered Lease is not a claim", () => {
    const c = { range: "pool", address: "198.51.100.2", holder: "acme/eip/out", tenant: "acme" };
    const o = claimObject(c);
    assert.equal(o.metadata.namespace, "pulumi-kubeovn-claims");
    assert.equal(o.metadata.labels["pulumi-kubeovn/tenant"], "acme");
    assert.deepEqual(claimFromObject(o), c);
    assert.equal(
      claimFromObject({ metadata: { name: "kube-controller-manager" }, spec: { holderIdentity: "x" } }),
      undefined,
    );
    assert.equal(
      claimFromObject({ ...o, metadata: { ...o.metadata, name: claimName("pool", "198.51.100.3") } }),
      undefined,
    );
    assert.deepEqual(claimRef(c), {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      name: "kubeovn-claim.pool.198-51-100-2",
      namespace: "pulumi-kubeovn-claims",
    });
  });

  it("live in their own namespace, which no tenant may take (its destroy would delete every stack's claims)", () => {
    const t = tenant("acme");
    t.namespaces.push({ name: CLAIM_NAMESPACE });
    t.subnets[0].namespaces.push(CLAIM_NAMESPACE);
    assert.throws(
      () => planTenant(t, tinyCluster()),
      /namespaces\[pulumi-kubeovn-claims\]\.name: "pulumi-kubeovn-claims" is reserved/,
    );
    const m = tenant("acme");
    m.monitoring = { scraperNamespace: CLAIM_NAMESPACE, cidr: "10.99.0.0/29", ports: ["9100"] };
    assert.throws(
      () => planTenant(m, tinyCluster()),
      /monitoring\.scraperNamespace: "pulumi-kubeovn-claims" is a system namespace/,
    );
  });

  it("a plan claims its interconnect address and each EIP address under the holder keys", () => {
    const p = planTenant(tenant("acme"), tinyCluster());
    const claims = plannedClaims(p);
    assert.deepEqual(claims.map((c) => [c.range, c.holder]).sort(), [
      ["ovn-vpc-external-network", "acme/interconnect"],
      ["pool", "acme/eip/out"],
    ]);
    assert.equal(claims.find((c) => c.range === "pool")?.address, p.addresses.eips.out.v4ip);
    assert.equal(claims.find((c) => c.range !== "pool")?.address, p.addresses.interconnectIp);
  });
});

describe("the least-privilege deploy file", () => {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(repoRoot, RBAC_FILE), "utf8")).map((d) => d.toJS());
  const rulesOf = (d: any) => (d.rules ?? []) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  const grantsLeases = (d: any) =>
    rulesOf(d).some((r) => r.apiGroups.includes("coordination.k8s.io") || r.resources.includes("leases"));

  it("carries the claims' namespace as the code creates it, first, so the roles in it apply", () => {
    assert.equal(docs[0].kind, "Namespace");
    assert.deepEqual(docs[0], claimNamespaceObject());
  });

  it("grants Leases only in the claims' namespace: create, get, list, delete; nothing on Leases in kube-system or cluster-wide", () => {
    const withLeases = docs.filter(grantsLeases);
    assert.deepEqual(
      withLeases.map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`),
      [`Role ${CLAIM_NAMESPACE}/pulumi-kubeovn-claims`],
    );
    assert.deepEqual(rulesOf(withLeases[0]), [
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "get", "list", "delete"] },
    ]);
  });

  it("binds every role it declares to its one identity", () => {
    const sa = docs.filter((d) => d.kind === "ServiceAccount");
    assert.equal(sa.length, 1);
    const subject = { kind: "ServiceAccount", name: sa[0].metadata.name, namespace: sa[0].metadata.namespace };
    const roles = docs.filter((d) => d.kind === "Role" || d.kind === "ClusterRole");
    const bindings = docs.filter((d) => d.kind === "RoleBinding" || d.kind === "ClusterRoleBinding");
    for (const r of roles) {
      const b = bindings.filter(
        (x) =>
          x.roleRef.kind === r.kind &&
          x.roleRef.name === r.metadata.name &&
          x.metadata.namespace === r.metadata.namespace,
      );
      assert.equal(b.length, 1, `${r.kind} ${r.metadata.name} has one binding`);
      assert.deepEqual(b[0].subjects, [subject]);
    }
    assert.equal(bindings.length, roles.length);
  });
});

describe("claiming a plan's addresses", () => {
  const info = tinyCluster();
  const planner = (spec: TenantSpec) => (claims: any) => planTenant(spec, info, claims);

  it("without rivals: claims exactly the addresses the claim-free plan gives, in one round", async () => {
    const store = new MemoryClaimStore();
    const { plan, claims } = await claimPlan(store, planner(tenant("acme")));
    assert.deepEqual(plan.addresses, planTenant(tenant("acme"), info).addresses);
    assert.equal(store.claims.size, 2);
    assert.equal(store.lists, 1);
    assert.deepEqual(claims.map((c) => claimName(c.range, c.address)).sort(), [...store.claims.keys()].sort());
  });

  it("again for the same tenant: keeps its claims and addresses, creates nothing", async () => {
    const store = new MemoryClaimStore();
    const first = await claimPlan(store, planner(tenant("acme")));
    const creates = store.creates;
    const again = await claimPlan(store, planner(tenant("acme")));
    assert.deepEqual(again.plan.addresses, first.plan.addresses);
    assert.equal(store.creates, creates);
  });

  it("a rival claiming the planned address first (forced race): re-plans to another free address, never the rival's", async () => {
    const store = new MemoryClaimStore();
    const wanted = planTenant(tenant("acme"), info).addresses.eips.out.v4ip as string;
    let raced = false;
    store.beforeClaim = (c) => {
      if (!raced && c.range === "pool") {
        raced = true;
        store.put("pool", c.address, "globex/eip/out");
      }
    };
    const { plan, claims } = await claimPlan(store, planner(tenant("acme")));
    assert.ok(raced);
    const got = plan.addresses.eips.out.v4ip as string;
    assert.notEqual(got, wanted);
    assert.equal(store.claims.get(claimName("pool", wanted))?.holder, "globex/eip/out");
    assert.equal(store.claims.get(claimName("pool", got))?.holder, "acme/eip/out");
    assert.ok(claims.some((c) => c.address === got));
    assert.equal(store.lists, 2, "one re-read after the lost round");
  });

  it("rivals taking every address it tries: ends with a clear pool-exhausted error, naming field and pool", async () => {
    const store = new MemoryClaimStore();
    let n = 0;
    store.beforeClaim = (c) => {
      if (c.range === "pool") store.put("pool", c.address, `rival${n++}/eip/out`);
    };
    await assert.rejects(claimPlan(store, planner(tenant("acme"))), (err: unknown) => {
      assert.ok(err instanceof PlanError);
      assert.match(
        String((err as Error).message),
        /eips\[out\]\.v4ip: \(missing\) cannot be allocated: pool \(198\.51\.100\.0\/29\) has no free IPv4 address left/,
      );
      return true;
    });
    assert.equal(n, 4, "each of the 4 usable addresses was tried once");
  });

  it("a static address another tenant holds is refused, naming field, value and holder", async () => {
    const store = new MemoryClaimStore();
    store.put("pool", "198.51.100.3", "globex/eip/web");
    await assert.rejects(
      claimPlan(store, planner(tenant("acme", { v4ip: "198.51.100.3" }))),
      /eips\[out\]\.v4ip: "198\.51\.100\.3" is already held by globex\/eip\/web/,
    );
    assert.equal(store.claims.size, 1, "nothing claimed");
  });

  it("many tenants claiming concurrently from one small pool end with distinct addresses", async () => {
    const store = new MemoryClaimStore();
    const names = ["a", "b", "c", "d"];
    const results = await Promise.all(names.map((t) => claimPlan(store, planner(tenant(t)))));
    const eips = results.map((r) => r.plan.addresses.eips.out.v4ip);
    assert.equal(new Set(eips).size, 4);
    const holders = new Map(
      [...store.claims.values()].filter((c) => c.range === "pool").map((c) => [c.address, c.holder]),
    );
    names.forEach((t, i) => {
      assert.equal(holders.get(eips[i] as string), `${t}/eip/out`);
    });
  });
});
