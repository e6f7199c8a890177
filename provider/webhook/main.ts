/**
 * Entry point of the webhook in its Deployment: `node webhook/main.js`. API access from the pod's
 * service account; TLS from the mounted Secret (TLS_DIR, default /tls), one of:
 *   TLS_SOURCE=ca     `ca.crt` + `ca.key`: the webhook signs its own serving certificate for DNS_NAMES
 *                     (comma-separated) and renews it before expiry, with no Pulumi run.
 *   TLS_SOURCE=files  `tls.crt` + `tls.key` (cert-manager's Secret): re-read when the kubelet updates them.
 * Either way the new certificate is swapped in without a restart.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inClusterAccess, namespaceReader } from "./namespaces";
import { CHECK_INTERVAL_MS, CertificateRenewer, type PairSource, caSource, fileSource } from "./renewal";
import { startWebhookServer } from "./server";

const tlsDir = process.env.TLS_DIR ?? "/tls";
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function source(): PairSource {
  const mode = process.env.TLS_SOURCE ?? "files";
  if (mode === "files") return fileSource(tlsDir);
  if (mode !== "ca") throw new Error(`TLS_SOURCE must be ca or files, got ${JSON.stringify(mode)}`);
  const dnsNames = (process.env.DNS_NAMES ?? "").split(",").filter((n) => n !== "");
  if (dnsNames.length === 0) throw new Error("DNS_NAMES is empty: the serving certificate needs the Service's name");
  const read = (f: string) => fs.readFileSync(path.join(tlsDir, f), "utf8");
  return caSource({ caCert: read("ca.crt"), caKey: read("ca.key") }, { dnsNames });
}

async function start(): Promise<void> {
  const renewer = new CertificateRenewer(source(), () => new Date(), log);
  // API access is set up on the first admission: TLS, /healthz and renewal do not depend on it.
  let reader: ReturnType<typeof namespaceReader> | undefined;
  const server = await startWebhookServer({
    ...renewer.current,
    readNamespace: (name) => {
      reader ??= namespaceReader(inClusterAccess());
      return reader(name);
    },
    port: Number(process.env.PORT ?? "8443"),
    log,
  });
  renewer.onChange = (pair) => server.setCertificate(pair);
  setInterval(() => renewer.check(), CHECK_INTERVAL_MS);
  log(`pod-defaults webhook listening on port ${server.port}`);
}

start().catch((e) => {
  log(`cannot start: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
