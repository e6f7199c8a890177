// Mocha root hooks for the end-to-end run: one real control plane for all tests, with the pinned
// toolchain first on PATH so tests (and the Pulumi engine they start) find pulumi and its plugins.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pinnedVersions } from "../../localcluster/toolchain";
import { getCluster, setCluster, startSharedCluster } from "./support/cluster";

const log = (line: string) => process.stderr.write(`      [e2e] ${line}\n`);

let failed = false;

/** The control plane's logs (Kube-OVN's included) outlive its data dir when a test failed. */
function keepLogs(dataDir: string): void {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-e2e-logs-"));
  fs.cpSync(dataDir, dest, {
    recursive: true,
    filter: (src) => fs.statSync(src).isDirectory() || /\.(log|jsonl|out)$/.test(src),
  });
  log(
    `a test failed: the control plane's logs (kube-apiserver, kube-ovn-controller, kwok, OVN, NAT gateway calls) are kept in ${dest}`,
  );
}

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    if (this.currentTest?.state === "failed") failed = true;
  },
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(0); // a cold toolchain build takes far longer than any test timeout
    const { cp, binDir } = await startSharedCluster(log);

    const pulumi = run(path.join(binDir, "pulumi"), ["version"]);
    log(
      `versions: pulumi ${pulumi}, kube-apiserver ${cp.versions.kubeApiserver}, etcd ${cp.versions.etcd}, ` +
        `pulumi-kubernetes ${pinnedVersions().PULUMI_KUBERNETES_VERSION}`,
    );
    log(`cluster ${cp.server}, KUBECONFIG=${cp.kubeconfigPath}`);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    let cp: ReturnType<typeof getCluster> | undefined;
    try {
      cp = getCluster();
    } catch {
      return; // beforeAll failed before starting one
    }
    setCluster(undefined);
    if (failed) keepLogs(cp.dataDir);
    await cp.stop();
  },
};

function run(bin: string, args: string[]): string {
  try {
    return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    return `unknown (${(err as Error).message.split("\n")[0]})`;
  }
}
