/**
 * The webhook's certificates: a private CA (the API server trusts it through the caBundle) and
 * serving certificates it signs. Runs in the provider (the CA) and, bundled, in the webhook itself
 * (its serving certificates, renewed in-process: see renewal.ts).
 */
import * as crypto from "node:crypto";
import type * as Forge from "node-forge";

// Only the node-forge modules used here (and what they require): the webhook's ConfigMap carries
// these files, not the whole library (see bundle.ts).
const forge: typeof Forge = require("node-forge/lib/forge");
require("node-forge/lib/x509");
require("node-forge/lib/sha256");

export interface ServingCertificate {
  /** PEM of the CA: the webhook configuration's caBundle. */
  caCert: string;
  /** PEM serving certificate and its private key. */
  cert: string;
  key: string;
  /** ISO time the serving certificate expires. */
  notAfter: string;
}

export interface CertificateAuthority {
  /** PEM CA certificate and its private key. */
  caCert: string;
  caKey: string;
  /** ISO time the CA expires. */
  notAfter: string;
}

export interface CertificateRequest {
  /** DNS names the certificate is valid for (e.g. `<service>.<namespace>.svc`). */
  dnsNames: string[];
  /** IP addresses it is valid for (e.g. 127.0.0.1 for a webhook on the local host). */
  ipAddresses?: string[];
  validityDays: number;
}

const DAY_MS = 86_400_000;
/** Tolerated clock skew between the signer and the API server. */
const SKEW_MS = 5 * 60_000;

/** node-forge's form of a PEM RSA key, read by Node (which spares the bundle node-forge's PEM and PKCS#8 modules). */
function forgeKey(pem: string): Forge.pki.rsa.PrivateKey {
  const der = crypto.createPrivateKey(pem).export({ type: "pkcs1", format: "der" });
  return forge.pki.privateKeyFromAsn1(
    forge.asn1.fromDer(forge.util.createBuffer(der.toString("binary"))),
  ) as Forge.pki.rsa.PrivateKey;
}

function rsaKeyPair(): { pem: string; privateKey: Forge.pki.rsa.PrivateKey; publicKey: Forge.pki.rsa.PublicKey } {
  // Node's native generator: node-forge's pure-JavaScript one takes seconds for 2048 bits.
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const key = forgeKey(pem);
  return { pem, privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function certificate(
  subject: string,
  publicKey: Forge.pki.PublicKey,
  notAfter: Date,
  now: Date,
): Forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = publicKey;
  c.serialNumber = `01${crypto.randomBytes(15).toString("hex")}`; // positive, random
  c.validity.notBefore = new Date(now.getTime() - SKEW_MS);
  c.validity.notAfter = notAfter;
  c.setSubject([{ name: "commonName", value: subject }]);
  return c;
}

/** A self-signed CA valid for `validityDays` from `now`. */
export function createCertificateAuthority(validityDays: number, now = new Date()): CertificateAuthority {
  const ca = rsaKeyPair();
  const caCert = certificate(
    "pulumi-kubeovn webhook CA",
    ca.publicKey,
    new Date(now.getTime() + validityDays * DAY_MS),
    now,
  );
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caCert: forge.pki.certificateToPem(caCert),
    caKey: ca.pem,
    notAfter: caCert.validity.notAfter.toISOString(),
  };
}

/**
 * A serving certificate for the names asked, signed by the CA. It never outlives the CA: a
 * certificate valid past its issuer's end would be refused from then on anyway.
 */
export function signServingCertificate(
  ca: { caCert: string; caKey: string },
  req: CertificateRequest,
  now = new Date(),
): ServingCertificate {
  const caCert = forge.pki.certificateFromPem(ca.caCert);
  const caKey = forgeKey(ca.caKey);
  const leaf = rsaKeyPair();
  const wanted = new Date(now.getTime() + req.validityDays * DAY_MS);
  const notAfter = wanted < caCert.validity.notAfter ? wanted : caCert.validity.notAfter;
  const cert = certificate(req.dnsNames[0] ?? req.ipAddresses?.[0] ?? "webhook", leaf.publicKey, notAfter, now);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        ...req.dnsNames.map((value) => ({ type: 2, value })),
        ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return {
    caCert: ca.caCert,
    cert: forge.pki.certificateToPem(cert),
    key: leaf.pem,
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

/** A new CA and a serving certificate it signs, both valid for `validityDays`. */
export function createServingCertificate(req: CertificateRequest, now = new Date()): ServingCertificate {
  return signServingCertificate(createCertificateAuthority(req.validityDays, now), req, now);
}
