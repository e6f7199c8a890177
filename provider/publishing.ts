/**
 * Where the package is published and under which names: stamped into the schema, and from there by the
 * code generators into every SDK (npm package.json, Python pyproject.toml, Go module path,
 * pulumi-plugin.json). The version, license, repository and keywords are package.json's, the one
 * place they are set; the SDKs' names are decided here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "./package-root";

const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8"));

/** The GitHub repository (package.json's `repository`): its releases carry the plugin archives (`pluginDownloadURL`). */
export const REPOSITORY: string = (() => {
  const url: string = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  const m = /github\.com[/:]([^/]+\/[^/]+?)(\.git)?$/.exec(url ?? "");
  if (!m) throw new Error(`package.json: repository ${JSON.stringify(url)} is not a GitHub repository`);
  return `https://github.com/${m[1]}`;
})();

export const PUBLISHING = {
  version: pkg.version as string,
  license: pkg.license as string,
  repository: REPOSITORY,
  /** The provider plugin's download location (GitHub releases of REPOSITORY). */
  pluginDownloadURL: `github://api.github.com/${REPOSITORY.replace("https://github.com/", "")}`,
  /** The Node SDK's npm package. */
  npmPackage: "@pulumi-kubeovn/sdk",
  /** The Python SDK: distribution pulumi-kubeovn (PyPI normalises the generated pulumi_kubeovn), import pulumi_kubeovn. */
  pythonPackage: "pulumi_kubeovn",
  /** The Go SDK: module `<repo>/sdk/go`, package kubeovn. */
  goImportBasePath: `${REPOSITORY.replace("https://", "")}/sdk/go/kubeovn`,
} as const;

/** The schema's package metadata and per-language settings. */
export function publishingSchema(): object {
  return {
    displayName: "Kube-OVN tenant networks",
    publisher: "pulumi-kubeovn",
    homepage: PUBLISHING.repository,
    repository: PUBLISHING.repository,
    license: PUBLISHING.license,
    // package.json's, plus the Pulumi registry's classification of a component package.
    keywords: [...new Set([...(pkg.keywords ?? []), "kind/component", "category/network"])],
    pluginDownloadURL: PUBLISHING.pluginDownloadURL,
  };
}

/** Per-language settings on top of what schema inference writes (`respectSchemaVersion` and the like). */
export function publishingLanguages(language: { [lang: string]: object } = {}): object {
  return {
    ...language,
    nodejs: { ...language.nodejs, packageName: PUBLISHING.npmPackage },
    python: { ...language.python, packageName: PUBLISHING.pythonPackage, pyproject: { enabled: true } },
    go: {
      ...language.go,
      importBasePath: PUBLISHING.goImportBasePath,
      generateResourceContainerTypes: true,
      // Without this, args that are plain arrays of objects refer to `...Args` types that are never generated.
      generateExtraInputTypes: true,
    },
  };
}
