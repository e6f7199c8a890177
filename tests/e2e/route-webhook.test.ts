import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as k8sPulumi from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { PodDefaultsWebhook, TenantNetwork, podDefaultsTransform } from "../../provider";
import { ChangeCollector } from "../../provider/automation/changes";
import { repoRoot } from "../../provider/automation/env";
import { installCrds } from "../../localcluster/bootstrap";
import { certManagerCrdFiles } from "../../localcluster/crds";
import { waitFor } from "../../localcluster/procs";
import { pulumiEnv } from "../../localcluster/pulumi-env";
import {
  type TenantSpec,
  WebhookCertificates,
  planCluster,
  planPodDefaultsWebhook,
  planTenant,
} from "../../provider/core";
import { BUNDLE_MAIN, bundleKey, webhookBundle } from "../../provider/webhook/bundle";
import { servedCertificate, webhookCertificateReport } from "../../provider/webhook/expiry";
import { namespaceReader } from "../../provider/webhook/namespaces";
import { CertificateRenewer, caSource } from "../../provider/webhook/renewal";
import { type WebhookServer, startWebhookServer } from "../../provider/webhook/server";
import { createCertificateAuthority, signServingCertificate } from "../../provider/webhook/tls";
import { clone, loadDemo } from "../support/demo";
import { getCluster, kubeConfig } from "./support/cluster";

const ROUTES = "ovn.kubernetes.io/routes";
const ACME_WEB_ROUTES = [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }];

/** An inline TypeScript program on its own file backend (TenantNetwork's Teardown comes from our plugin on PATH). */
async function inlineStack(name: string, program: () => Promise<void>): Promise<{ stack: Stack; cleanup(): void }> {
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), `kubeovn-${name}-`));
  const envVars = pulumiEnv({
    backendDir: backend,
    toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
    kubeconfig: getCluster().kubeconfigPath,
  });
  process.env.PULUMI_CONFIG_PASSPHRASE = envVars.PULUMI_CONFIG_PASSPHRASE;
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, projectName: `kubeovn-${name}`, program },
    { envVars },
  );
  return { stack, cleanup: () => fs.rmSync(backend, { recursive: true, force: true }) };
}

/** Creates objects as they are planned, the way kubectl create -f would. */
async function createAll(
  objects: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[],
): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
  for (const o of objects) await api.create(o as k8s.KubernetesObject);
}

const pod = (name: string, annotations?: { [k: string]: string }): k8s.V1Pod => ({
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
});

describe("routes every pod inherits: the pod-defaults webhook", function () {
  const demo = loadDemo();
  const acme = demo.tenants.find((t) => t.tenant === "acme") as TenantSpec;
  const acmePlan = planTenant(acme, planCluster(demo.cluster).info);
  let core: k8s.CoreV1Api;
  let server: WebhookServer | undefined;
  let registration: { stack: Stack; cleanup(): void };
  // The webhook's own renewal, as in its pod: a CA it is given, serving certificates it signs. Shorter
  // than the 45-day renewal window, so every check renews at the real time (the API server's clock).
  const ca = createCertificateAuthority(500);
  const names = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };
  const renewer = new CertificateRenewer(caSource(ca, names, 44));

  before(async function () {
    core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    // The tenant's namespaces exactly as the planner declares them: tenant label and pod-defaults annotation.
    await createAll(acmePlan.objects.filter((o) => o.kind === "Namespace"));
    // The webhook's identity and RBAC exactly as the component plans them; the server reads namespaces with its token.
    const rbac = planPodDefaultsWebhook(
      {},
      { caBundle: "", caCert: "", caKey: "" },
      { files: {}, paths: {}, main: "" },
    ).objects.filter((o) => ["namespace", "service-account", "cluster-role", "cluster-role-binding"].includes(o.id));
    await createAll(rbac);
    const sa = rbac.find((o) => o.id === "service-account")!.metadata;
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: sa.name,
        namespace: sa.namespace as string,
        body: { spec: { expirationSeconds: 3600 } } as k8s.AuthenticationV1TokenRequest,
      })
    ).status?.token as string;

    const cp = getCluster();
    server = await startWebhookServer({
      host: "127.0.0.1",
      ...renewer.current,
      readNamespace: namespaceReader({ server: cp.server, token, ca: Buffer.from(cp.caData, "base64").toString() }),
    });
    renewer.onChange = (pair) => server?.setCertificate(pair);
    // Registered through the component, in its url mode.
    const url = server.url;
    registration = await inlineStack("webhook", async () => {
      const w = new PodDefaultsWebhook("pod-defaults", { url, caBundle: ca.caCert, timeoutSeconds: 2 });
      return { failurePolicy: w.failurePolicy } as any;
    });
    const up = await registration.stack.up();
    assert.equal(up.outputs.failurePolicy.value, "Fail");
  });

  after(async function () {
    await server?.close();
    if (registration) {
      await registration.stack.destroy();
      registration.cleanup();
    }
  });

  it("registers a webhook scoped to tenant namespaces, failing closed", async function () {
    const adm = kubeConfig().makeApiClient(k8s.AdmissionregistrationV1Api);
    const mwc = await adm.readMutatingWebhookConfiguration({ name: "pulumi-kubeovn-pod-defaults" });
    const w = mwc.webhooks?.[0];
    assert.equal(w?.failurePolicy, "Fail");
    assert.equal(w?.timeoutSeconds, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(w?.namespaceSelector)), {
      matchExpressions: [{ key: "pulumi-kubeovn/tenant", operator: "Exists" }],
    });
  });

  it("the in-cluster objects (code ConfigMap, CA Secret, Deployment, Service, budget, registration) pass the API server's dry run", async function () {
    const files = webhookBundle();
    const code = {
      files: Object.fromEntries(Object.entries(files).map(([f, js]) => [bundleKey(f), js])),
      paths: Object.fromEntries(Object.keys(files).map((f) => [bundleKey(f), f])),
      main: BUNDLE_MAIN,
    };
    const plan = planPodDefaultsWebhook(
      {},
      {
        caBundle: Buffer.from(ca.caCert).toString("base64"),
        caCert: ca.caCert,
        caKey: ca.caKey,
        revision: ca.notAfter,
      },
      code,
    );
    const api = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
    // Namespace, account and RBAC exist already (created in before()); the registration under another name, as one is live.
    const rest = plan.objects.filter(
      (o) => !["namespace", "service-account", "cluster-role", "cluster-role-binding"].includes(o.id),
    );
    assert.equal(rest.length, 6);
    for (const o of rest) {
      const obj = o.id === "webhook-configuration" ? { ...o, metadata: { ...o.metadata, name: "dry-run-check" } } : o;
      const { id: _id, ...manifest } = obj;
      const out = await api.create(manifest as k8s.KubernetesObject, undefined, "All");
      assert.equal(out.kind, o.kind);
    }
  });

  it("a pod created in a tenant namespace comes back with the namespace's routes", async function () {
    const created = await core.createNamespacedPod({
      namespace: "acme-web",
      body: pod("plain", { "app.example/keep": "yes" }),
    });
    assert.deepEqual(JSON.parse(created.metadata?.annotations?.[ROUTES] ?? "null"), ACME_WEB_ROUTES);
    assert.equal(created.metadata?.annotations?.["app.example/keep"], "yes", "the pod's own annotations stay");
    const read = await core.readNamespacedPod({ namespace: "acme-web", name: "plain" });
    assert.deepEqual(
      JSON.parse(read.metadata?.annotations?.[ROUTES] ?? "null"),
      ACME_WEB_ROUTES,
      "stored, not only answered",
    );
  });

  it("a pod with its own route for the same destination keeps its own, and gets the others", async function () {
    const own = [{ dst: "192.168.0.0/16", gw: "10.10.1.9" }];
    const same = await core.createNamespacedPod({
      namespace: "acme-web",
      body: pod("own-route", { [ROUTES]: JSON.stringify(own) }),
    });
    assert.deepEqual(JSON.parse(same.metadata?.annotations?.[ROUTES] ?? "null"), own);
    const other = [{ dst: "172.16.0.0/12", gw: "10.10.1.9" }];
    const more = await core.createNamespacedPod({
      namespace: "acme-web",
      body: pod("other-route", { [ROUTES]: JSON.stringify(other) }),
    });
    assert.deepEqual(JSON.parse(more.metadata?.annotations?.[ROUTES] ?? "null"), [...other, ...ACME_WEB_ROUTES]);
  });

  it("pods outside tenant namespaces, and in tenant namespaces with nothing to inherit, are untouched", async function () {
    const outside = await core.createNamespacedPod({ namespace: "default", body: pod("outside") });
    assert.equal(outside.metadata?.annotations, undefined);
    const app = await core.createNamespacedPod({ namespace: "acme-app", body: pod("app") });
    assert.equal(app.metadata?.annotations?.[ROUTES], undefined);
  });

  it("the webhook swaps in a certificate it renewed itself; the API server trusts it at once (no restart, no up)", async function () {
    const before = await servedCertificate("127.0.0.1", server!.port);
    assert.equal(renewer.check(), true, "a 44-day certificate is inside the 45-day renewal window");
    const after = await servedCertificate("127.0.0.1", server!.port);
    assert.notEqual(after.fingerprint256, before.fingerprint256, "the same server serves a new certificate");
    assert.equal(
      after.serialNumber,
      new (await import("node:crypto")).X509Certificate(renewer.current.cert).serialNumber,
    );
    const created = await core.createNamespacedPod({ namespace: "acme-web", body: pod("after-renewal") });
    assert.deepEqual(JSON.parse(created.metadata?.annotations?.[ROUTES] ?? "null"), ACME_WEB_ROUTES);
  });

  it("status reads the caBundle and the served certificate from the cluster, and warns 30 days ahead", async function () {
    const report = await webhookCertificateReport(kubeConfig());
    assert.deepEqual(
      report.checks.map((c) => `${c.where}: ${c.daysLeft}`),
      ["caBundle: 499", `served at ${server!.url}: 43`],
    );
    assert.deepEqual(report.warnings, []);
    // The same from the command line, once what is served has fewer than 30 days left.
    const short = signServingCertificate(ca, { ...names, validityDays: 20 });
    server!.setCertificate(short);
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-status-"));
      fs.copyFileSync(path.join(repoRoot, "examples", "fleet.yaml"), path.join(dir, "fleet.yaml"));
      const env = {
        ...(process.env as { [k: string]: string }),
        CI: "true",
        ...pulumiEnv({
          backendDir: dir,
          toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
          kubeconfig: getCluster().kubeconfigPath,
        }),
      };
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          path.join(repoRoot, "bin", "kubeovn-tenants"),
          ["status", "--no-drift"],
          { cwd: dir, env },
          (e, o, r) => resolve({ code: e ? Number((e as { code?: unknown }).code) : 0, stdout: o, stderr: r }),
        ),
      );
      fs.rmSync(dir, { recursive: true, force: true });
      const explain = `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
      assert.equal(run.code, 0, explain);
      assert.match(run.stdout, /^Webhook certificates:$/m, explain);
      assert.match(run.stdout, /^ {2}caBundle: valid until \S+ \(499 days\)$/m, explain);
      assert.match(
        run.stderr,
        new RegExp(
          `^WARNING: webhook certificate expires in 19 days, on \\S+ \\(served at ${server!.url.replace(/[.]/g, "\\.")}\\);`,
          "m",
        ),
        explain,
      );
    } finally {
      server!.setCertificate(renewer.current);
    }
  });

  it("with certificates: cert-manager, the API server accepts cert-manager's objects and the inject-ca-from registration", async function () {
    // cert-manager's CRDs (crds/, v1.21.2) only: no cert-manager runs here, so nothing is issued.
    const crds = await installCrds(getCluster().kubeconfigPath, certManagerCrdFiles);
    try {
      const files = webhookBundle();
      const code = {
        files: Object.fromEntries(Object.entries(files).map(([f, js]) => [bundleKey(f), js])),
        paths: Object.fromEntries(Object.keys(files).map((f) => [bundleKey(f), f])),
        main: BUNDLE_MAIN,
      };
      const plan = planPodDefaultsWebhook({ certificates: WebhookCertificates.CertManager }, {}, code);
      const api = k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
      const rest = plan.objects.filter(
        (o) => !["namespace", "service-account", "cluster-role", "cluster-role-binding"].includes(o.id),
      );
      const kinds: string[] = [];
      for (const o of rest) {
        const obj = o.id === "webhook-configuration" ? { ...o, metadata: { ...o.metadata, name: "dry-run-cm" } } : o;
        const { id: _id, ...manifest } = obj;
        // A CRD just Established may take a moment to be served (discovery, storage).
        const out = await waitFor(`dry run of ${o.kind}`, 30_000, () =>
          api.create(manifest as k8s.KubernetesObject, undefined, "All"),
        );
        kinds.push(`${out.kind}/${out.metadata?.name}`);
        if (o.kind === "MutatingWebhookConfiguration")
          assert.equal(
            out.metadata?.annotations?.["cert-manager.io/inject-ca-from"],
            "pulumi-kubeovn/pod-defaults-webhook",
          );
      }
      assert.deepEqual(kinds, [
        "ConfigMap/pod-defaults-webhook-code",
        "Issuer/pod-defaults-webhook-selfsigned",
        "Certificate/pod-defaults-webhook-ca",
        "Issuer/pod-defaults-webhook-ca",
        "Certificate/pod-defaults-webhook",
        "Deployment/pod-defaults-webhook",
        "Service/pod-defaults-webhook",
        "PodDisruptionBudget/pod-defaults-webhook",
        "MutatingWebhookConfiguration/dry-run-cm",
      ]);
      // The CRDs do reject what cert-manager would not understand.
      await assert.rejects(
        api.create(
          { ...(rest.find((o) => o.id === "certificate") as any), id: undefined, spec: { secretName: "x" } } as any,
          undefined,
          "All",
        ),
        /issuerRef/,
      );
    } finally {
      const ext = kubeConfig().makeApiClient(k8s.ApiextensionsV1Api);
      for (const c of crds) await ext.deleteCustomResourceDefinition({ name: c.metadata!.name! });
    }
  });

  it("while the webhook is down, tenant pods are refused (failurePolicy Fail) and other pods are created", async function () {
    await server?.close();
    server = undefined;
    await assert.rejects(core.createNamespacedPod({ namespace: "acme-web", body: pod("while-down") }), (e: unknown) => {
      const status = JSON.parse(String((e as { body?: unknown }).body));
      assert.equal(status.code, 500);
      // Refused at connect, or on a connection the API server still kept open to the closed server.
      assert.match(
        status.message,
        /failed calling webhook "pod-defaults\.pulumi-kubeovn\.io".*(connection refused|broken pipe|connection reset)/,
      );
      return true;
    });
    await assert.rejects(
      core.readNamespacedPod({ namespace: "acme-web", name: "while-down" }),
      "no pod without its routes was created",
    );
    const outside = await core.createNamespacedPod({ namespace: "default", body: pod("outside-while-down") });
    assert.equal(outside.metadata?.name, "outside-while-down");
  });

  it("a Deployment declared in the program with the transform shows the inherited routes in its preview", async function () {
    // The tenant without NAT: its namespaces, subnets and the pod defaults are all this needs.
    const spec = clone(acme);
    for (const k of ["natGateway", "eips", "snatRules", "dnatRules"] as const) delete (spec as any)[k];
    const info = planCluster(demo.cluster).info;
    const s = await inlineStack("transform", async () => {
      const tenant = new TenantNetwork("acme", { ...spec, cluster: info });
      pulumi.runtime.registerResourceTransform(podDefaultsTransform(tenant.podDefaults));
      const workload = (ns: string) => ({
        metadata: { name: "web", namespace: ns },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" }, annotations: { "app.example/keep": "yes" } },
            spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
          },
        },
      });
      new k8sPulumi.apps.v1.Deployment("web", workload("acme-web"));
      new k8sPulumi.apps.v1.Deployment("outside", workload("default"));
    });
    try {
      const c = new ChangeCollector();
      await s.stack.preview({ onEvent: c.onEvent });
      const deployment = (name: string) =>
        c.resourceChanges.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === name)?.newInputs as any;
      const web = deployment("web")?.spec.template.metadata.annotations;
      assert.deepEqual(
        JSON.parse(web?.[ROUTES] ?? "null"),
        ACME_WEB_ROUTES,
        `planned annotations: ${JSON.stringify(web)}`,
      );
      assert.equal(web["app.example/keep"], "yes");
      assert.deepEqual(deployment("outside")?.spec.template.metadata.annotations, { "app.example/keep": "yes" });
    } finally {
      s.cleanup();
    }
  });
});
