/** The kubeconfig a program runs with, for the teardown resource to act with later. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Content of the kubeconfig pulumi-kubernetes would use by default ($KUBECONFIG, else ~/.kube/config). */
export function ambientKubeconfig(): string | undefined {
  const first = (process.env.KUBECONFIG ?? "").split(path.delimiter).find((p) => p !== "");
  const file = first ?? path.join(os.homedir(), ".kube", "config");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}
