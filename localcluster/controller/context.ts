// What every reconcile step of the stand-in shares: the API client, a snapshot of the cluster
// taken at the start of a pass, and error reporting that does not flood the log.
import { KObject, R, ResourceKey, UpstreamConfig } from "./kinds";
import { KubeClient, isConflict, isNotFound } from "./kube";

export class Snapshot {
    private readonly objects = new Map<ResourceKey, KObject[]>();

    static async take(kube: KubeClient, keys: ResourceKey[], podNamespace: string): Promise<Snapshot> {
        const snap = new Snapshot();
        const lists = await Promise.all(keys.map((k) => kube.list(R[k], k === "configMap" ? podNamespace : undefined)));
        keys.forEach((k, i) => snap.objects.set(k, lists[i] ?? []));
        return snap;
    }

    all(key: ResourceKey): KObject[] {
        return this.objects.get(key) ?? [];
    }

    find(key: ResourceKey, name: string, namespace?: string): KObject | undefined {
        return this.all(key).find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
    }

    /** Records the API server's answer to a write, so later steps of the same pass see it. */
    put(key: ResourceKey, obj: KObject): void {
        const list = this.all(key);
        const i = list.findIndex((o) => o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace);
        const withKind = { ...obj, apiVersion: list[i]?.apiVersion ?? obj.apiVersion, kind: R[key].kind };
        if (i >= 0) list[i] = withKind;
        else list.push(withKind);
        this.objects.set(key, list);
    }
}

export interface Ctx {
    kube: KubeClient;
    config: UpstreamConfig;
    snap: Snapshot;
    log: (line: string) => void;
    /** Reports a reconcile error for `key` (logged when it first appears or changes), or clears it. */
    report(key: string, error?: string): void;
}

export const objKey = (kind: string, o: KObject) => `${kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`;

export function errorText(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/**
 * Runs `reconcile` for every object of `key` and reports its outcome. A 409 or 404 is not an
 * error: the object changed or went away meanwhile, and the next pass sees its new version.
 */
export async function reconcileEach(ctx: Ctx, key: ResourceKey, kind: string, reconcile: (o: KObject) => Promise<string | undefined>): Promise<void> {
    for (const o of ctx.snap.all(key)) {
        const id = objKey(kind, o);
        try {
            ctx.report(id, await reconcile(o));
        } catch (e) {
            if (!(isConflict(e) || isNotFound(e))) ctx.report(id, errorText(e));
        }
    }
}
