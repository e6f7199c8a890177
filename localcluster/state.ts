// The state file of the background control plane that `npm run cluster:up` leaves running.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface ClusterState {
  /** "starting" while `up` waits for the server process; "ready" once it wrote the rest. */
  phase: "starting" | "ready";
  /** The detached process owning etcd and kube-apiserver (while starting: the `up` process). */
  ownerPid: number;
  pids?: { etcd: number; kubeApiserver: number; kubeControllerManager?: number; kubeOvn?: number[] };
  dataDir: string;
  kubeconfigPath?: string;
  server?: string;
  versions?: { kubeApiserver: string; etcd: string };
  /** The real Kube-OVN control plane beside it: OVN databases and the controller's log. */
  kubeOvn?: { nb: string; sb: string; controllerLog: string };
  startedAt: string;
}

export function stateDir(): string {
  return process.env.KUBEOVN_STATE_DIR ?? path.join(os.homedir(), ".cache", "pulumi-kubeovn", "cluster");
}

export const statePaths = () => {
  const dir = stateDir();
  return {
    dir,
    state: path.join(dir, "state.json"),
    data: path.join(dir, "data"),
    kubeconfig: path.join(dir, "kubeconfig"),
    ca: path.join(dir, "ca.crt"),
    token: path.join(dir, "token"),
    log: path.join(dir, "serve.log"),
  };
};

export function readState(): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePaths().state, "utf8")) as ClusterState;
  } catch {
    return undefined; // absent, or half-written by a crashed process: treated as no cluster
  }
}

/** Replaces the state file atomically so a concurrent reader never sees half a file. */
export function writeState(state: ClusterState): void {
  const file = statePaths().state;
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** Creates the state file only if none exists: the guard that stops two `up`s racing. */
export function claimState(state: ClusterState): boolean {
  fs.mkdirSync(stateDir(), { recursive: true });
  try {
    fs.writeFileSync(statePaths().state, JSON.stringify(state, null, 2), { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Is `pid` alive and (where /proc can tell) running a command line containing `marker`? */
export function pidAlive(pid: number | undefined, marker?: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  if (!marker) return true;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes(marker); // guards against a recycled pid
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Removes everything a cluster left in the state directory (the log stays for post-mortems). */
export function removeClusterFiles(): void {
  const p = statePaths();
  for (const f of [p.data, p.kubeconfig, p.ca, p.token, p.state]) fs.rmSync(f, { recursive: true, force: true });
}
