/**
 * Tenants cannot reach into each other (in one program and across stacks), the teardown acts only
 * with its least-privilege role, and no credential shows in plain text in the state or the engine's
 * event stream.
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
import type { TenantSpec } from "../../provider/core";
import { namespaceOwners } from "../../provider/kube/namespace-owners";
import { TeardownRunner } from "../../provider/kube/teardown";
import { getCluster, kubeConfig, kubeOvn } from "../e2e/support/cluster";
import { leastPrivilegeKubeconfig } from "../e2e/support/rbac";
import { ourObjects } from "../e2e/support/stack";
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

  it("the teardown's role can read a namespace's owner (the cross-stack check) but not list or change namespaces", async function () {
    const owners = await namespaceOwners(creds.kubeconfig, ["acme-web", "no-such-namespace"]);
    assert.deepEqual([...owners], [["acme-web", "acme"]]);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(creds.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await assert.rejects(core.listNamespace(), /forbidden|403/i);
    await assert.rejects(
      core.patchNamespace(
        { name: "acme-web", body: { metadata: { labels: { stolen: "yes" } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ),
      /forbidden|403/i,
    );
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

  it("the destroy, tenant teardown under the least-privilege role, leaves nothing", async function () {
    await acme.destroy({ onOutput: () => undefined });
    assert.deepEqual(await ourObjects(), []);
  });
});
