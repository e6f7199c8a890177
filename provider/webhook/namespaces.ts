/**
 * Reads a namespace with one GET per admission. Node built-ins only (the webhook runs on a stock Node
 * image without node_modules). One GET per pod creation keeps the answer current the moment a
 * namespace's defaults change and needs nothing but `get` on namespaces; the cost is one small API
 * call per pod, next to the many the pod's creation makes anyway.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import type { NamespaceReader } from "./admission";

export interface ApiAccess {
  /** `https://host:port` of the API server. */
  server: string;
  /** Bearer token; a function is called per request so a rotated service-account token is picked up. */
  token: string | (() => string);
  /** PEM CA bundle of the API server. */
  ca?: string;
  /** Milliseconds before a GET gives up (keep it below the webhook's timeoutSeconds). */
  timeoutMs?: number;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** API access from inside a pod: the service account's token and CA, the kubernetes Service address. */
export function inClusterAccess(): ApiAccess {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: not running in a pod");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    token: () => fs.readFileSync(`${SA_DIR}/token`, "utf8").trim(),
    ca: fs.readFileSync(`${SA_DIR}/ca.crt`, "utf8"),
  };
}

export function namespaceReader(access: ApiAccess): NamespaceReader {
  return (name) =>
    new Promise((resolve, reject) => {
      const token = typeof access.token === "function" ? access.token() : access.token;
      const req = https.get(
        `${access.server}/api/v1/namespaces/${encodeURIComponent(name)}`,
        {
          ca: access.ca,
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
          timeout: access.timeoutMs ?? 3000,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c) => (body += c));
          res.on("end", () => {
            if (res.statusCode === 404) return resolve(undefined);
            if (res.statusCode !== 200)
              return reject(new Error(`GET namespace ${name}: HTTP ${res.statusCode} ${body.slice(0, 200)}`));
            try {
              resolve(JSON.parse(body).metadata?.annotations ?? {});
            } catch (e) {
              reject(new Error(`GET namespace ${name}: ${(e as Error).message}`));
            }
          });
        },
      );
      req.on("timeout", () =>
        req.destroy(new Error(`GET namespace ${name}: no answer within ${access.timeoutMs ?? 3000} ms`)),
      );
      req.on("error", reject);
    });
}
