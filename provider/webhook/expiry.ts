/**
 * How long the pod-defaults webhook's certificates have left, read from the cluster for
 * `kubeovn-tenants status`: the webhook configuration's caBundle, the Secret in the webhook's
 * namespace, and the certificate the webhook serves. Anything with fewer than STATUS_WARN_DAYS left
 * is a warning: nothing renewing normally gets there (the webhook and cert-manager renew serving
 * certificates 45 days before expiry, `pulumi up` replaces the CA 400 days before), so a warning
 * means renewal is not happening, with a month left to act before tenant pods are refused.
 */
import * as crypto from "node:crypto";
import * as tls from "node:tls";
import * as k8s from "@kubernetes/client-node";
import { INJECT_CA_FROM, WEBHOOK_CA_SECRET, WEBHOOK_NAME, WEBHOOK_TLS_SECRET } from "../core/webhook-plan";
import { apiStatus } from "../kube/api-errors";

export const STATUS_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/** What renews a certificate, for the advice a warning gives. */
export type Renewer = "pulumi-up" | "webhook" | "cert-manager" | "yours";

export interface CertificateCheck {
  /** Where it was read, e.g. `caBundle`, `Secret pulumi-kubeovn/pod-defaults-webhook-ca ca.crt`, `served`. */
  where: string;
  renewer: Renewer;
  subject?: string;
  notAfter?: string;
  daysLeft?: number;
  /** Why it could not be read. */
  unreadable?: string;
}

export interface WebhookCertificateReport {
  registered: boolean;
  checks: CertificateCheck[];
  warnings: string[];
}

/** PEM certificates in a bundle, in order. */
export function pemCertificates(bundle: string): crypto.X509Certificate[] {
  return (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new crypto.X509Certificate(pem),
  );
}

export function describe(cert: crypto.X509Certificate, where: string, renewer: Renewer, now: Date): CertificateCheck {
  const notAfter = new Date(cert.validTo);
  return {
    where,
    renewer,
    subject: cert.subject.replace(/\n/g, ", "),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
  };
}

const ADVICE: { [r in Renewer]: string } = {
  "pulumi-up":
    "run `pulumi up` on the stack that declares PodDefaultsWebhook: it replaces the CA once fewer than 400 days remain",
  webhook: "the webhook renews it 45 days before expiry: read the webhook pods' logs",
  "cert-manager":
    "cert-manager renews it 45 days before expiry: see `kubectl describe certificate` in the webhook's namespace",
  yours: "renew it where the webhook is served, and update caBundle",
};

/** Warnings for checks with fewer than `warnDays` days left (or unreadable), most urgent first. */
export function certificateWarnings(checks: CertificateCheck[], warnDays = STATUS_WARN_DAYS): string[] {
  return checks
    .filter((c) => c.daysLeft !== undefined && c.daysLeft < warnDays)
    .sort((a, b) => (a.daysLeft as number) - (b.daysLeft as number))
    .map((c) =>
      (c.daysLeft as number) < 0
        ? `webhook certificate EXPIRED on ${c.notAfter} (${c.where}): tenant pods are refused; ${ADVICE[c.renewer]}`
        : `webhook certificate expires in ${c.daysLeft} days, on ${c.notAfter} (${c.where}); ${ADVICE[c.renewer]}`,
    );
}

/** The certificate a TLS server presents (not verified: only read). */
export function servedCertificate(host: string, port: number, servername?: string): Promise<crypto.X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host, port, servername: servername ?? (/^[\d.:]+$/.test(host) ? undefined : host), rejectUnauthorized: false },
      () => {
        const peer = socket.getPeerX509Certificate();
        socket.destroy();
        if (peer) resolve(peer);
        else reject(new Error("no certificate presented"));
      },
    );
    socket.setTimeout(5000, () => socket.destroy(new Error("timed out")));
    socket.once("error", reject);
  });
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/** What the report reads from the cluster. */
export interface CertificateSources {
  /** The webhook configuration; undefined when there is none. */
  webhookConfiguration(): Promise<k8s.V1MutatingWebhookConfiguration | undefined>;
  /** A Secret's data (base64 values). */
  secretData(namespace: string, name: string): Promise<{ [key: string]: string }>;
  /** The body of the webhook's /healthz, through the API server's service proxy. */
  serviceHealth(namespace: string, service: string, port: number): Promise<string>;
  /** The certificate served at host:port. */
  served(host: string, port: number): Promise<crypto.X509Certificate>;
}

/** The sources on the cluster `kc` points at. */
export function clusterSources(kc: k8s.KubeConfig): CertificateSources {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    async webhookConfiguration() {
      try {
        return await kc
          .makeApiClient(k8s.AdmissionregistrationV1Api)
          .readMutatingWebhookConfiguration({ name: WEBHOOK_NAME });
      } catch (e) {
        if (apiStatus(e) === 404) return undefined;
        throw e;
      }
    },
    async secretData(namespace, name) {
      return (await core.readNamespacedSecret({ name, namespace })).data ?? {};
    },
    async serviceHealth(namespace, service, port) {
      const body = await core.connectGetNamespacedServiceProxyWithPath({
        name: `https:${service}:${port}`,
        namespace,
        path: "healthz",
      });
      return typeof body === "string" ? body : JSON.stringify(body);
    },
    served: (host, port) => servedCertificate(host, port),
  };
}

/** Reads the webhook's certificates from the cluster `kc` points at and judges them at `now`. */
export function webhookCertificateReport(kc: k8s.KubeConfig, now = new Date()): Promise<WebhookCertificateReport> {
  return certificateReport(clusterSources(kc), now);
}

/** The report from `from`, judged at `now`. */
export async function certificateReport(from: CertificateSources, now = new Date()): Promise<WebhookCertificateReport> {
  const mwc = await from.webhookConfiguration();
  if (!mwc) return { registered: false, checks: [], warnings: [] };
  const checks: CertificateCheck[] = [];
  const warnings: string[] = [];
  const client = mwc.webhooks?.[0]?.clientConfig ?? {};
  const injectFrom = mwc.metadata?.annotations?.[INJECT_CA_FROM];
  const service = client.service;
  const caRenewer: Renewer = injectFrom ? "cert-manager" : service ? "pulumi-up" : "yours";
  const bundle = client.caBundle ? Buffer.from(client.caBundle, "base64").toString("utf8") : "";
  const cas = pemCertificates(bundle);
  if (cas.length === 0)
    warnings.push(
      injectFrom
        ? `webhook configuration ${WEBHOOK_NAME} has no caBundle: cert-manager's cainjector has not injected ${injectFrom} (is cert-manager running?)`
        : `webhook configuration ${WEBHOOK_NAME} has no caBundle: the API server cannot trust the webhook`,
    );
  for (const ca of cas) checks.push(describe(ca, "caBundle", caRenewer, now));

  let served: crypto.X509Certificate | undefined;
  if (service?.namespace && service.name) {
    const ns = service.namespace;
    const [secret, keys, renewer]: [string, string[], Renewer] = injectFrom
      ? [WEBHOOK_TLS_SECRET, ["tls.crt", "ca.crt"], "cert-manager"]
      : [WEBHOOK_CA_SECRET, ["ca.crt"], "pulumi-up"];
    try {
      const data = await from.secretData(ns, secret);
      for (const k of keys) {
        const pem = data[k] ? Buffer.from(data[k], "base64").toString("utf8") : "";
        const [c] = pemCertificates(pem);
        if (c) checks.push(describe(c, `Secret ${ns}/${secret} ${k}`, renewer, now));
      }
    } catch (e) {
      checks.push({ where: `Secret ${ns}/${secret}`, renewer, unreadable: message(e) });
    }
    // What the webhook serves, through the API server's service proxy: /healthz reports it.
    try {
      const body = await from.serviceHealth(ns, service.name, service.port ?? 443);
      const notAfter = new Date(JSON.parse(body).notAfter);
      if (Number.isNaN(notAfter.getTime())) throw new Error("healthz reported no notAfter");
      checks.push({
        where: `served by ${ns}/${service.name}`,
        renewer: injectFrom ? "cert-manager" : "webhook",
        notAfter: notAfter.toISOString(),
        daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
      });
    } catch (e) {
      checks.push({ where: `served by ${ns}/${service.name}`, renewer: "webhook", unreadable: message(e) });
    }
  } else if (client.url) {
    const u = new URL(client.url);
    const where = `served at ${client.url}`;
    try {
      served = await from.served(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port || 443));
      checks.push(describe(served, where, "yours", now));
    } catch (e) {
      checks.push({ where, renewer: "yours", unreadable: message(e) });
    }
  }
  if (served && cas.length > 0 && !cas.some((ca) => served.checkIssued(ca) && served.verify(ca.publicKey)))
    warnings.push(
      `the certificate served at ${client.url} is not signed by the caBundle's CA: the API server refuses it`,
    );
  return { registered: true, checks, warnings: [...warnings, ...certificateWarnings(checks)] };
}

/** The report as lines for a terminal. */
export function renderCertificateReport(r: WebhookCertificateReport): string[] {
  if (!r.registered) return [`Webhook certificates: no ${WEBHOOK_NAME} webhook registered.`];
  return [
    "Webhook certificates:",
    ...r.checks.map((c) =>
      c.unreadable !== undefined
        ? `  ${c.where}: not checked (${c.unreadable})`
        : `  ${c.where}: valid until ${c.notAfter} (${c.daysLeft} days)`,
    ),
    ...r.warnings.map((w) => `WARNING: ${w}`),
  ];
}
