/**
 * The provider side of `kubeovn:index:WebhookCertificate`: the long-lived CA the webhook configuration
 * trusts, created once and kept in the stack's state (key as a secret). The webhook signs and renews
 * its own short-lived serving certificates with it (renewal.ts), so nothing here has to run for the
 * webhook to keep working. A `pulumi up` replaces the CA once fewer than RENEW_DAYS remain, which is
 * more than a year: the CA outlives the last `up` by at least that long.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { CA_RENEW_DAYS } from "../core/webhook-plan";
import { createCertificateAuthority } from "./tls";

export const CERTIFICATE_TYPE = "kubeovn:index:WebhookCertificate";
/** Days of CA validity below which `pulumi up` replaces it: a year, plus the status warning's margin. */
export const RENEW_DAYS = CA_RENEW_DAYS;

export interface CertificateProps {
  validityDays: number;
  caCert?: string;
  caKey?: string;
  notAfter?: string;
}

const inputs = {
  validityDays: { type: "number", description: `Days the CA is valid (more than ${RENEW_DAYS}).` },
};

export const certificateSchema = {
  description: `Internal: declared by PodDefaultsWebhook, not for direct use (its inputs may change in any release). The private CA of the pod-defaults webhook; the webhook signs and renews its own serving certificates with it. Created once and kept in the stack state; replaced when less than ${RENEW_DAYS} days of validity remain.`,
  inputProperties: inputs,
  requiredInputs: ["validityDays"],
  properties: {
    ...inputs,
    caCert: { type: "string", description: "PEM of the CA (the webhook configuration's caBundle)." },
    caKey: { type: "string", secret: true, description: "PEM private key of the CA." },
    notAfter: { type: "string", description: "When the CA expires (ISO 8601)." },
  },
  required: ["validityDays", "caCert", "caKey", "notAfter"],
};

// biome-ignore lint/suspicious/noExplicitAny: engine inputs, checked field by field here.
export function checkCertificate(news: any): provider.CheckResult {
  const failures: provider.CheckFailure[] = [];
  if (typeof news.validityDays !== "number" || !(news.validityDays > RENEW_DAYS))
    failures.push({
      property: "validityDays",
      reason: `must be a number of days above ${RENEW_DAYS}, got ${JSON.stringify(news.validityDays)}`,
    });
  return { inputs: { validityDays: news.validityDays }, failures };
}

export function diffCertificate(olds: CertificateProps, news: CertificateProps, now = new Date()): provider.DiffResult {
  const renew =
    olds.notAfter === undefined ||
    // State written before the CA was kept with its key: replace it by one the webhook can sign with.
    olds.caKey === undefined ||
    new Date(olds.notAfter).getTime() - now.getTime() < RENEW_DAYS * 86_400_000;
  const changes = renew || olds.validityDays !== news.validityDays;
  return { changes, replaces: changes ? ["validityDays"] : [], deleteBeforeReplace: false };
}

export function createCertificate(inputs: CertificateProps): CertificateProps {
  return { validityDays: inputs.validityDays, ...createCertificateAuthority(inputs.validityDays) };
}
