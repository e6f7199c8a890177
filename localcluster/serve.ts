// Entry point of the detached process that `npm run cluster:up` and `npm start` leave running: owns
// one control plane (and the kube-ovn-controller stand-in, unless KUBEOVN_STANDIN=0) until it gets
// SIGTERM from `cluster:down`, and publishes how to reach it in the state directory.
import * as fs from "node:fs";
import { startControlPlane } from "./controlplane";
import { startStandInController } from "./controller";
import { own, release } from "./procs";
import { pidAlive, readState, removeClusterFiles, statePaths, writeState } from "./state";

async function main(): Promise<void> {
    const p = statePaths();
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const cp = await startControlPlane({ dataDir: p.data, log });

    // Stable paths outside the data dir, so the printed `export KUBECONFIG=` survives down/up.
    fs.copyFileSync(cp.kubeconfigPath, p.kubeconfig);
    fs.writeFileSync(p.ca, Buffer.from(cp.caData, "base64"));
    fs.writeFileSync(p.token, cp.token, { mode: 0o600 });
    // Exit handlers run in registration order: controlplane's kill-and-remove first, then this.
    process.on("exit", () => {
        if (readState()?.ownerPid === process.pid) removeClusterFiles();
    });

    // Without a controller, Kube-OVN objects never get their finalizers handled or status filled.
    const standIn = process.env.KUBEOVN_STANDIN !== "0";
    if (standIn) {
        const ctl = await startStandInController({ kubeconfigPath: cp.kubeconfigPath, log: (l) => log(`[stand-in] ${l}`) });
        // Stopped with the control plane on SIGTERM, so its last pass does not log connection errors.
        const owner = { stop: () => ctl.stop().then(() => release(owner)), killSync: () => undefined };
        own(owner);
    }
    writeState({
        phase: "ready",
        ownerPid: process.pid,
        pids: cp.pids,
        dataDir: cp.dataDir,
        kubeconfigPath: p.kubeconfig,
        server: cp.server,
        versions: cp.versions,
        standIn,
        startedAt: new Date().toISOString(),
    });
    log(`serving ${cp.server}; stop with: npm run cluster:down`);

    // A crashed etcd or kube-apiserver leaves nothing worth keeping: tear down so `status` says so.
    const watch = setInterval(() => {
        if (pidAlive(cp.pids.etcd) && pidAlive(cp.pids.kubeApiserver)) return;
        log("etcd or kube-apiserver exited unexpectedly; stopping");
        clearInterval(watch);
        void cp.stop().finally(() => process.exit(1));
    }, 2000);
}

main().catch((err) => {
    process.stderr.write(`control plane failed to start: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(1);
});
