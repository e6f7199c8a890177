// OVN's northbound and southbound databases: Debian's ovsdb-server serving the schemas kube-ovn's
// own Go models were generated from (OVN 25.03), on loopback ports chosen per run. Nothing else of
// OVN runs (no northd, no ovn-controller, no OVS): the controller writes NB, and reads SB for chassis.
import { type ChildProcess, execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GiveUp, isRunning, spawnLogged, tail, waitFor } from "../procs";

export type OvnDb = "nb" | "sb";

export interface OvsdbServer {
  db: OvnDb;
  /** tcp:127.0.0.1:<port>, the form kube-ovn-controller and ovn-nbctl take. */
  address: string;
  process: ChildProcess;
}

/** Creates the database file from `schemaFile` and serves it; resolves once it answers. */
export async function startOvsdb(db: OvnDb, schemaFile: string, dir: string, port: number): Promise<OvsdbServer> {
  const file = path.join(dir, `ovn${db}.db`);
  const log = path.join(dir, `ovsdb-${db}.log`);
  fs.rmSync(file, { force: true });
  await run("ovsdb-tool", ["create", file, schemaFile]);
  const address = `tcp:127.0.0.1:${port}`;
  const proc = spawnLogged(
    "ovsdb-server",
    [
      file,
      `--remote=ptcp:${port}:127.0.0.1`, // passive form: ptcp:PORT:IP
      `--unixctl=${path.join(dir, `ovsdb-${db}.ctl`)}`,
      `--pidfile=${path.join(dir, `ovsdb-${db}.pid`)}`,
      "--no-chdir",
      `--log-file=${log}`,
      "-vconsole:off",
    ],
    path.join(dir, `ovsdb-${db}.out`),
  );
  const database = db === "nb" ? "OVN_Northbound" : "OVN_Southbound";
  await waitFor(
    `ovsdb-server (${db}) on ${address}`,
    30_000,
    async () => {
      if (!isRunning(proc)) throw new GiveUp(`ovsdb-server (${db}) exited (${proc.exitCode ?? proc.signalCode})`);
      const dbs = await run("ovsdb-client", ["list-dbs", address]).catch(() => "");
      return dbs.split("\n").includes(database) ? true : undefined;
    },
    () => `ovsdb-server log (${log}):\n${tail(log)}`,
  );
  const server: OvsdbServer = { db, address, process: proc };
  // The NB_Global / SB_Global row ovn-northd would create; the controller sets options on it.
  await ovnctl(server, ["init"]);
  return server;
}

/** Runs ovn-nbctl or ovn-sbctl against a database; resolves with its stdout. */
export function ovnctl(server: OvsdbServer, args: string[]): Promise<string> {
  return run(server.db === "nb" ? "ovn-nbctl" : "ovn-sbctl", [
    `--db=${server.address}`,
    "--no-leader-only",
    "--timeout=10",
    ...args,
  ]);
}

/**
 * The southbound Chassis row ovn-controller would register for a node: kube-ovn-controller keeps
 * retrying a node ("failed to get Chassis with hostname=...") until one exists.
 */
export async function addChassis(sb: OvsdbServer, name: string, hostname: string): Promise<void> {
  await ovnctl(sb, [
    "--may-exist",
    "chassis-add",
    name,
    "geneve",
    "127.0.0.1",
    "--",
    "set",
    "chassis",
    name,
    `hostname=${hostname}`,
  ]);
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}
