/** The webhook's HTTPS server: AdmissionReview v1 in, AdmissionReview v1 out. Node built-ins only. */
import * as crypto from "node:crypto";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { type AdmissionReview, MUTATE_PATH, type NamespaceReader, admitPod } from "./admission";

export interface WebhookServerOptions {
  /** PEM serving certificate and key. */
  cert: string;
  key: string;
  readNamespace: NamespaceReader;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface WebhookServer {
  port: number;
  /** `https://<host>:<port>/mutate-pods`. */
  url: string;
  /** Serves this pair to new connections from now on (no restart, open connections keep theirs). */
  setCertificate(pair: { cert: string; key: string }): void;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024; // the API server's own request limit

export function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const log = o.log ?? (() => undefined);
  // What /healthz reports, so `kubeovn-tenants status` can tell when the served certificate expires.
  let notAfter = new Date(new crypto.X509Certificate(o.cert).validTo).toISOString();
  const server = https.createServer({ cert: o.cert, key: o.key }, (req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/healthz") return reply(200, { ok: true, notAfter });
    if (req.method !== "POST" || req.url?.split("?")[0] !== MUTATE_PATH) return reply(404, { error: "not found" });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => {
      body += c;
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on("end", async () => {
      try {
        const review = JSON.parse(body) as AdmissionReview;
        const out = await admitPod(review, o.readNamespace);
        const r = out.response!;
        log(
          `${review.request?.namespace}/${review.request?.object?.metadata?.name ?? review.request?.object?.metadata?.generateName ?? "?"}: ${r.allowed ? (r.patch ? "patched" : "unchanged") : `denied (${r.status?.message})`}${r.warnings ? `, ${r.warnings.length} warning(s)` : ""}`,
        );
        reply(200, out);
      } catch (e) {
        log(`bad request: ${(e as Error).message}`);
        reply(400, { error: (e as Error).message });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, o.host ?? "0.0.0.0", () => {
      const port = (server.address() as AddressInfo).port;
      const host = o.host ?? "0.0.0.0";
      resolve({
        port,
        url: `https://${host.includes(":") ? `[${host}]` : host}:${port}${MUTATE_PATH}`,
        setCertificate: (pair) => {
          server.setSecureContext({ cert: pair.cert, key: pair.key });
          notAfter = new Date(new crypto.X509Certificate(pair.cert).validTo).toISOString();
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
