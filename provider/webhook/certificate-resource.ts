/**
 * The provider side of `kubeovn:index:WebhookCertificate`: a CA and serving certificate created once
 * and kept in the stack's state (key as a secret), so every `pulumi up` reuses them instead of minting
 * new ones. It is replaced when its names change or when it has less than RENEW_DAYS left, so a
 * regular `pulumi up` renews it before the API server would stop trusting the webhook.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { type CertificateRequest, createServingCertificate } from "./tls";

export const CERTIFICATE_TYPE = "kubeovn:index:WebhookCertificate";
export const RENEW_DAYS = 30;

export interface CertificateProps extends CertificateRequest {
  caCert?: string;
  cert?: string;
  key?: string;
  notAfter?: string;
}

const inputs = {
  dnsNames: {
    type: "array",
    items: { type: "string" },
    description: "DNS names the serving certificate is valid for.",
  },
  ipAddresses: {
    type: "array",
    items: { type: "string" },
    description: "IP addresses the serving certificate is valid for.",
  },
  validityDays: { type: "number", description: "Days the CA and the serving certificate are valid." },
};

export const certificateSchema = {
  description: `Internal: declared by PodDefaultsWebhook, not for direct use (its inputs may change in any release). A private CA and a serving certificate signed by it, for the pod-defaults webhook. Created once and kept in the stack state; replaced when its names change or less than ${RENEW_DAYS} days of validity remain.`,
  inputProperties: inputs,
  requiredInputs: ["dnsNames", "validityDays"],
  properties: {
    ...inputs,
    caCert: { type: "string", description: "PEM of the CA (the webhook configuration's caBundle)." },
    cert: { type: "string", description: "PEM serving certificate." },
    key: { type: "string", secret: true, description: "PEM private key of the serving certificate." },
    notAfter: { type: "string", description: "When the serving certificate expires (ISO 8601)." },
  },
  required: ["dnsNames", "validityDays", "caCert", "cert", "key", "notAfter"],
};

// biome-ignore lint/suspicious/noExplicitAny: engine inputs, checked field by field here.
export function checkCertificate(news: any): provider.CheckResult {
  const failures: provider.CheckFailure[] = [];
  if (!Array.isArray(news.dnsNames) || !news.dnsNames.every((n: unknown) => typeof n === "string" && n !== ""))
    failures.push({
      property: "dnsNames",
      reason: `must be a list of DNS names, got ${JSON.stringify(news.dnsNames)}`,
    });
  if (
    news.ipAddresses !== undefined &&
    !(Array.isArray(news.ipAddresses) && news.ipAddresses.every((n: unknown) => typeof n === "string"))
  )
    failures.push({
      property: "ipAddresses",
      reason: `must be a list of addresses, got ${JSON.stringify(news.ipAddresses)}`,
    });
  if (typeof news.validityDays !== "number" || !(news.validityDays > RENEW_DAYS))
    failures.push({
      property: "validityDays",
      reason: `must be a number of days above ${RENEW_DAYS}, got ${JSON.stringify(news.validityDays)}`,
    });
  return { inputs: news, failures };
}

export function diffCertificate(olds: CertificateProps, news: CertificateProps, now = new Date()): provider.DiffResult {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
  const replaces = [
    ...(same(olds.dnsNames, news.dnsNames) ? [] : ["dnsNames"]),
    ...(same(olds.ipAddresses, news.ipAddresses) ? [] : ["ipAddresses"]),
    ...(olds.validityDays === news.validityDays ? [] : ["validityDays"]),
  ];
  const renew =
    olds.notAfter !== undefined && new Date(olds.notAfter).getTime() - now.getTime() < RENEW_DAYS * 86_400_000;
  if (renew && !replaces.includes("validityDays")) replaces.push("validityDays");
  return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
}

export function createCertificate(inputs: CertificateProps): CertificateProps {
  const c = createServingCertificate({
    dnsNames: inputs.dnsNames,
    ipAddresses: inputs.ipAddresses,
    validityDays: inputs.validityDays,
  });
  return { ...inputs, ...c };
}
