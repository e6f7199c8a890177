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
    const pkg = (name: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8")).version as string;
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
