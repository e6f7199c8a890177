/**
 * Which cluster and credentials to act with, resolved the way pulumi-kubernetes resolves its own
 * (provider/pkg/provider/provider.go Configure): `kubeconfig` is a path (`~` expanded) or the
 * content; without one, $KUBECONFIG (a list, merged) or ~/.kube/config; `context` picks the
 * context and `cluster` overrides the context's cluster.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { kubeConfig } from "./client";

/** Content of the kubeconfig pulumi-kubernetes would use by default ($KUBECONFIG, else ~/.kube/config). */
export function ambientKubeconfig(): string | undefined {
  const first = (process.env.KUBECONFIG ?? "").split(path.delimiter).find((p) => p !== "");
  const file = first ?? path.join(os.homedir(), ".kube", "config");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** What a Kubernetes provider was configured with (its `kubeconfig`, `context` and `cluster` settings). */
export interface KubeSettings {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
}

export interface ClusterAccess {
  /** A kubeconfig (content) whose current context is the one to act with. */
  kubeconfig: string;
  /** The API server it points at. */
  server: string;
}

const expandHome = (p: string) =>
  p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;

/** Resolves settings to one kubeconfig and its API server; throws naming `source` and the setting at fault. */
export function resolveAccess(settings: KubeSettings, source: string): ClusterAccess {
  const kc = new k8s.KubeConfig();
  const given = settings.kubeconfig ?? "";
  let raw: string | undefined;
  try {
    if (given !== "") {
      const file = expandHome(given);
      if (fs.existsSync(file)) kc.loadFromFile(file);
      else {
        kc.loadFromString(given);
        raw = given;
      }
    } else {
      const files = (process.env.KUBECONFIG ?? "").split(path.delimiter).filter((p) => p !== "");
      const home = path.join(os.homedir(), ".kube", "config");
      if (files.length === 0 && !fs.existsSync(home) && !process.env.KUBERNETES_SERVICE_HOST)
        throw new Error("no kubeconfig found ($KUBECONFIG or ~/.kube/config)");
      // As client-go merges a list: the first file that sets the current context wins.
      kc.loadFromDefault(undefined, true);
      // One file: its content as before; a merged list or in-cluster credentials: exported below.
      const single = files.length === 1 ? files[0] : files.length === 0 && fs.existsSync(home) ? home : undefined;
      if (single) raw = fs.readFileSync(single, "utf8");
    }
  } catch (err) {
    throw new Error(`${source}: cannot read its kubeconfig: ${(err as Error).message}`);
  }
  const context = settings.context ?? "";
  if (context !== "" && context !== kc.getCurrentContext()) {
    if (!kc.getContextObject(context))
      throw new Error(
        `${source}: context ${JSON.stringify(context)} is not in its kubeconfig (contexts: ${kc.contexts.map((c) => c.name).join(", ") || "none"})`,
      );
    kc.setCurrentContext(context);
    raw = undefined;
  }
  const cluster = settings.cluster ?? "";
  if (cluster !== "") {
    if (!kc.getCluster(cluster))
      throw new Error(`${source}: cluster ${JSON.stringify(cluster)} is not in its kubeconfig`);
    const current = kc.getContextObject(kc.getCurrentContext());
    if (current && current.cluster !== cluster) {
      kc.contexts = kc.contexts.map((c) => (c === current ? { ...c, cluster } : c));
      raw = undefined;
    }
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server)
    throw new Error(
      `${source}: its kubeconfig names no API server for context ${JSON.stringify(kc.getCurrentContext())}`,
    );
  // Content given (or the one ambient file) stays as is, so the teardown's stored copy does not
  // churn; a path, a merged list or an override is exported whole, file references made absolute.
  return { kubeconfig: raw ?? kc.exportConfig(), server };
}

/** The API server a kubeconfig (content) points at, or undefined when it names none. */
export function apiServerOf(kubeconfig: string): string | undefined {
  return kubeConfig(kubeconfig).getCurrentCluster()?.server || undefined;
}

/** Whether two API server URLs are the same endpoint (scheme, host, port; trailing slashes ignored). */
export function sameServer(a: string, b: string): boolean {
  const norm = (s: string) => {
    try {
      const u = new URL(s);
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
    } catch {
      return s.replace(/\/+$/, "");
    }
  };
  return norm(a) === norm(b);
}
