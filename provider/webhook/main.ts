/**
 * Entry point of the webhook in its Deployment: `node webhook/main.js`. TLS comes from the mounted
 * Secret (TLS_DIR, default /tls), API access from the pod's service account.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { inClusterAccess, namespaceReader } from "./namespaces";
import { startWebhookServer } from "./server";

const tlsDir = process.env.TLS_DIR ?? "/tls";
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

startWebhookServer({
  cert: fs.readFileSync(path.join(tlsDir, "tls.crt"), "utf8"),
  key: fs.readFileSync(path.join(tlsDir, "tls.key"), "utf8"),
  readNamespace: namespaceReader(inClusterAccess()),
  port: Number(process.env.PORT ?? "8443"),
  log,
}).then(
  (s) => log(`pod-defaults webhook listening on port ${s.port}`),
  (e) => {
    log(`cannot start: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
