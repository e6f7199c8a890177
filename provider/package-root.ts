/**
 * The package's root directory (where package.json is), the same whether this code runs from its
 * TypeScript sources (provider/...) or from the compiled build (build/provider/...): files read at
 * run time (the schema, the webhook's sources, package.json) are always the ones next to the sources.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`pulumi-kubeovn: no package.json above ${from}`);
  }
}

export const packageRoot = findRoot(__dirname);
