/**
 * `npm run release`: every artifact of one version, built into dist/ (git-ignored), the way they would
 * be published. Publishing itself needs credentials and is not done here; everything short of it is.
 *
 *   pulumi-kubeovn-<v>.tgz                            the npm package (`npm pack`: compiled JS, declarations,
 *                                                     schema, the plugin and the kubeovn-tenants CLI)
 *   pulumi_kubeovn-<v>-py3-none-any.whl, .tar.gz      the Python SDK (wheel and sdist, `python -m build`)
 *   goproxy/<module>/@v/v<v>.{zip,mod,info}, list     the Go SDK module as a module proxy serves it
 *   pulumi-resource-kubeovn-v<v>-<os>-<arch>.tar.gz   the provider plugin for `pulumi plugin install` and the
 *                                                     SDKs' pluginDownloadURL (github://: release assets by
 *                                                     this name), linux/darwin/windows × amd64/arm64
 *   SHA256SUMS                                        sha256sum's format, every file above
 *
 * One version for all, package.json's: the SDKs are generated with it (`npm run sdk`); a Python SDK of
 * another version stops the release.
 *
 * Env: KUBEOVN_RELEASE_DIR  where to write (default dist/); KUBEOVN_TOOLCHAIN_CACHE as for the toolchain.
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../provider/automation/env";

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
export const VERSION: string = pkg.version;
const DIST = path.resolve(process.env.KUBEOVN_RELEASE_DIR ?? path.join(repoRoot, "dist"));
const CACHE = process.env.KUBEOVN_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-kubeovn");
/** The platforms Pulumi downloads plugins for; the plugin is JavaScript, so one build serves them all. */
export const PLATFORMS = ["linux", "darwin", "windows"].flatMap((o) => ["amd64", "arm64"].map((a) => `${o}-${a}`));
/** The Python packaging front end, pinned (a cached virtualenv holds it). */
const PYPA_BUILD = "build==1.3.0";

const log = (line: string) => process.stderr.write(`[release] ${line}\n`);

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
}

/** `npm pack` of the repository: the files package.json's `files` lists, nothing else. */
function npmPackage(): string {
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", DIST], repoRoot));
  const shipped: string[] = packed.files.map((f: { path: string }) => f.path);
  const allowed =
    /^(build\/provider\/|provider\/schema\.json$|provider\/fleet\/fleet\.schema\.json$|bin\/|PulumiPlugin\.yaml$|deploy\/|policy-pack\/|README\.md$|package\.json$)/;
  const stray = shipped.filter((f) => !allowed.test(f));
  if (stray.length) throw new Error(`npm pack shipped files outside the package: ${stray.join(", ")}`);
  if (!shipped.includes("build/provider/index.d.ts"))
    throw new Error("npm pack: no declarations (build/ not compiled?)");
  log(`npm package ${packed.filename}: ${shipped.length} files, ${(packed.size / 1e6).toFixed(1)} MB`);
  return path.join(DIST, packed.filename);
}

/**
 * The plugin archives. Each holds the installed package with its production dependencies (from the
 * lock file) and, at its root, `pulumi-resource-kubeovn` (a Node script) and `pulumi-resource-kubeovn.cmd`
 * for Windows: what Pulumi looks for in a plugin directory. Node.js 20.19+ must be on PATH. No
 * PulumiPlugin.yaml inside: that would make Pulumi treat the plugin as source to run with a language host.
 */
function pluginArchives(tarball: string): string[] {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-release-plugin-"));
  try {
    run("tar", ["-xzf", tarball, "-C", stage], repoRoot);
    const dir = path.join(stage, "package");
    fs.copyFileSync(path.join(repoRoot, "package-lock.json"), path.join(dir, "package-lock.json"));
    // Install scripts skipped: @pulumi/kubernetes' downloads its own plugin, which a user's Pulumi fetches
    // itself. Optional peers (TypeScript, ts-node for @pulumi/pulumi) and optional native speed-ups are not
    // needed at run time.
    run(
      "npm",
      [
        "ci",
        "--omit=dev",
        "--omit=optional",
        "--omit=peer",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      dir,
    );
    fs.rmSync(path.join(dir, "PulumiPlugin.yaml"), { force: true });
    fs.writeFileSync(
      path.join(dir, "pulumi-resource-kubeovn"),
      '#!/usr/bin/env node\n// The kubeovn provider plugin, as Pulumi finds it in an installed plugin directory.\nrequire("./bin/pulumi-resource-kubeovn");\n',
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(dir, "pulumi-resource-kubeovn.cmd"),
      '@ECHO off\r\nnode "%~dp0pulumi-resource-kubeovn" %*\r\n',
    );
    const first = path.join(DIST, archiveName(PLATFORMS[0]));
    // Reproducible: sorted, fixed times and owners, no gzip timestamp.
    execFileSync(
      "bash",
      [
        "-c",
        'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - -C "$1" . | gzip -9n > "$2"',
        "_",
        dir,
        first,
      ],
      { stdio: "inherit" },
    );
    const out = [first];
    for (const p of PLATFORMS.slice(1)) {
      const f = path.join(DIST, archiveName(p));
      fs.copyFileSync(first, f);
      out.push(f);
    }
    log(`plugin archives for ${PLATFORMS.join(", ")}: ${(fs.statSync(first).size / 1e6).toFixed(1)} MB each`);
    return out;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

export const archiveName = (platform: string) => `pulumi-resource-kubeovn-v${VERSION}-${platform}.tar.gz`;

/** A virtualenv with the pinned PyPA `build` (cached; created once per pin). */
function pypaBuild(): string {
  const digest = crypto.createHash("sha256").update(PYPA_BUILD).digest("hex").slice(0, 12);
  const venv = path.join(CACHE, `release-venv-${digest}`);
  const python = path.join(venv, "bin", "python");
  if (!fs.existsSync(path.join(venv, ".complete"))) {
    fs.rmSync(venv, { recursive: true, force: true });
    run("python3", ["-m", "venv", venv], repoRoot);
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", PYPA_BUILD], repoRoot);
    fs.writeFileSync(path.join(venv, ".complete"), "");
  }
  return python;
}

/** The Python SDK's sdist and wheel, built from a copy of sdk/python (build leftovers stay out of sdk/). */
function pythonSdk(): string[] {
  const pyproject = fs.readFileSync(path.join(repoRoot, "sdk", "python", "pyproject.toml"), "utf8");
  const version = /^\s*version\s*=\s*"([^"]+)"/m.exec(pyproject)?.[1];
  if (version !== VERSION)
    throw new Error(`sdk/python is version ${version}, package.json ${VERSION}: run npm run sdk`);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-release-python-"));
  try {
    fs.cpSync(path.join(repoRoot, "sdk", "python"), copy, { recursive: true });
    const before = new Set(fs.readdirSync(DIST));
    run(pypaBuild(), ["-m", "build", "--sdist", "--wheel", "--outdir", DIST, copy], copy);
    const built = fs.readdirSync(DIST).filter((f) => !before.has(f));
    log(`Python SDK: ${built.join(", ")}`);
    return built.map((f) => path.join(DIST, f));
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** The Go SDK as a module proxy serves it (zip made by golang.org/x/mod/zip): `GOPROXY=file://.../goproxy` works. */
function goSdk(): { module: string; dir: string } {
  const dir = path.join(repoRoot, "sdk", "go");
  const module = /^module\s+(\S+)/m.exec(fs.readFileSync(path.join(dir, "go.mod"), "utf8"))?.[1];
  if (!module) throw new Error("sdk/go/go.mod names no module");
  // Module proxies escape capitals as !lower.
  const escaped = module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const out = path.join(DIST, "goproxy", escaped, "@v");
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", CGO_ENABLED: "0" };
  run("go", ["run", ".", dir, module, `v${VERSION}`, out], path.join(repoRoot, "scripts", "gomodzip"), env);
  fs.writeFileSync(path.join(out, "list"), `v${VERSION}\n`);
  log(`Go SDK: ${module}@v${VERSION} in ${path.relative(repoRoot, out)}`);
  return { module, dir: out };
}

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(DIST, path.join(e.parentPath, e.name)))
    .sort();
}

/** SHA256SUMS over every artifact, in sha256sum's format (`sha256sum -c SHA256SUMS` checks them). */
function checksums(): void {
  const lines = files(DIST)
    .filter((f) => f !== "SHA256SUMS")
    .map(
      (f) =>
        `${crypto
          .createHash("sha256")
          .update(fs.readFileSync(path.join(DIST, f)))
          .digest("hex")}  ${f}`,
    );
  fs.writeFileSync(path.join(DIST, "SHA256SUMS"), `${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`pulumi-kubeovn ${VERSION} into ${DIST}`);
  fs.rmSync(DIST, { recursive: true, force: true });
  fs.mkdirSync(DIST, { recursive: true });
  const tarball = npmPackage();
  pluginArchives(tarball);
  pythonSdk();
  goSdk();
  checksums();
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)}s: ${files(DIST).length} files`);
}

if (require.main === module)
  main().catch((e) => {
    process.stderr.write(`[release] failed: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  });
