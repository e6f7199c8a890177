// A stand-in for kube-ovn-controller v1.16.2 for tests and the local demo, where the real one
// cannot run (no OVS/OVN, no kubelet). It does to Kube-OVN objects what upstream does to them in
// the API (finalizers, spec rewriting, status, address allocation, deletion guards) and nothing
// more; every rule cites the upstream function it mirrors, and docs/upstream-behaviour.md lists
// them. It polls: each pass lists the kinds it handles and reconciles them level-based; a pass
// that wrote something is followed at once by another, so the cluster converges quickly.
import { Ctx, Snapshot, errorText } from "./context";
import { reconcileEips } from "./eip";
import { migrateLegacyFinalizers, reconcileFinalizerOnlyKinds } from "./finalizers";
import { reconcileIPs } from "./ip";
import { ALL_KEYS, DEFAULT_CONFIG, UpstreamConfig } from "./kinds";
import { KubeClient } from "./kube";
import { reconcileNatRules } from "./nat-rules";
import { reconcileNatGateways } from "./natgw";
import { reconcileNamespaceAnnotations } from "./namespaces";
import { reconcileQoSPolicies } from "./qos";
import { reconcileSubnets } from "./subnet";
import { reconcileVpcs } from "./vpc";

export type Mode = "healthy" | "dead";

export interface StandInOptions {
    kubeconfigPath: string;
    /** healthy: every rule runs; dead: no Kube-OVN rule runs (objects hang in Terminating). Default healthy. */
    mode?: Mode;
    log?: (line: string) => void;
    /** Pause between passes that changed nothing (settled() wakes the loop at once). Default 500 ms. */
    intervalMs?: number;
    /** Controller flags (defaults: upstream's). */
    config?: Partial<UpstreamConfig>;
    /** Log every write the stand-in makes. */
    traceWrites?: boolean;
}

export interface StandInController {
    readonly mode: Mode;
    setMode(mode: Mode): void;
    /**
     * Resolves once a pass that started after this call changed nothing: everything in the cluster
     * at call time has been reconciled as far as it can be. Rejects after `timeoutMs` (default 60 s).
     */
    settled(timeoutMs?: number): Promise<void>;
    /** Stops polling (the controller "dies" for good); idempotent. */
    stop(): Promise<void>;
    /** Reconcile errors currently standing (what upstream would keep logging and retrying), by object. */
    errors(): Map<string, string>;
}

export async function startStandInController(opts: StandInOptions): Promise<StandInController> {
    const log = opts.log ?? ((line: string) => process.stderr.write(`[kube-ovn stand-in] ${line}\n`));
    const config: UpstreamConfig = { ...DEFAULT_CONFIG, ...(opts.config ?? {}) };
    const kube = new KubeClient(opts.kubeconfigPath);
    if (opts.traceWrites) kube.onWrite = (method, path, body) => log(`${method} ${path} ${JSON.stringify(body).slice(0, 300)}`);
    const interval = opts.intervalMs ?? 500;
    const errors = new Map<string, string>();
    let mode: Mode = opts.mode ?? "healthy";
    let needMigration = mode === "healthy";
    let stopped = false;
    let started = 0; // passes started
    let wake: (() => void) | undefined;
    const waiters: { after: number; resolve: () => void }[] = [];

    const report = (key: string, error?: string) => {
        if (error === undefined) {
            if (errors.delete(key)) log(`${key}: ok`);
            return;
        }
        if (errors.get(key) !== error) log(`${key}: ${error}`);
        errors.set(key, error);
    };

    async function pass(): Promise<number> {
        const before = kube.writes;
        if (mode !== "healthy") return 0; // dead: does nothing at all
        const snap = await Snapshot.take(kube, ALL_KEYS, config.podNamespace);
        const ctx: Ctx = { kube, config, snap, log, report };
        if (needMigration) {
            await migrateLegacyFinalizers(ctx); // pkg/controller/init.go syncFinalizers, at controller start
            needMigration = false;
        }
        await reconcileVpcs(ctx);
        await reconcileSubnets(ctx);
        await reconcileIPs(ctx);
        await reconcileNatGateways(ctx);
        await reconcileEips(ctx);
        await reconcileNatRules(ctx);
        await reconcileQoSPolicies(ctx);
        await reconcileFinalizerOnlyKinds(ctx);
        await reconcileNamespaceAnnotations(ctx);
        return kube.writes - before;
    }

    const loop = (async () => {
        let failing = "";
        while (!stopped) {
            const number = ++started;
            let writes = 1;
            try {
                writes = await pass();
                if (failing) log("API reachable again");
                failing = "";
            } catch (e) {
                const msg = errorText(e);
                if (msg !== failing) log(`pass failed: ${msg}`);
                failing = msg;
            }
            if (writes === 0) {
                const keep = [];
                for (const w of waiters.splice(0)) {
                    if (w.after < number) w.resolve();
                    else keep.push(w);
                }
                waiters.push(...keep);
            }
            if (stopped) break;
            if (writes !== 0 && !failing) continue;
            await new Promise<void>((r) => {
                const t = setTimeout(r, interval);
                wake = () => {
                    clearTimeout(t);
                    r();
                };
            });
            wake = undefined;
        }
    })();

    return {
        get mode() {
            return mode;
        },
        setMode(next: Mode) {
            if (next === mode) return;
            log(`mode ${mode} -> ${next}`);
            if (next === "healthy") needMigration = true; // a controller coming back migrates finalizers again
            mode = next;
            wake?.();
        },
        settled(timeoutMs = 60_000) {
            if (stopped) return Promise.resolve();
            return new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => {
                    const standing = [...errors].map(([k, v]) => `  ${k}: ${v}`).join("\n");
                    reject(new Error(`stand-in controller did not settle within ${timeoutMs} ms${standing ? `; standing errors:\n${standing}` : ""}`));
                }, timeoutMs);
                waiters.push({
                    after: started,
                    resolve: () => {
                        clearTimeout(timer);
                        resolve();
                    },
                });
                wake?.();
            });
        },
        async stop() {
            if (stopped) return;
            stopped = true;
            wake?.();
            await loop;
            kube.close();
            for (const w of waiters.splice(0)) w.resolve();
            log("stopped");
        },
        errors: () => new Map(errors),
    };
}
