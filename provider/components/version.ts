/**
 * The package version. Provider resources our components declare ask for the provider of exactly this
 * version, as the generated SDKs do; otherwise the engine adds an unversioned default provider at `up`
 * that the next preview plans to delete.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../package-root";

export const PACKAGE_VERSION: string = JSON.parse(
  fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"),
).version;
