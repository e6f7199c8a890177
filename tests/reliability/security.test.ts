/**
 * Tenants cannot reach into each other (in one program and across stacks), the teardown acts only
 * with its least-privilege role (deploy/teardown-clusterrole.yaml, applied as it ships), address
 * claims live in their own namespace where that role can make and release them while it cannot
 * touch the control plane's Leases in kube-system, and no credential shows in plain text in the
 * state or the engine's event stream.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { pulumiEnv } from "../../localcluster/pulumi-env";
import {
  type AddressClaim,
  CLAIM_NAMESPACE,
  MANAGED_BY_LABEL,
  TENANT_LABEL,
  type TenantSpec,
  claimName,
  claimRef,
  planCluster,
} from "../../provider/core";
import { claimObject } from "../../provider/core/claims";
import { isForbidden, isNotFound } from "../../provider/kube/api-errors";
import { KubeClaimStore } from "../../provider/kube/claims";
import { readClusterSnapshot } from "../../provider/kube/cluster-snapshot";
import { namespaceOwners } from "../../provider/kube/namespace-owners";
import { TeardownRunner } from "../../provider/kube/teardown";
import { getCluster, kubeConfig, kubeOvn } from "../e2e/support/cluster";
import { applyDeploy, deployObjects, leastPrivilegeKubeconfig, serviceAccountKubeconfig } from "../e2e/support/rbac";
import { ourObjects } from "../e2e/support/stack";
import { claimLeases } from "../support/claims";
import { clusterSnapshot, demoSpecs, inlineProgramStack, inlineStack } from "./support/programs";

type Specs = ReturnType<typeof demoSpecs>;
interface Reach {
  title: string;
  /** Change tenant globex so it reaches for something of acme's. */
  change(globex: TenantSpec): void;
  expect: [string, string];
}

const REACHES: Reach[] = [
  {
    title: "a DNAT rule on the other tenant's EIP",
    change: (g) =>
      (g.dnatRules = [
        {
          name: "steal",
          eip: "egress",
          protocol: "tcp" as any,
          externalPort: 80,
          internalIp: "10.10.1.30",
          internalPort: 80,
        },
      ]),
    expect: ["dnatRules[steal].eip", "egress"],
  },
  {
    title: "a floating IP on the other tenant's EIP",
    change: (g) => (g.floatingIps![0].eip = "web"),
    expect: ["floatingIps[db].eip", "web"],
  },
  {
    title: "the NAT gateway in the other tenant's subnet",
    change: (g) => (g.natGateway!.subnet = "web"),
    expect: ["natGateway.subnet", "web"],
  },
  {
    title: "a subnet bound to the other tenant's namespace",
    change: (g) => g.subnets[0].namespaces.push("acme-app"),
    expect: ["subnets[main].namespaces[1]", "acme-app"],
  },
  {
    title: "adopting the other tenant's namespace",
    change: (g) => {
      g.namespaces.push({ name: "acme-app", adopt: true });
      g.subnets[0].namespaces.push("acme-app");
    },
    expect: ["namespaces[acme-app].name", "acme-app"],
  },
  {
    title: "SNAT for the other tenant's subnet",
    change: (g) => (g.snatRules![0].internalCIDR = "10.10.2.0/24"),
    expect: ["snatRules[out].internalCIDR", "10.10.2.0/24"],
  },
];

/** A refusal by the API server's authorizer. */
const forbidden = (err: unknown) => isForbidden(err);

/** A kubeconfig's client. */
function clientOf(kubeconfig: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc;
}

/** Waits until namespace `name` is gone (the namespace controller empties it first). */
async function namespaceGone(name: string): Promise<void> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const there = await core.readNamespace({ name }).then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );
    if (!there) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${name} still present after 120s`);
}

/** The first error line of a refused preview naming `field` and `value`. */
async function refusal(stack: Stack, field: string, value: string): Promise<void> {
  const message = await stack.preview({ onOutput: () => undefined }).then(
    () => assert.fail("the preview succeeded"),
    (e: Error) => e.message,
  );
  const line = message.split("\n").find((l) => l.includes(`${field}:`) && l.includes(value));
  assert.ok(line, `no error line names ${field} and ${value}:\n${message.slice(0, 3000)}`);
}

describe("security: tenants stay apart, the teardown has least privilege, credentials stay secret", function () {
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-security-"));
  let controller: KubeOvn;
  let creds: { kubeconfig: string; token: string };
  let acme: Stack;
  let specs: Specs;
  const events: string[] = [];
  const output: string[] = [];

  before(async function () {
    controller = kubeOvn();
    creds = await leastPrivilegeKubeconfig();
    specs = demoSpecs();
    // Tenant acme is live, its teardown bound to the least-privilege role; the cluster network's teardown uses the ambient (admin) kubeconfig.
    acme = await inlineProgramStack(
      "acme",
      async () => {
        const cluster = new ClusterNetwork("cluster", { ...specs.cluster, teardown: { graceSeconds: 3 } });
        new TenantNetwork("acme", {
          ...specs.acme,
          cluster: cluster.info,
          teardown: { graceSeconds: 3, kubeconfig: pulumi.secret(creds.kubeconfig) },
        });
      },
      backend,
    );
    // Debug-level diagnostics are left out: the Pulumi Node SDK's own debug line for RegisterResource
    // prints a resource's outputs with secret values in the clear (shown only at debug verbosity; see
    // docs/recovery.md, "Logs"). Everything shown at normal verbosity is checked.
    await acme.up({
      onEvent: (e) =>
        void ((e.diagnosticEvent?.severity as string | undefined) === "debug" || events.push(JSON.stringify(e))),
      onOutput: (o) => output.push(o),
    });
    await controller.settled();
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    fs.rmSync(backend, { recursive: true, force: true });
  });

  for (const r of REACHES) {
    it(`in one program: ${r.title} is refused`, async function () {
      const s = demoSpecs();
      r.change(s.globex);
      await refusal(await inlineStack("one-program", s.cluster, [s.acme, s.globex], backend), ...r.expect);
    });
  }

  it("across stacks: adopting a namespace the other tenant's stack holds is refused, and nothing is created", async function () {
    const before = await clusterSnapshot();
    const s = demoSpecs();
    s.globex.namespaces.push({ name: "acme-web", adopt: true });
    s.globex.subnets[0].namespaces.push("acme-web");
    await refusal(await inlineStack("globex", s.cluster, [s.globex], backend), "namespaces[acme-web].name", "acme-web");
    assert.deepEqual(await clusterSnapshot(), before);
  });

  it("across stacks: a DNAT rule on the other stack's EIP is refused", async function () {
    const s = demoSpecs();
    s.globex.dnatRules = [
      {
        name: "steal",
        eip: "egress",
        protocol: "tcp" as any,
        externalPort: 80,
        internalIp: "10.10.1.30",
        internalPort: 80,
      },
    ];
    await refusal(await inlineStack("globex", s.cluster, [s.globex], backend), "dnatRules[steal].eip", "egress");
  });

  it("the teardown's role cannot touch an object that is not a tenant's", async function () {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "bystander" }, data: { keep: "me" } },
    });
    await core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name: "bystander" }, stringData: { keep: "me" } },
    });
    try {
      for (const kind of ["ConfigMap", "Secret"]) {
        const runner = new TeardownRunner({
          kubeconfig: creds.kubeconfig,
          graceSeconds: 1,
          warn: () => undefined,
          pollMs: 100,
        });
        await assert.rejects(
          runner.run([{ apiVersion: "v1", kind, name: "bystander", namespace: "default" }]),
          /forbidden|403/i,
        );
      }
      const runner = new TeardownRunner({
        kubeconfig: creds.kubeconfig,
        graceSeconds: 1,
        warn: () => undefined,
        pollMs: 100,
      });
      await assert.rejects(runner.run([{ apiVersion: "v1", kind: "Namespace", name: "acme-web" }]), /forbidden|403/i);
      assert.equal((await core.readNamespacedConfigMap({ name: "bystander", namespace: "default" })).data?.keep, "me");
      assert.ok(await core.readNamespacedSecret({ name: "bystander", namespace: "default" }));
      assert.ok((await ourObjects()).includes("Namespace/acme-web"));
    } finally {
      await core.deleteNamespacedConfigMap({ name: "bystander", namespace: "default" });
      await core.deleteNamespacedSecret({ name: "bystander", namespace: "default" });
    }
  });

  it("the teardown's role lists the tenant namespaces' owners (the cross-stack check) and what a plan can clash with, but changes no namespace and reads no Secret", async function () {
    const owners = await namespaceOwners(creds.kubeconfig, ["acme-web", "no-such-namespace"]);
    assert.deepEqual([...owners], [["acme-web", "acme"]]);
    // Every read of the snapshot is allowed: nothing skipped, the service range from its ServiceCIDR.
    const snapshot = await readClusterSnapshot(creds.kubeconfig);
    assert.deepEqual(snapshot.skipped, []);
    assert.ok(snapshot.subnets?.some((s) => s.name === "join"));
    assert.match(snapshot.serviceRange?.source ?? "", /^ServiceCIDR /);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(creds.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(
      core.patchNamespace(
        { name: "acme-web", body: { metadata: { labels: { stolen: "yes" } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
      /forbidden|403/i,
    );
    // The Service rule reaches the kubernetes Service alone: no other Service, no Secret.
    await assert.rejects(core.listNamespacedService({ namespace: "default" }), /forbidden|403/i);
    await assert.rejects(core.listNamespacedSecret({ namespace: "default" }), /forbidden|403/i);
    assert.ok(await core.readNamespacedService({ name: "kubernetes", namespace: "default" }));
  });

  it("acme's addresses are claimed in their own namespace, one Lease per EIP address with its holder; none in kube-system", async function () {
    const eips: any = await kubeConfig()
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({
        group: "kubeovn.io",
        version: "v1",
        plural: "iptables-eips",
        labelSelector: `${TENANT_LABEL}=acme`,
      });
    const expected = new Map<string, string>();
    for (const e of eips.items) {
      const short = (e.metadata.name as string).slice("acme--".length);
      const holder = short === "interconnect" ? "acme/interconnect" : `acme/eip/${short}`;
      for (const a of [e.spec.v4ip, e.spec.v6ip].filter(Boolean))
        expected.set(claimName(e.spec.externalSubnet, a), holder);
    }
    assert.ok(expected.size >= 2, `acme has EIPs: ${[...expected.keys()]}`);
    const claims = await claimLeases(kubeConfig());
    assert.deepEqual(new Map([...claims].filter(([, holder]) => holder.startsWith("acme/"))), expected);
    assert.deepEqual([...(await claimLeases(kubeConfig(), "kube-system")).keys()], [], "no claim in kube-system");
  });

  it("no credential in plain text in the stored state (with history and backups) or the engine's events and output", async function () {
    const passphrase = pulumiEnv({ backendDir: backend, toolchainBin: "", kubeconfig: "" }).PULUMI_CONFIG_PASSPHRASE;
    const secrets = {
      "admin token": getCluster().token,
      "teardown token": creds.token,
      "config passphrase": passphrase,
    };
    // The backend's files as stored (`stack export` through the Automation API decrypts secrets).
    const files = (fs.readdirSync(path.join(backend, ".pulumi"), { recursive: true }) as string[])
      .map((f) => path.join(backend, ".pulumi", f))
      .filter((f) => fs.statSync(f).isFile());
    const stored = files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
    const stream = events.join("\n") + output.join("");
    assert.ok(events.length > 10 && stored.includes("acme-web"), "nothing was recorded");
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(value.length > 8, `${what} is too short to search for`);
      assert.ok(!stored.includes(value), `the ${what} is in the stored state`);
      assert.ok(!stream.includes(value), `the ${what} is in the engine's events or output`);
    }
    // The teardown kubeconfigs are kept as encrypted secrets.
    const checkpoint = files.find(
      (f) => path.basename(f) === "acme.json" && f.includes(`${path.sep}stacks${path.sep}`),
    ) as string;
    const resources = JSON.parse(fs.readFileSync(checkpoint, "utf8")).checkpoint.latest.resources;
    const teardowns = resources.filter((r: any) => r.type === "kubeovn:index:Teardown");
    assert.equal(teardowns.length, 2);
    for (const t of teardowns) assert.ok(t.inputs.kubeconfig?.ciphertext, `${t.urn}: kubeconfig is not encrypted`);
  });

  it("the destroy, tenant teardown under the least-privilege role, leaves nothing: no object, no claim", async function () {
    await acme.destroy({ onOutput: () => undefined });
    assert.deepEqual(await ourObjects(), []);
    assert.deepEqual([...(await claimLeases(kubeConfig())).keys()], [], "the role released acme's claims");
  });
});

describe("least privilege: address claims in their own namespace, the control plane's Leases out of reach", function () {
  let creds: { kubeconfig: string; token: string };
  const probe: AddressClaim = { range: "probe-pool", address: "192.0.2.10", holder: "probe/eip/out", tenant: "probe" };

  before(async function () {
    creds = await leastPrivilegeKubeconfig();
  });

  it("the role cannot list, read, create or delete Leases in kube-system (403), the teardown's own path included", async function () {
    const admin = kubeConfig().makeApiClient(k8s.CoordinationV1Api);
    const leases = clientOf(creds.kubeconfig).makeApiClient(k8s.CoordinationV1Api);
    const ns = "kube-system";
    // kube-ovn-controller's leader election Lease, and one more a delete must not reach.
    const leader = "kube-ovn-controller";
    await admin.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: "bystander" }, spec: { holderIdentity: "someone" } },
    });
    try {
      await assert.rejects(leases.listNamespacedLease({ namespace: ns }), forbidden);
      await assert.rejects(leases.readNamespacedLease({ namespace: ns, name: leader }), forbidden);
      const claim = claimObject(probe);
      await assert.rejects(
        leases.createNamespacedLease({
          namespace: ns,
          body: { ...claim, metadata: { ...claim.metadata, namespace: ns } },
        }),
        forbidden,
      );
      await assert.rejects(leases.deleteNamespacedLease({ namespace: ns, name: "bystander" }), forbidden);
      const runner = new TeardownRunner({
        kubeconfig: creds.kubeconfig,
        graceSeconds: 1,
        warn: () => undefined,
        pollMs: 100,
      });
      await assert.rejects(
        runner.run([{ apiVersion: "coordination.k8s.io/v1", kind: "Lease", name: "bystander", namespace: ns }]),
        forbidden,
      );
      assert.equal(
        (await admin.readNamespacedLease({ namespace: ns, name: "bystander" })).spec?.holderIdentity,
        "someone",
      );
      assert.ok(await admin.readNamespacedLease({ namespace: ns, name: leader }), "the leader Lease is there");
    } finally {
      await admin.deleteNamespacedLease({ namespace: ns, name: "bystander" });
    }
  });

  it("the role makes claims in pulumi-kubeovn-claims: created, a rival refused with the holder, listed, released by the teardown", async function () {
    const store = new KubeClaimStore(creds.kubeconfig);
    const name = claimName(probe.range, probe.address);
    assert.equal(await store.claim(probe), probe.holder);
    assert.equal(await store.claim({ ...probe, holder: "rival/eip/out", tenant: "rival" }), probe.holder);
    assert.deepEqual(
      (await store.list()).filter((c) => c.tenant === "probe"),
      [probe],
    );
    assert.equal((await claimLeases(kubeConfig())).get(name), probe.holder);
    const report = await new TeardownRunner({
      kubeconfig: creds.kubeconfig,
      graceSeconds: 1,
      warn: () => undefined,
      pollMs: 100,
    }).run([claimRef(probe)]);
    assert.deepEqual(report.deleted, [`Lease/${name}`]);
    assert.equal((await claimLeases(kubeConfig())).has(name), false);
  });

  it("without the claims' namespace: a preview under an identity that may not create it says what to apply and creates nothing; an identity that may creates it with its first claim", async function () {
    const admin = kubeConfig();
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-claims-ns-"));
    // Bound to the ClusterRole only, as when the namespace part of the deploy file was never applied.
    const subject = { kind: "ServiceAccount", name: "claims-probe", namespace: "default" };
    await core.createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: subject.name } } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: subject.name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "pulumi-kubeovn-teardown" },
        subjects: [subject],
      },
    });
    try {
      await core.deleteNamespace({ name: CLAIM_NAMESPACE });
      await namespaceGone(CLAIM_NAMESPACE);
      const limited = await serviceAccountKubeconfig(subject.name, subject.namespace);
      const specs = demoSpecs();
      const stack = await inlineProgramStack(
        "claims-namespace",
        async () => {
          new TenantNetwork("globex", {
            ...specs.globex,
            cluster: planCluster(specs.cluster).info,
            teardown: { graceSeconds: 3, kubeconfig: pulumi.secret(limited.kubeconfig) },
          });
        },
        backend,
      );
      // The tenant's objects and its claims act with this identity, whichever one the claims take.
      await stack.setConfig("kubernetes:kubeconfig", { value: limited.kubeconfig, secret: true });
      const before = await clusterSnapshot();
      const message = await stack.preview({ onOutput: () => undefined }).then(
        () => assert.fail("the preview succeeded"),
        (e: Error) => e.message,
      );
      assert.match(
        message,
        /Leases in namespace pulumi-kubeovn-claims: the namespace, where address claims live, does not exist; apply deploy\/teardown-clusterrole\.yaml .*once as a cluster admin/,
      );
      assert.deepEqual(await clusterSnapshot(), before, "the preview created nothing, the namespace included");

      // An identity that may create namespaces (the one creating tenant namespaces) needs nothing applied.
      const store = new KubeClaimStore(fs.readFileSync(getCluster().kubeconfigPath, "utf8"));
      assert.equal(await store.claim(probe), probe.holder);
      const ns = await core.readNamespace({ name: CLAIM_NAMESPACE });
      assert.equal(ns.metadata?.labels?.["app.kubernetes.io/part-of"], "pulumi-kubeovn");
      assert.equal(ns.metadata?.labels?.[MANAGED_BY_LABEL], undefined, "no stack owns or deletes it");
      assert.equal((await claimLeases(admin)).get(claimName(probe.range, probe.address)), probe.holder);
      assert.deepEqual(await store.releaseTenant("probe"), [claimName(probe.range, probe.address)]);
    } finally {
      await rbac.deleteClusterRoleBinding({ name: subject.name });
      await core.deleteNamespacedServiceAccount({ namespace: "default", name: subject.name });
      fs.rmSync(backend, { recursive: true, force: true });
      // Back as the deploy file has it, for whatever runs next.
      const phase = (await core.readNamespace({ name: CLAIM_NAMESPACE }).catch(() => undefined))?.status?.phase;
      if (phase === "Terminating") await namespaceGone(CLAIM_NAMESPACE);
      await applyDeploy(deployObjects());
    }
  });
});
