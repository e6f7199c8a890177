// Process plumbing for the local control plane: free ports, logged children, bounded stops, and one
// set of exit/signal handlers that kill whatever is still running so no etcd/apiserver outlives us.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";

/** Picks `count` distinct free ports on 127.0.0.1 by holding port-0 listeners open together. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** Starts `bin` with stdout and stderr appended to `logFile` (environment: ours, or `env`). */
export function spawnLogged(bin: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = fs.openSync(logFile, "a");
  try {
    const child = spawn(bin, args, { stdio: ["ignore", fd, fd], env: env ?? process.env });
    // Without a listener a failed spawn (ENOENT) would crash us; exitCode (-errno) tells the waiter.
    child.on("error", (err) => fs.appendFileSync(logFile, `spawn ${bin}: ${err.message}\n`));
    return child;
  } finally {
    fs.closeSync(fd); // the child holds its own copy
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has been reaped. */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (!isRunning(child)) return;
  child.kill("SIGTERM");
  if (await exited(child, graceMs)) return;
  child.kill("SIGKILL");
  await exited(child, 10_000);
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Thrown by a waitFor probe to stop waiting at once (e.g. the process it waits for has exited). */
export class GiveUp extends Error {}

/** Polls `probe` until it returns a value, failing with `describe()` after `timeoutMs` or on GiveUp. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  describe: () => string = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
      if (err instanceof GiveUp) throw new Error(`${err.message} while waiting for ${what}\n${describe()}`.trimEnd());
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `; last error: ${last.message}` : "";
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${cause}\n${describe()}`.trimEnd());
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Something to tear down if the process goes away: async when we can, sync on exit. */
export interface Owned {
  stop(): Promise<void>;
  killSync(): void;
}

const owned = new Set<Owned>();
let handlersInstalled = false;

/** Tracks `o` until `release(o)`; installs the process-wide handlers the first time. */
export function own(o: Owned): void {
  owned.add(o);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllSync);
  // The monitor sees crashes without changing them; when someone else (mocha) handles uncaught
  // errors the process lives on, so only clean up when it is really about to die.
  process.on("uncaughtExceptionMonitor", () => {
    if (process.listenerCount("uncaughtException") === 0) killAllSync();
  });
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => {
      const stops = [...owned].map((x) => x.stop().catch(() => x.killSync()));
      // Bounded: a stuck stop must not keep the process alive after Ctrl-C.
      const guard = setTimeout(() => process.exit(code), 30_000);
      void Promise.all(stops).finally(() => {
        clearTimeout(guard);
        process.exit(code);
      });
    });
  }
}

export function release(o: Owned): void {
  owned.delete(o);
}

function killAllSync(): void {
  for (const o of owned) {
    try {
      o.killSync();
    } catch {
      // best effort: keep going with the others
    }
  }
  owned.clear();
}
