/** The demo program (Pulumi.yaml) as tests use it: its specs, read from the file so tests and the demo never drift apart, and `npm start` itself. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";
import type { ClusterNetworkSpec, TenantSpec } from "../../provider/core";

export { repoRoot };

export interface DemoSpecs {
  cluster: ClusterNetworkSpec;
  tenants: TenantSpec[];
}

export function loadDemo(file = path.join(repoRoot, "Pulumi.yaml")): DemoSpecs {
  const doc = YAML.parse(fs.readFileSync(file, "utf8"));
  const resources = Object.values(doc.resources) as { type: string; properties: any }[];
  const cluster = resources.find((r) => r.type === "kubeovn:index:ClusterNetwork")?.properties as ClusterNetworkSpec;
  const tenants = resources
    .filter((r) => r.type === "kubeovn:index:TenantNetwork")
    .map((r) => {
      const { cluster: _ref, ...spec } = r.properties;
      return spec as TenantSpec;
    });
  return { cluster, tenants };
}

/** A deep copy to mutate in a test. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

export interface NpmStart {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm start -- <args>` in the repository as a user would (dependencies, build and all),
 * with this process's environment plus `env`; resolves when it exits.
 */
export function npmStart(args: string[], env: { [k: string]: string } = {}): Promise<NpmStart> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["start", "--", ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
