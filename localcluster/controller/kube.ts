// A small REST client for the stand-in: plain JSON in and out (no typed models that would drop
// fields), merge and JSON patches, the status and finalize subresources. Auth and TLS come from
// the kubeconfig through @kubernetes/client-node.
import * as https from "node:https";
import * as http from "node:http";
import * as k8s from "@kubernetes/client-node";
import { KObject, Resource } from "./kinds";

export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly reason: string,
        message: string,
    ) {
        super(message);
    }
}

export const isConflict = (e: unknown) => e instanceof ApiError && e.status === 409;
export const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;

export type PatchType = "merge" | "json";
const CONTENT_TYPE: Record<PatchType, string> = {
    merge: "application/merge-patch+json",
    json: "application/json-patch+json",
};

export class KubeClient {
    private readonly server: URL;
    private readonly agent: https.Agent | http.Agent;
    private readonly base: Promise<https.RequestOptions>;
    /** Counts writes, so a reconcile pass knows whether it changed anything. */
    writes = 0;
    /** Called before every write (method and path), e.g. to trace what the stand-in does. */
    onWrite?: (method: string, path: string, body: unknown) => void;

    constructor(kubeconfigPath: string) {
        const kc = new k8s.KubeConfig();
        kc.loadFromFile(kubeconfigPath);
        const cluster = kc.getCurrentCluster();
        if (!cluster) throw new Error(`no current cluster in ${kubeconfigPath}`);
        this.server = new URL(cluster.server);
        this.agent = this.server.protocol === "https:" ? new https.Agent({ keepAlive: true, maxSockets: 4 }) : new http.Agent({ keepAlive: true });
        const opts: https.RequestOptions = {};
        this.base = kc.applyToHTTPSOptions(opts).then(() => opts);
    }

    close(): void {
        this.agent.destroy();
    }

    path(res: Resource, name?: string, namespace?: string, subresource?: string): string {
        const root = res.group === "" ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
        const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
        const n = name ? `/${encodeURIComponent(name)}` : "";
        const sub = subresource ? `/${subresource}` : "";
        return `${root}${ns}/${res.plural}${n}${sub}`;
    }

    /** Every object of a kind (all namespaces), or undefined when the kind is not served. */
    async list(res: Resource, namespace?: string): Promise<KObject[] | undefined> {
        try {
            const body = (await this.request("GET", this.path(res, undefined, namespace))) as { items: KObject[] };
            const apiVersion = res.group === "" ? res.version : `${res.group}/${res.version}`;
            return body.items.map((o) => ({ ...o, apiVersion, kind: res.kind }));
        } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
        }
    }

    async get(res: Resource, name: string, namespace?: string): Promise<KObject | undefined> {
        try {
            return (await this.request("GET", this.path(res, name, namespace))) as KObject;
        } catch (e) {
            if (isNotFound(e)) return undefined;
            throw e;
        }
    }

    /** PUT with the object's resourceVersion: a 409 means someone else wrote first. */
    async replace(res: Resource, obj: KObject, subresource?: string): Promise<KObject> {
        this.writes++;
        return (await this.request("PUT", this.path(res, obj.metadata.name, obj.metadata.namespace, subresource), obj)) as KObject;
    }

    async patch(res: Resource, obj: KObject, body: unknown, type: PatchType = "merge", subresource?: string): Promise<KObject> {
        this.writes++;
        return (await this.request("PATCH", this.path(res, obj.metadata.name, obj.metadata.namespace, subresource), body, CONTENT_TYPE[type])) as KObject;
    }

    async create(res: Resource, obj: KObject): Promise<KObject> {
        this.writes++;
        return (await this.request("POST", this.path(res, undefined, obj.metadata.namespace), obj)) as KObject;
    }

    async request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<unknown> {
        const base = await this.base;
        if (method !== "GET") this.onWrite?.(method, path, body);
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const mod = this.server.protocol === "https:" ? https : http;
        return new Promise((resolve, reject) => {
            const req = mod.request(
                {
                    ...base,
                    agent: this.agent,
                    protocol: this.server.protocol,
                    hostname: this.server.hostname,
                    port: this.server.port,
                    method,
                    path,
                    headers: {
                        ...(base.headers ?? {}),
                        Accept: "application/json",
                        ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
                    },
                    timeout: 30_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown = text;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            // not JSON: keep the text for the error message
                        }
                        const status = res.statusCode ?? 0;
                        if (status >= 200 && status < 300) return resolve(parsed);
                        const st = (parsed ?? {}) as { reason?: string; message?: string };
                        reject(new ApiError(status, st.reason ?? "", `${method} ${path}: ${status} ${st.message ?? text}`));
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }
}
