/**
 * Where this package lives: its root (package.json) and the directory holding the provider plugin
 * `pulumi-resource-kubeovn`, which the fleet CLI puts first on PATH for the engine it starts.
 * (The demo's and tests' Pulumi environment, with its local passphrase, is localcluster/pulumi-env.ts.)
 */
import * as path from "node:path";
import { packageRoot } from "../package-root";

export const repoRoot = packageRoot;
/** Where `pulumi-resource-kubeovn` lives (with a `.cmd` twin for Windows). */
export const pluginBin = path.join(repoRoot, "bin");
