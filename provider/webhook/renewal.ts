/**
 * The webhook renews what it serves by itself, so it keeps working however long nobody runs
 * `pulumi up`: either it signs short-lived serving certificates with the CA it is given (the CA is
 * long-lived and is what the caBundle trusts), or it re-reads the certificate files cert-manager
 * keeps current in its Secret. The server swaps the new pair in without a restart (server.ts).
 * Decisions take the time as an argument, so they are tested with a fake clock.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { signServingCertificate } from "./tls";

/** Lifetime of a serving certificate the webhook signs itself. */
export const SERVING_DAYS = 90;
/** It is replaced once fewer days than this remain: always more than STATUS_WARN_DAYS while renewal works. */
export const SERVING_RENEW_BEFORE_DAYS = 45;
/** How often the webhook looks at its certificate. */
export const CHECK_INTERVAL_MS = 3_600_000;

const DAY_MS = 86_400_000;

/** A PEM certificate (first of a chain) and its private key. */
export interface TlsPair {
  cert: string;
  key: string;
}

export const notAfterOf = (pem: string): Date => new Date(new crypto.X509Certificate(pem).validTo);

/** True once `notAfter` is less than `renewBeforeDays` away from `now`. */
export function renewalDue(notAfter: Date, now: Date, renewBeforeDays = SERVING_RENEW_BEFORE_DAYS): boolean {
  return notAfter.getTime() - now.getTime() < renewBeforeDays * DAY_MS;
}

/** Where serving pairs come from: a new pair when the one served should change, else undefined. */
export interface PairSource {
  next(current: TlsPair | undefined, now: Date): TlsPair | undefined;
}

/** Signs a new serving certificate with the CA when none is served yet or the served one is due. */
export function caSource(
  ca: { caCert: string; caKey: string },
  names: { dnsNames: string[]; ipAddresses?: string[] },
  validityDays = SERVING_DAYS,
): PairSource {
  const caEnd = notAfterOf(ca.caCert);
  return {
    next(current, now) {
      // Due, but already as long as the CA allows: a new one would end no later (status warns about the CA).
      if (current && (!renewalDue(notAfterOf(current.cert), now) || notAfterOf(current.cert) >= caEnd))
        return undefined;
      const c = signServingCertificate(ca, { ...names, validityDays }, now);
      return { cert: c.cert, key: c.key };
    },
  };
}

/**
 * Reads `tls.crt` and `tls.key` from a mounted Secret (cert-manager renews the Secret, the kubelet
 * updates the files): a new pair whenever they differ from the one served and belong together.
 */
export function fileSource(dir: string, read = (f: string) => fs.readFileSync(f, "utf8")): PairSource {
  return {
    next(current) {
      const pair = { cert: read(path.join(dir, "tls.crt")), key: read(path.join(dir, "tls.key")) };
      if (current && current.cert === pair.cert && current.key === pair.key) return undefined;
      // A half-written update (certificate of one pair, key of another) is skipped until it is whole.
      if (!new crypto.X509Certificate(pair.cert).checkPrivateKey(crypto.createPrivateKey(pair.key)))
        throw new Error(`${dir}: tls.crt and tls.key do not belong together`);
      return pair;
    },
  };
}

/** Holds the served pair; `check()` replaces it when the source has a new one and hands it to `onChange`. */
export class CertificateRenewer {
  current: TlsPair;
  onChange: (pair: TlsPair) => void = () => undefined;

  constructor(
    private readonly source: PairSource,
    private readonly clock: () => Date = () => new Date(),
    private readonly log: (line: string) => void = () => undefined,
  ) {
    const first = source.next(undefined, clock());
    if (!first) throw new Error("the certificate source has no certificate");
    this.current = first;
  }

  /** True when a new pair was taken. A failure is logged and the current pair kept (retried next time). */
  check(): boolean {
    let next: TlsPair | undefined;
    try {
      next = this.source.next(this.current, this.clock());
    } catch (e) {
      this.log(`certificate not renewed, still serving the current one: ${(e as Error).message}`);
      return false;
    }
    if (!next) return false;
    this.current = next;
    this.onChange(next);
    this.log(`serving a new certificate, valid until ${notAfterOf(next.cert).toISOString()}`);
    return true;
  }
}
