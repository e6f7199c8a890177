// Finds the pinned binaries (pulumi, plugins, etcd, kube-apiserver, kube-ovn-controller, kwok) by running toolchain/build.sh,
// which builds what is missing, caches per version and takes a lock, so calling it is cheap when warm.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root (this file lives in <root>/localcluster). */
export const repoRoot = path.resolve(__dirname, "..");

// All that build.sh provides: a preset dir missing the Pulumi plugins would fail much later, obscurely.
const required = [
  "pulumi",
  "pulumi-language-yaml",
  "pulumi-resource-kubernetes",
  "pulumi-analyzer-policy-nodejs",
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-ovn-controller",
  "kwok",
];
let pending: Promise<string> | undefined;

/**
 * Returns the toolchain bin directory. Runs `bash toolchain/build.sh` once per process; its progress
 * (stderr) goes straight to our stderr so a cold build never looks stuck, and the last stdout line is
 * the bin directory. KUBEOVN_BIN_DIR short-circuits the script (set for child processes we spawn).
 */
export function ensureToolchain(): Promise<string> {
  pending ??= resolveBinDir();
  // A failed attempt must not poison later calls (e.g. a retry after fixing Go).
  pending.catch(() => (pending = undefined));
  return pending;
}

async function resolveBinDir(): Promise<string> {
  const preset = process.env.KUBEOVN_BIN_DIR;
  if (preset && hasBinaries(preset)) return preset;

  const script = path.join(repoRoot, "toolchain", "build.sh");
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn("bash", [script], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`toolchain/build.sh failed (${signal ?? `exit ${code}`}); its messages are above`)),
    );
  });
  const lines = stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const binDir = lines[lines.length - 1];
  if (!binDir || !hasBinaries(binDir)) {
    throw new Error(`toolchain/build.sh printed no usable bin directory (last stdout line: ${JSON.stringify(binDir)})`);
  }
  return binDir;
}

function hasBinaries(dir: string): boolean {
  return required.every((name) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The pins in toolchain/versions.env, e.g. `PULUMI_KUBERNETES_VERSION`. */
export function pinnedVersions(): Record<string, string> {
  const text = fs.readFileSync(path.join(repoRoot, "toolchain", "versions.env"), "utf8");
  const pins: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)=(\S*)/.exec(line);
    if (m) pins[m[1]] = m[2];
  }
  return pins;
}
