/** A private CA and a serving certificate it signs, for the webhook's HTTPS (the API server trusts the CA). */
import * as crypto from "node:crypto";
import forge from "node-forge";

export interface ServingCertificate {
  /** PEM of the CA: the webhook configuration's caBundle. */
  caCert: string;
  /** PEM serving certificate and its private key. */
  cert: string;
  key: string;
  /** ISO time the serving certificate expires. */
  notAfter: string;
}

export interface CertificateRequest {
  /** DNS names the certificate is valid for (e.g. `<service>.<namespace>.svc`). */
  dnsNames: string[];
  /** IP addresses it is valid for (e.g. 127.0.0.1 for a webhook on the local host). */
  ipAddresses?: string[];
  validityDays: number;
}

function rsaKeyPair(): forge.pki.rsa.KeyPair {
  // Node's native generator: node-forge's pure-JavaScript one takes seconds for 2048 bits.
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  ) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, days: number, now: Date): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = publicKey;
  c.serialNumber = `01${crypto.randomBytes(15).toString("hex")}`; // positive, random
  c.validity.notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew
  c.validity.notAfter = new Date(now.getTime() + days * 86_400_000);
  c.setSubject([{ name: "commonName", value: subject }]);
  return c;
}

export function createServingCertificate(req: CertificateRequest, now = new Date()): ServingCertificate {
  const ca = rsaKeyPair();
  const caCert = certificate("pulumi-kubeovn webhook CA", ca.publicKey, req.validityDays, now);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const leaf = rsaKeyPair();
  const cert = certificate(req.dnsNames[0] ?? req.ipAddresses?.[0] ?? "webhook", leaf.publicKey, req.validityDays, now);
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
  cert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caCert: forge.pki.certificateToPem(caCert),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(leaf.privateKey),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}
