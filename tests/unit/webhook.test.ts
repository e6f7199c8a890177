import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlanError, WebhookFailurePolicy, planPodDefaultsWebhook } from "../../provider/core";
import { type AdmissionReview, admitPod } from "../../provider/webhook/admission";
import { BUNDLE_MAIN, webhookBundle } from "../../provider/webhook/bundle";
import { RENEW_DAYS, diffCertificate } from "../../provider/webhook/certificate-resource";
import { createServingCertificate } from "../../provider/webhook/tls";

const DEFAULTS = JSON.stringify({ routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }] });

function review(namespace: string, annotations?: { [k: string]: string }, operation = "CREATE"): AdmissionReview {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u-1",
      namespace,
      operation,
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { generateName: "web-", ...(annotations ? { annotations } : {}) },
      },
    },
  };
}
const patchOf = (r: AdmissionReview) => JSON.parse(Buffer.from(r.response!.patch as string, "base64").toString());

describe("pod-defaults webhook: admission", () => {
  const namespaces: { [ns: string]: { [k: string]: string } } = {
    tenant: { "pulumi-kubeovn/pod-defaults": DEFAULTS },
    plain: {},
    broken: { "pulumi-kubeovn/pod-defaults": "{oops" },
  };
  const read = async (ns: string) => namespaces[ns];

  it("patches a pod of a namespace with defaults, creating metadata.annotations", async () => {
    const out = await admitPod(review("tenant"), read);
    assert.equal(out.response?.uid, "u-1");
    assert.equal(out.response?.allowed, true);
    assert.equal(out.response?.patchType, "JSONPatch");
    assert.deepEqual(patchOf(out), [
      {
        op: "add",
        path: "/metadata/annotations",
        value: { "ovn.kubernetes.io/routes": JSON.stringify([{ dst: "192.168.0.0/16", gw: "10.10.1.253" }]) },
      },
    ]);
  });

  it("allows without a patch when nothing applies: no defaults, not a CREATE, or the pod already has it all", async () => {
    for (const r of [
      review("plain"),
      review("missing"),
      review("tenant", undefined, "UPDATE"),
      review("tenant", { "ovn.kubernetes.io/routes": JSON.stringify([{ dst: "192.168.0.0/16", gw: "10.10.1.1" }]) }),
    ]) {
      const out = await admitPod(r, read);
      assert.equal(out.response?.allowed, true);
      assert.equal(out.response?.patch, undefined);
    }
  });

  it("allows a pod with a malformed routes annotation unchanged, with a warning", async () => {
    const out = await admitPod(review("tenant", { "ovn.kubernetes.io/routes": "nope" }), read);
    assert.equal(out.response?.allowed, true);
    assert.equal(out.response?.patch, undefined);
    assert.match(
      out.response?.warnings?.[0] ?? "",
      /^pulumi-kubeovn: pod annotation ovn\.kubernetes\.io\/routes is not JSON/,
    );
  });

  it("denies when the namespace's defaults cannot be read, rather than create the pod without them", async () => {
    const broken = await admitPod(review("broken"), read);
    assert.equal(broken.response?.allowed, false);
    assert.match(
      broken.response?.status?.message ?? "",
      /pulumi-kubeovn\/pod-defaults is not JSON.*\(namespace broken\)/,
    );
    const down = await admitPod(review("tenant"), async () => {
      throw new Error("connection refused");
    });
    assert.equal(down.response?.allowed, false);
    assert.match(
      down.response?.status?.message ?? "",
      /cannot read the pod defaults of namespace tenant: connection refused/,
    );
  });
});

describe("pod-defaults webhook: the bundle a stock Node image runs", () => {
  it("is self-contained: plain Node loads it from a bare directory and it admits a pod", () => {
    const files = webhookBundle();
    assert.ok(files[BUNDLE_MAIN]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-bundle-"));
    try {
      for (const [f, js] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), js);
      }
      // Outside the repository: no node_modules, no ts-node; only what the ConfigMap holds.
      const script = `require(${JSON.stringify(path.join(dir, "webhook/admission.js"))}).admitPod(${JSON.stringify(review("tenant"))}, async () => (${JSON.stringify({ "pulumi-kubeovn/pod-defaults": DEFAULTS })})).then((r) => process.stdout.write(JSON.stringify(r)))`;
      const out = JSON.parse(
        execFileSync(process.execPath, ["-e", script], {
          cwd: dir,
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "" },
        }),
      );
      assert.equal(out.response.patchType, "JSONPatch");
      const requires =
        Object.values(files)
          .join("\n")
          .match(/require\("([^"]+)"\)/g) ?? [];
      for (const r of requires)
        assert.match(r, /require\("(node:[a-z]+|\.\.?\/[^"]+)"\)/, `${r} is a Node built-in or a bundle file`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pod-defaults webhook: plan", () => {
  const tls = { caBundle: "Q0E=", cert: "CERT", key: "KEY", revision: "r1" };
  const code = {
    files: { "webhook_main.js": "x" },
    paths: { "webhook_main.js": "webhook/main.js" },
    main: "webhook/main.js",
  };

  it("scopes the webhook to tenant namespaces, pods on CREATE, with failurePolicy Fail by default", () => {
    const plan = planPodDefaultsWebhook({}, tls, code);
    const mwc = plan.objects.find((o) => o.kind === "MutatingWebhookConfiguration") as any;
    const w = mwc.webhooks[0];
    assert.equal(w.failurePolicy, "Fail");
    assert.equal(w.timeoutSeconds, 5);
    assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: "pulumi-kubeovn/tenant", operator: "Exists" }] });
    assert.deepEqual(w.rules, [
      { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" },
    ]);
    assert.deepEqual(w.clientConfig, {
      service: { namespace: "pulumi-kubeovn", name: "pod-defaults-webhook", path: "/mutate-pods", port: 443 },
      caBundle: "Q0E=",
    });
    assert.deepEqual(
      plan.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/pulumi-kubeovn",
        "ServiceAccount/pod-defaults-webhook",
        "ClusterRole/pulumi-kubeovn-pod-defaults-reader",
        "ClusterRoleBinding/pulumi-kubeovn-pod-defaults-reader",
        "ConfigMap/pod-defaults-webhook-code",
        "Secret/pod-defaults-webhook-tls",
        "Deployment/pod-defaults-webhook",
        "Service/pod-defaults-webhook",
        "PodDisruptionBudget/pod-defaults-webhook",
        "MutatingWebhookConfiguration/pulumi-kubeovn-pod-defaults",
      ],
    );
    const ns = plan.objects[0];
    assert.equal(
      ns.metadata.labels?.["pulumi-kubeovn/tenant"],
      undefined,
      "the webhook's own namespace is never in scope",
    );
    assert.deepEqual((plan.objects[2] as any).rules, [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }]);
    assert.deepEqual(plan.dnsNames, ["pod-defaults-webhook.pulumi-kubeovn.svc"]);
  });

  it("with url, only registers the webhook", () => {
    const plan = planPodDefaultsWebhook(
      {
        url: "https://127.0.0.1:9443/mutate-pods",
        caBundle: "-----BEGIN CERTIFICATE-----\n...",
        failurePolicy: WebhookFailurePolicy.Ignore,
      },
      { caBundle: "Q0E=" },
    );
    assert.deepEqual(
      plan.objects.map((o) => o.kind),
      ["MutatingWebhookConfiguration"],
    );
    const w = (plan.objects[0] as any).webhooks[0];
    assert.deepEqual(w.clientConfig, { url: "https://127.0.0.1:9443/mutate-pods", caBundle: "Q0E=" });
    assert.equal(w.failurePolicy, "Ignore");
  });

  it("rejects bad settings, naming every field and value", () => {
    assert.throws(
      () =>
        planPodDefaultsWebhook(
          {
            namespace: "Bad_NS",
            replicas: 0,
            timeoutSeconds: 60,
            failurePolicy: "Sometimes" as WebhookFailurePolicy,
            url: "http://x",
            certificateValidityDays: 7,
          },
          tls,
          code,
        ),
      (e: unknown) => {
        assert.ok(e instanceof PlanError);
        assert.deepEqual(
          e.problems.map((p) => `${p.path}=${JSON.stringify(p.value)}`),
          [
            'namespace="Bad_NS"',
            "replicas=0",
            'failurePolicy="Sometimes"',
            "timeoutSeconds=60",
            "certificateValidityDays=7",
            'url="http://x"',
            "caBundle=undefined",
          ],
        );
        return true;
      },
    );
  });
});

describe("pod-defaults webhook: certificate", () => {
  it("signs a serving certificate for the names asked, with the generated CA", function () {
    this.timeout(60_000);
    const c = createServingCertificate({ dnsNames: ["w.ns.svc"], ipAddresses: ["127.0.0.1"], validityDays: 60 });
    const cert = new crypto.X509Certificate(c.cert);
    assert.equal(cert.subjectAltName, "DNS:w.ns.svc, IP Address:127.0.0.1");
    assert.ok(cert.verify(new crypto.X509Certificate(c.caCert).publicKey));
    assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(c.key)));
    assert.ok(new crypto.X509Certificate(c.caCert).ca);
  });

  it("is kept across updates and replaced when its names change or it nears expiry", () => {
    const now = new Date("2027-01-01T00:00:00Z");
    const olds = { dnsNames: ["a"], validityDays: 90, notAfter: "2027-03-01T00:00:00Z" };
    assert.deepEqual(diffCertificate(olds, { dnsNames: ["a"], validityDays: 90 }, now).changes, false);
    assert.deepEqual(diffCertificate(olds, { dnsNames: ["b"], validityDays: 90 }, now).replaces, ["dnsNames"]);
    const late = new Date(new Date(olds.notAfter).getTime() - (RENEW_DAYS - 1) * 86_400_000);
    assert.deepEqual(diffCertificate(olds, { dnsNames: ["a"], validityDays: 90 }, late).replaces, ["validityDays"]);
  });
});
