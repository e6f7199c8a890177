/** Where and with what the benchmark ran: machine and versions, for results.json. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinnedVersions } from "../localcluster/toolchain";
import { repoRoot } from "../provider/automation/env";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  const cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown";
  return {
    cpuModel: model,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function versions(binDir: string, cluster: { kubeApiserver: string; etcd: string }): { [k: string]: string } {
  const pkg = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8")).version as string;
  let pulumi = "unknown";
  try {
    pulumi = execFileSync(path.join(binDir, "pulumi"), ["version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  const pins = pinnedVersions();
  return {
    pulumiCli: pulumi,
    pulumiKubernetesPlugin: pins.PULUMI_KUBERNETES_VERSION ?? "unknown",
    "@pulumi/pulumi": pkg("@pulumi/pulumi"),
    "@pulumi/kubernetes": pkg("@pulumi/kubernetes"),
    kubeApiserver: cluster.kubeApiserver,
    etcd: cluster.etcd,
    kubeOvnCrds: "v1.16.2",
    typescript: pkg("typescript"),
  };
}

let ticksPerSecond: number | undefined;

/**
 * CPU seconds used so far by this process plus every child process it has waited for (and theirs):
 * for a fleet plan, the inline programs here plus each Pulumi CLI run with its plugins. Children
 * still running (the control plane) are not counted. Linux only; undefined elsewhere.
 */
export function cpuSecondsWithChildren(): number | undefined {
  if (!fs.existsSync("/proc/self/stat")) return undefined;
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  const stat = fs.readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name: state is field 3, utime..cstime are fields 14..17.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / ticksPerSecond;
}
