// The local cluster that outlives the command starting it (npm run cluster:up, npm start): a detached
// localcluster/serve.ts process owns etcd, kube-apiserver and the Kube-OVN control plane, and
// publishes how to reach them in the state directory (see state.ts).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { httpGet } from "./controlplane";
import { tail } from "./procs";
import {
  type ClusterState,
  claimState,
  pidAlive,
  readState,
  removeClusterFiles,
  statePaths,
  writeState,
} from "./state";
import { ensureToolchain, repoRoot } from "./toolchain";

const SERVE = path.join(repoRoot, "localcluster", "serve.ts");
const START_TIMEOUT_MS = 300_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LocalCluster = Required<Pick<ClusterState, "kubeconfigPath" | "server" | "versions" | "pids">> &
  ClusterState;

/** A state whose owner still runs; a stale one (crashed owner) is cleaned up and forgotten. */
export async function liveState(): Promise<ClusterState | undefined> {
  const state = readState();
  if (!state) return undefined;
  if (pidAlive(state.ownerPid)) return state;
  await killLeftovers(state);
  removeClusterFiles();
  return undefined;
}

/** Kills the processes a dead owner left behind; each matched on the data dir in its arguments. */
async function killLeftovers(state: ClusterState): Promise<void> {
  for (const pid of [
    ...(state.pids?.kubeOvn ?? []),
    state.pids?.kubeControllerManager,
    state.pids?.kubeApiserver,
    state.pids?.etcd,
  ]) {
    if (!pidAlive(pid, state.dataDir)) continue;
    process.kill(pid!, "SIGTERM");
    for (let i = 0; i < 50 && pidAlive(pid, state.dataDir); i++) await sleep(200);
    if (pidAlive(pid, state.dataDir)) process.kill(pid!, "SIGKILL");
  }
}

/**
 * The running local cluster, starting one in the background if there is none. `started` tells
 * whether this call started it. Concurrent callers do not start a second one: the state file is
 * claimed exclusively, and a caller that loses the race waits for the winner's cluster.
 */
export async function ensureLocalCluster(): Promise<LocalCluster & { started: boolean }> {
  const p = statePaths();
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const running = await liveState();
    if (running?.phase === "ready") return { ...(running as LocalCluster), started: false };
    if (!running) break;
    if (Date.now() > deadline)
      throw new Error(`a local control plane (pid ${running.ownerPid}) has been starting for too long; see ${p.log}`);
    await sleep(500); // someone else is starting it
  }
  const binDir = await ensureToolchain(); // in the foreground, so a cold build shows its progress here
  if (!claimState({ phase: "starting", ownerPid: process.pid, dataDir: p.data, startedAt: new Date().toISOString() })) {
    return ensureLocalCluster(); // lost a race with another starter: wait for theirs
  }
  process.stderr.write(`Starting the local control plane in the background (log: ${p.log}) ...\n`);
  fs.rmSync(p.data, { recursive: true, force: true }); // stale data of a crashed run; nothing owns it now
  const logFd = fs.openSync(p.log, "w");
  const child = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), SERVE], {
    cwd: repoRoot,
    detached: true, // own process group: survives this command and the terminal's Ctrl-C
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, KUBEOVN_BIN_DIR: binDir },
  });
  fs.closeSync(logFd);
  // The server owns the state from now on: if this process dies, it is still accounted for.
  writeState({ phase: "starting", ownerPid: child.pid!, dataDir: p.data, startedAt: new Date().toISOString() });
  let exited: string | undefined;
  child.on("exit", (code, signal) => (exited = signal ?? `exit ${code}`));
  child.unref();

  for (;;) {
    const state = readState();
    if (state?.phase === "ready" && state.ownerPid === child.pid) return { ...(state as LocalCluster), started: true };
    if (exited || Date.now() > deadline) {
      if (!exited) process.kill(-child.pid!, "SIGTERM"); // the whole group: serve and its children
      removeClusterFiles();
      throw new Error(`the local control plane did not start (${exited ?? "timed out"}); ${p.log}:\n${tail(p.log)}`);
    }
    await sleep(250);
  }
}

/** Stops the background cluster and removes its data; returns the state it had, if any. */
export async function stopLocalCluster(): Promise<ClusterState | undefined> {
  const state = readState();
  if (!state) {
    removeClusterFiles();
    return undefined;
  }
  if (pidAlive(state.ownerPid)) {
    process.kill(state.ownerPid, "SIGTERM"); // its handlers stop etcd and kube-apiserver and remove the data
    for (let i = 0; i < 200 && pidAlive(state.ownerPid); i++) await sleep(200);
    if (pidAlive(state.ownerPid)) process.kill(state.ownerPid, "SIGKILL");
  }
  await killLeftovers(state);
  removeClusterFiles();
  return state;
}

/** kube-apiserver's /readyz answer for a ready state ("ok"), or why it could not be had. */
export async function probeReady(state: ClusterState): Promise<string> {
  const p = statePaths();
  return httpGet(`${state.server}/readyz`, {
    ca: fs.readFileSync(p.ca, "utf8"),
    token: fs.readFileSync(p.token, "utf8"),
  })
    .then((b) => b.trim())
    .catch((e: Error) => `not ready: ${e.message}`);
}
