/**
 * The fleet tool as a user runs it: `bin/kubeovn-tenants` as a child process in a scratch directory,
 * on a local file backend of its own, against the test control plane.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiEnv } from "../../../localcluster/pulumi-env";
import { repoRoot } from "../../../provider/automation/env";
import { getCluster } from "./cluster";

const CLI = path.join(repoRoot, "bin", "kubeovn-tenants");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of the tool run in `dir`, its state in `dir`/.state (created here). */
export function fleetEnv(dir: string): { [k: string]: string } {
  const backendDir = path.join(dir, ".state");
  fs.mkdirSync(backendDir, { recursive: true });
  return {
    ...(process.env as { [k: string]: string }),
    CI: "true",
    ...pulumiEnv({
      backendDir,
      toolchainBin: process.env.KUBEOVN_BIN_DIR as string,
      kubeconfig: getCluster().kubeconfigPath,
    }),
  };
}

/** Runs the tool with `args` in `dir`; never rejects: the exit code is in the result. */
export function runFleetCli(dir: string, env: { [k: string]: string }, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(CLI, args, { cwd: dir, env, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === "number"
          ? (err as { code: number }).code
          : -1
        : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A run's exit code and the ends of its output, for assertion messages. */
export const explain = (r: Run) =>
  `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
