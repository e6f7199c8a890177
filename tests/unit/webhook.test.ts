import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { certManagerCrdFiles } from "../../localcluster/crds";
import {
  PlanError,
  WebhookCertificates,
  WebhookFailurePolicy,
  planPodDefaultsWebhook,
  webhookDnsNames,
} from "../../provider/core";
import { type AdmissionReview, admitPod } from "../../provider/webhook/admission";
import { BUNDLE_MAIN, webhookBundle } from "../../provider/webhook/bundle";
import { RENEW_DAYS, createCertificate, diffCertificate } from "../../provider/webhook/certificate-resource";
import {
  type CertificateSources,
  STATUS_WARN_DAYS,
  certificateReport,
  certificateWarnings,
  describe as describeCertificate,
  renderCertificateReport,
} from "../../provider/webhook/expiry";
import {
  CertificateRenewer,
  SERVING_DAYS,
  SERVING_RENEW_BEFORE_DAYS,
  type TlsPair,
  caSource,
  fileSource,
  notAfterOf,
  renewalDue,
} from "../../provider/webhook/renewal";
import { startWebhookServer } from "../../provider/webhook/server";
import { createCertificateAuthority, createServingCertificate } from "../../provider/webhook/tls";
import { CrdValidator } from "../support/crds";

const DAY = 86_400_000;

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
      for (const r of requires) {
        const forge = r.match(/^require\("node-forge\/lib\/([\w.]+)"\)$/);
        if (forge) assert.ok(files[`node_modules/node-forge/lib/${forge[1]}.js`], `${r} is carried by the bundle`);
        else assert.match(r, /require\("(node:[a-z]+|\.\.?\/[^"]+)"\)/, `${r} is a Node built-in or a bundle file`);
      }
      assert.ok(files["node_modules/node-forge/LICENSE"], "node-forge's licence travels with its code");
      // What the ConfigMap holds stays well under the API server's 1 MiB limit on an object.
      assert.ok(JSON.stringify(files).length < 800_000, `bundle of ${JSON.stringify(files).length} characters`);

      // The renewal signs a serving certificate with only the bundle's files (node-forge included).
      const ca = createCertificateAuthority(3650);
      const sign = `const { caSource } = require(${JSON.stringify(path.join(dir, "webhook/renewal.js"))}); process.stdout.write(caSource(${JSON.stringify(ca)}, { dnsNames: ["w.ns.svc"] }).next(undefined, new Date()).cert)`;
      const cert = new crypto.X509Certificate(
        execFileSync(process.execPath, ["-e", sign], {
          cwd: dir,
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "" },
        }),
      );
      assert.equal(cert.subjectAltName, "DNS:w.ns.svc");
      assert.ok(cert.verify(new crypto.X509Certificate(ca.caCert).publicKey), "signed by the CA it was given");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pod-defaults webhook: the entry point as its pod runs it", () => {
  it("TLS_SOURCE=ca: serves a certificate for DNS_NAMES that it signed with the CA from its Secret", async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-main-"));
    const files = webhookBundle();
    for (const [f, js] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, "app", f)), { recursive: true });
      fs.writeFileSync(path.join(dir, "app", f), js);
    }
    // The Secret as the plan mounts it: ca.crt and ca.key.
    const ca = createCertificateAuthority(3650);
    fs.mkdirSync(path.join(dir, "tls"));
    fs.writeFileSync(path.join(dir, "tls", "ca.crt"), ca.caCert);
    fs.writeFileSync(path.join(dir, "tls", "ca.key"), ca.caKey);
    const child = spawn(process.execPath, [path.join(dir, "app", BUNDLE_MAIN)], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        PORT: "0",
        TLS_DIR: path.join(dir, "tls"),
        TLS_SOURCE: "ca",
        DNS_NAMES: "pod-defaults-webhook.pulumi-kubeovn.svc",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on("data", (c) => {
          out += c;
          const m = out.match(/listening on port (\d+)/);
          if (m) resolve(Number(m[1]));
        });
        child.stderr.on("data", (c) => {
          out += c;
        });
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const served = await new Promise<crypto.X509Certificate>((resolve, reject) => {
        const s = tls.connect(
          { host: "127.0.0.1", port, ca: ca.caCert, servername: "pod-defaults-webhook.pulumi-kubeovn.svc" },
          () => {
            const c = s.getPeerX509Certificate() as crypto.X509Certificate;
            s.destroy();
            resolve(c);
          },
        );
        s.once("error", reject);
      });
      // Verified by the TLS client against the CA alone, for the Service's name.
      assert.equal(served.subjectAltName, "DNS:pod-defaults-webhook.pulumi-kubeovn.svc");
      const days = (new Date(served.validTo).getTime() - Date.now()) / DAY;
      assert.ok(days > SERVING_DAYS - 1 && days <= SERVING_DAYS, `${days} days`);
      assert.equal((await fetchHealth(port)).notAfter, new Date(served.validTo).toISOString());
    } finally {
      child.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pod-defaults webhook: plan", () => {
  const tls = { caBundle: "Q0E=", caCert: "CA", caKey: "CAKEY", revision: "r1" };
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
        "Secret/pod-defaults-webhook-ca",
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

  it("by default the webhook gets the CA (not a serving certificate) and signs its own for the Service's name", () => {
    const plan = planPodDefaultsWebhook({}, tls, code);
    const secret = plan.objects.find((o) => o.id === "ca") as any;
    assert.deepEqual(secret.stringData, { "ca.crt": "CA", "ca.key": "CAKEY" });
    const pod = (plan.objects.find((o) => o.kind === "Deployment") as any).spec.template.spec;
    assert.deepEqual(pod.containers[0].env, [
      { name: "PORT", value: "8443" },
      { name: "TLS_DIR", value: "/tls" },
      { name: "TLS_SOURCE", value: "ca" },
      { name: "DNS_NAMES", value: "pod-defaults-webhook.pulumi-kubeovn.svc" },
    ]);
    assert.deepEqual(pod.volumes[1], { name: "tls", secret: { secretName: "pod-defaults-webhook-ca" } });
    // The webhook renews by itself: it writes nothing, so its role stays read-only.
    const roles = plan.objects.filter((o) => o.kind === "ClusterRole" || o.kind === "Role") as any[];
    assert.deepEqual(
      roles.flatMap((r) => r.rules),
      [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
    );
  });

  it("with certificates: cert-manager, declares cert-manager's objects and the inject-ca-from annotation instead", () => {
    const plan = planPodDefaultsWebhook({ certificates: WebhookCertificates.CertManager }, {}, code);
    assert.deepEqual(
      plan.objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "Namespace/pulumi-kubeovn",
        "ServiceAccount/pod-defaults-webhook",
        "ClusterRole/pulumi-kubeovn-pod-defaults-reader",
        "ClusterRoleBinding/pulumi-kubeovn-pod-defaults-reader",
        "ConfigMap/pod-defaults-webhook-code",
        "Issuer/pod-defaults-webhook-selfsigned",
        "Certificate/pod-defaults-webhook-ca",
        "Issuer/pod-defaults-webhook-ca",
        "Certificate/pod-defaults-webhook",
        "Deployment/pod-defaults-webhook",
        "Service/pod-defaults-webhook",
        "PodDisruptionBudget/pod-defaults-webhook",
        "MutatingWebhookConfiguration/pulumi-kubeovn-pod-defaults",
      ],
    );
    const mwc = plan.objects.at(-1) as any;
    assert.deepEqual(mwc.metadata.annotations, {
      "cert-manager.io/inject-ca-from": "pulumi-kubeovn/pod-defaults-webhook",
    });
    assert.equal(mwc.webhooks[0].clientConfig.caBundle, undefined, "the cainjector owns the caBundle");
    const serving = plan.objects.find((o) => o.id === "certificate") as any;
    assert.deepEqual(serving.spec.dnsNames, webhookDnsNames("pulumi-kubeovn"));
    assert.deepEqual(serving.spec.issuerRef, {
      name: "pod-defaults-webhook-ca",
      kind: "Issuer",
      group: "cert-manager.io",
    });
    const pod = (plan.objects.find((o) => o.kind === "Deployment") as any).spec.template.spec;
    assert.deepEqual(pod.volumes[1], { name: "tls", secret: { secretName: serving.spec.secretName } });
    assert.ok(pod.containers[0].env.some((e: any) => e.name === "TLS_SOURCE" && e.value === "files"));

    // Against cert-manager's own CRDs (v1.21.2): no unknown field, no wrong type.
    const crds = new CrdValidator(certManagerCrdFiles);
    const cm = plan.objects.filter((o) => o.apiVersion === "cert-manager.io/v1");
    assert.equal(cm.length, 4);
    for (const { id: _id, ...o } of cm) assert.deepEqual(crds.validate(o), [], `${o.kind}/${o.metadata.name}`);
    assert.ok(crds.validate({ ...cm[1], spec: { ...(cm[1] as any).spec, isCa: true } }).length > 0, "validator bites");
  });

  it("with a cert-manager issuer of the cluster's, uses it and declares no CA of its own", () => {
    const plan = planPodDefaultsWebhook(
      { certificates: WebhookCertificates.CertManager, certManagerIssuer: { name: "corp-ca", kind: "ClusterIssuer" } },
      {},
      code,
    );
    const cm = plan.objects.filter((o) => o.apiVersion === "cert-manager.io/v1") as any[];
    assert.deepEqual(
      cm.map((o) => `${o.kind}/${o.metadata.name}`),
      ["Certificate/pod-defaults-webhook"],
    );
    assert.deepEqual(cm[0].spec.issuerRef, { name: "corp-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
  });

  it("refuses certificate settings that would be ignored or cannot work, naming field and value", () => {
    const problems = (spec: any) => {
      try {
        planPodDefaultsWebhook(spec, tls, code);
      } catch (e) {
        assert.ok(e instanceof PlanError);
        return e.problems.map((p) => `${p.path}=${JSON.stringify(p.value)}`);
      }
      return [];
    };
    assert.deepEqual(problems({ certificates: "vault" }), ['certificates="vault"']);
    assert.deepEqual(problems({ certManagerIssuer: { name: "ca" } }), ['certManagerIssuer={"name":"ca"}']);
    assert.deepEqual(
      problems({ certificates: "cert-manager", certManagerIssuer: { name: "Bad Name", kind: "Issuerr" } }),
      ['certManagerIssuer.name="Bad Name"', 'certManagerIssuer.kind="Issuerr"'],
    );
    assert.deepEqual(problems({ certificates: "cert-manager", certificateValidityDays: 3650 }), [
      "certificateValidityDays=3650",
    ]);
    assert.deepEqual(problems({ certificateValidityDays: 400 }), ["certificateValidityDays=400"]);
    assert.deepEqual(
      problems({ url: "https://x/m", caBundle: "-----BEGIN CERTIFICATE-----", certificates: "cert-manager" }),
      ['certificates="cert-manager"'],
    );
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

  it("the CA in the state is kept across updates and replaced by an up once fewer than 400 days remain", () => {
    const now = new Date("2027-01-01T00:00:00Z");
    const olds = { validityDays: 3650, caCert: "CA", caKey: "KEY", notAfter: "2030-01-01T00:00:00Z" };
    assert.equal(diffCertificate(olds, { validityDays: 3650 }, now).changes, false);
    assert.deepEqual(diffCertificate(olds, { validityDays: 1000 }, now).replaces, ["validityDays"]);
    const late = new Date(new Date(olds.notAfter).getTime() - (RENEW_DAYS - 1) * DAY);
    assert.deepEqual(diffCertificate(olds, { validityDays: 3650 }, late).replaces, ["validityDays"]);
    const early = new Date(new Date(olds.notAfter).getTime() - (RENEW_DAYS + 1) * DAY);
    assert.equal(diffCertificate(olds, { validityDays: 3650 }, early).changes, false);
    // State of the previous form (a serving certificate, no CA key) is replaced by a CA the webhook can sign with.
    const previous = { validityDays: 825, notAfter: "2029-01-01T00:00:00Z", dnsNames: ["w"] } as any;
    assert.equal(diffCertificate(previous, { validityDays: 825 }, now).changes, true);
  });

  it("a year after the last up, with no up since, the webhook serves a valid certificate (fake clock)", function () {
    this.timeout(120_000);
    // The worst case: the last up ran the day before the CA would have been replaced.
    const ca = createCertificate({ validityDays: 3650 });
    const lastUp = new Date(new Date(ca.notAfter as string).getTime() - (RENEW_DAYS + 1) * DAY);
    assert.equal(diffCertificate(ca, { validityDays: 3650 }, lastUp).changes, false, "that up keeps the CA");
    let now = lastUp;
    const renewer = new CertificateRenewer(
      caSource({ caCert: ca.caCert as string, caKey: ca.caKey as string }, { dnsNames: ["w.ns.svc"] }),
      () => now,
    );
    let renewals = 0;
    for (let day = 1; day <= 366; day++) {
      now = new Date(lastUp.getTime() + day * DAY);
      if (renewer.check()) renewals++;
      const served = new crypto.X509Certificate(renewer.current.cert);
      assert.ok(new Date(served.validTo) > now && new Date(served.validFrom) <= now, `day ${day}: valid now`);
      assert.ok(
        served.verify(new crypto.X509Certificate(ca.caCert as string).publicKey),
        `day ${day}: signed by the CA`,
      );
    }
    assert.ok(new Date(ca.notAfter as string) > now, "the CA itself outlives the year");
    // A 90-day certificate renewed when 45 days remain: about every 45 days.
    assert.ok(renewals >= 7 && renewals <= 9, `${renewals} renewals`);
  });
});

describe("pod-defaults webhook: in-process renewal", () => {
  const ca = createCertificateAuthority(3650);
  const caX509 = new crypto.X509Certificate(ca.caCert);
  const names = { dnsNames: ["w.ns.svc"], ipAddresses: ["127.0.0.1"] };

  it("a serving certificate is due once fewer than 45 days remain", () => {
    const notAfter = new Date("2027-06-01T00:00:00Z");
    assert.equal(renewalDue(notAfter, new Date(notAfter.getTime() - 46 * DAY)), false);
    assert.equal(renewalDue(notAfter, new Date(notAfter.getTime() - 44 * DAY)), true);
    assert.equal(renewalDue(notAfter, new Date(notAfter.getTime() + DAY)), true, "expired is due");
    // Healthy certificates always have more left than status warns at.
    assert.ok(SERVING_RENEW_BEFORE_DAYS > STATUS_WARN_DAYS);
  });

  it("signs 90-day certificates, keeps one until it is due, never past the CA's own end", () => {
    const t0 = new Date();
    const src = caSource(ca, names);
    const first = src.next(undefined, t0) as TlsPair;
    assert.equal(notAfterOf(first.cert).getTime(), t0.getTime() - (t0.getTime() % 1000) + SERVING_DAYS * DAY);
    assert.equal(src.next(first, new Date(t0.getTime() + 44 * DAY)), undefined);
    const second = src.next(first, new Date(t0.getTime() + 46 * DAY)) as TlsPair;
    assert.notEqual(second.cert, first.cert);
    assert.ok(new crypto.X509Certificate(second.cert).verify(caX509.publicKey));
    const shortCa = createCertificateAuthority(20);
    const clamped = caSource(shortCa, names).next(undefined, t0) as TlsPair;
    assert.equal(notAfterOf(clamped.cert).getTime(), notAfterOf(shortCa.caCert).getTime());
  });

  it("the running server hot-swaps the certificate it serves: a new TLS connection sees the new one", async () => {
    let now = new Date();
    const renewer = new CertificateRenewer(caSource(ca, names), () => now);
    const server = await startWebhookServer({ ...renewer.current, host: "127.0.0.1", readNamespace: async () => ({}) });
    renewer.onChange = (pair) => server.setCertificate(pair);
    const peer = () =>
      new Promise<crypto.X509Certificate>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: server.port, ca: ca.caCert }, () => {
          const c = s.getPeerX509Certificate() as crypto.X509Certificate;
          s.destroy();
          resolve(c);
        });
        s.once("error", reject);
      });
    try {
      const before = await peer();
      assert.equal(before.fingerprint256, new crypto.X509Certificate(renewer.current.cert).fingerprint256);
      assert.equal(renewer.check(), false, "not due: nothing changes");
      assert.equal((await peer()).fingerprint256, before.fingerprint256);
      now = new Date(now.getTime() + 46 * DAY);
      assert.equal(renewer.check(), true, "due: renewed and handed to the server");
      // Signed at the fake time, so not yet valid for a verifying client: read without verifying, check by hand.
      const after = await new Promise<crypto.X509Certificate>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: server.port, rejectUnauthorized: false }, () => {
          const c = s.getPeerX509Certificate() as crypto.X509Certificate;
          s.destroy();
          resolve(c);
        });
        s.once("error", reject);
      });
      assert.notEqual(after.fingerprint256, before.fingerprint256, "the same server now serves another certificate");
      assert.equal(after.fingerprint256, new crypto.X509Certificate(renewer.current.cert).fingerprint256);
      assert.ok(after.verify(caX509.publicKey), "signed by the CA");
      assert.equal(after.subjectAltName, "DNS:w.ns.svc, IP Address:127.0.0.1");
      assert.ok(new Date(after.validTo) > new Date(before.validTo));
      const health = await fetchHealth(server.port);
      assert.equal(health.notAfter, notAfterOf(renewer.current.cert).toISOString(), "/healthz reports what is served");
    } finally {
      await server.close();
    }
  });

  it("with cert-manager's files, takes a new pair when the kubelet updates them, and skips a half-written one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-tls-"));
    const log: string[] = [];
    try {
      const write = (c: { cert: string; key: string }) => {
        fs.writeFileSync(path.join(dir, "tls.crt"), c.cert);
        fs.writeFileSync(path.join(dir, "tls.key"), c.key);
      };
      const a = createServingCertificate({ dnsNames: ["w"], validityDays: 90 });
      write(a);
      const renewer = new CertificateRenewer(
        fileSource(dir),
        () => new Date(),
        (l) => log.push(l),
      );
      const taken: string[] = [];
      renewer.onChange = (p) => taken.push(p.cert);
      assert.equal(renewer.check(), false);
      const b = createServingCertificate({ dnsNames: ["w"], validityDays: 90 });
      fs.writeFileSync(path.join(dir, "tls.crt"), b.cert); // key not yet updated
      assert.equal(renewer.check(), false);
      assert.equal(renewer.current.cert, a.cert, "keeps serving the whole old pair");
      assert.match(log.at(-1) ?? "", /do not belong together/);
      write(b);
      assert.equal(renewer.check(), true);
      assert.deepEqual(taken, [b.cert]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function fetchHealth(port: number): Promise<{ ok: boolean; notAfter: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false }, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve(JSON.parse(body)));
    });
    req.once("error", reject);
  });
}

describe("kubeovn-tenants status: webhook certificate warnings", () => {
  const ca = new crypto.X509Certificate(createCertificateAuthority(3650).caCert);
  const at = (daysBeforeEnd: number) => new Date(new Date(ca.validTo).getTime() - daysBeforeEnd * DAY);

  it("warns once fewer than 30 days remain, saying what renews it; not before", () => {
    assert.deepEqual(certificateWarnings([describeCertificate(ca, "caBundle", "pulumi-up", at(31))]), []);
    const [w] = certificateWarnings([describeCertificate(ca, "caBundle", "pulumi-up", at(29.5))]);
    assert.match(w, /^webhook certificate expires in 29 days, on .* \(caBundle\); run `pulumi up`/);
    const [expired] = certificateWarnings([describeCertificate(ca, "served by ns/w", "webhook", at(-2))]);
    assert.match(expired, /EXPIRED .*served by ns\/w.*tenant pods are refused; the webhook renews it/);
  });

  const b64 = (t: string) => Buffer.from(t).toString("base64");
  const sources = (o: Partial<CertificateSources>): CertificateSources => ({
    webhookConfiguration: async () => undefined,
    secretData: async () => ({}),
    serviceHealth: async () => {
      throw new Error("no endpoints available for service");
    },
    served: async () => {
      throw new Error("not served");
    },
    ...o,
  });
  const service = { namespace: "pulumi-kubeovn", name: "pod-defaults-webhook", path: "/mutate-pods", port: 443 };

  it("in-cluster, renewing itself: reads the caBundle, the CA Secret and what /healthz says is served", async () => {
    const authority = createCertificateAuthority(3650);
    const now = new Date();
    const stuck = new Date(now.getTime() + 20 * DAY); // a renewal that stopped: fewer than 45 days left
    const asked: string[] = [];
    const report = await certificateReport(
      sources({
        webhookConfiguration: async () => ({
          metadata: { name: "pulumi-kubeovn-pod-defaults" },
          webhooks: [
            {
              name: "w",
              admissionReviewVersions: ["v1"],
              sideEffects: "None",
              clientConfig: { service, caBundle: b64(authority.caCert) },
            },
          ],
        }),
        secretData: async (ns, name) => {
          asked.push(`${ns}/${name}`);
          return { "ca.crt": b64(authority.caCert), "ca.key": b64(authority.caKey) };
        },
        serviceHealth: async (ns, svc, port) => {
          asked.push(`${ns}/${svc}:${port}/healthz`);
          return JSON.stringify({ ok: true, notAfter: stuck.toISOString() });
        },
      }),
      now,
    );
    assert.deepEqual(asked, [
      "pulumi-kubeovn/pod-defaults-webhook-ca",
      "pulumi-kubeovn/pod-defaults-webhook:443/healthz",
    ]);
    assert.deepEqual(
      report.checks.map((c) => `${c.where} ${c.renewer} ${c.daysLeft}`),
      [
        "caBundle pulumi-up 3649",
        "Secret pulumi-kubeovn/pod-defaults-webhook-ca ca.crt pulumi-up 3649",
        "served by pulumi-kubeovn/pod-defaults-webhook webhook 20",
      ],
    );
    assert.equal(report.warnings.length, 1);
    assert.match(
      report.warnings[0],
      /expires in 20 days.*served by pulumi-kubeovn\/pod-defaults-webhook.*webhook pods' logs/,
    );
  });

  it("with cert-manager: an empty caBundle is a warning (cainjector), the Secret's tls.crt and ca.crt are read", async () => {
    const serving = createServingCertificate({ dnsNames: ["w"], validityDays: 90 });
    const report = await certificateReport(
      sources({
        webhookConfiguration: async () => ({
          metadata: {
            name: "pulumi-kubeovn-pod-defaults",
            annotations: { "cert-manager.io/inject-ca-from": "pulumi-kubeovn/pod-defaults-webhook" },
          },
          webhooks: [{ name: "w", admissionReviewVersions: ["v1"], sideEffects: "None", clientConfig: { service } }],
        }),
        secretData: async (_ns, name) => {
          assert.equal(name, "pod-defaults-webhook-tls");
          return { "tls.crt": b64(serving.cert), "ca.crt": b64(serving.caCert) };
        },
      }),
    );
    assert.deepEqual(
      report.checks.map((c) => `${c.where} ${c.renewer} ${c.unreadable ?? c.daysLeft}`),
      [
        "Secret pulumi-kubeovn/pod-defaults-webhook-tls tls.crt cert-manager 89",
        "Secret pulumi-kubeovn/pod-defaults-webhook-tls ca.crt cert-manager 89",
        "served by pulumi-kubeovn/pod-defaults-webhook webhook no endpoints available for service",
      ],
    );
    assert.deepEqual(report.warnings, [
      "webhook configuration pulumi-kubeovn-pod-defaults has no caBundle: cert-manager's cainjector has not injected pulumi-kubeovn/pod-defaults-webhook (is cert-manager running?)",
    ]);
  });

  it("with no webhook registered, says so", async () => {
    const report = await certificateReport(sources({}));
    assert.deepEqual(renderCertificateReport(report), [
      "Webhook certificates: no pulumi-kubeovn-pod-defaults webhook registered.",
    ]);
  });

  it("renders every certificate read, and the warnings", () => {
    const checks = [
      describeCertificate(ca, "caBundle", "cert-manager", at(10)),
      { where: "served by ns/w", renewer: "cert-manager" as const, unreadable: "no endpoints" },
    ];
    const lines = renderCertificateReport({ registered: true, checks, warnings: certificateWarnings(checks) });
    assert.deepEqual(lines.slice(0, 3), [
      "Webhook certificates:",
      `  caBundle: valid until ${new Date(ca.validTo).toISOString()} (10 days)`,
      "  served by ns/w: not checked (no endpoints)",
    ]);
    assert.match(lines[3], /^WARNING: webhook certificate expires in 10 days.*cert-manager renews it/);
  });
});
