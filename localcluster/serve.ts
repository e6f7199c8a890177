// Entry point of the detached process that `npm run cluster:up` and `npm start` leave running: owns
// one control plane (with the real Kube-OVN control plane) until it gets SIGTERM from
// `cluster:down`, and publishes how to reach it in the state directory.
import * as fs from "node:fs";
import { startControlPlane } from "./controlplane";
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
  writeState({
    phase: "ready",
    ownerPid: process.pid,
    pids: { ...cp.pids, kubeOvn: cp.kubeOvn?.pids() },
    dataDir: cp.dataDir,
    kubeconfigPath: p.kubeconfig,
    server: cp.server,
    versions: cp.versions,
    kubeOvn: cp.kubeOvn
      ? { nb: cp.kubeOvn.nb.address, sb: cp.kubeOvn.sb.address, controllerLog: cp.kubeOvn.logs.controller }
      : undefined,
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
