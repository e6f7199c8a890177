/**
 * The consumer test: what a platform engineer who never clones this repository gets. `npm run
 * release`'s artifacts are built into a scratch directory outside the repository, and everything
 * below installs from them only, each in its own directory outside the repository:
 *
 * - npm: a new TypeScript project installs the tarball, compiles a program against its declarations
 *   and runs it, the plugin found through `plugins.providers` in the installed package;
 * - the fleet CLI: `npx kubeovn-tenants` of that installed package applies, plans and destroys;
 * - the plugin archive: installed with `pulumi plugin install --file`, as pluginDownloadURL would fetch it;
 * - YAML: the YAML example on that installed plugin, through the real `pulumi up`;
 * - Python: the Python example in a fresh virtualenv holding the wheel, on the same plugin;
 * - Go: the Go example with `go get` of the SDK module from the release's module proxy directory.
 *
 * Each against the local control plane (tests/e2e/hooks.ts starts it): objects created, a second
 * preview clean, destroy leaves nothing. This machine has no Node.js, Python or Go language host
 * (they are not on the Go module proxy), so those programs run through the Automation API of the
 * package they installed; YAML runs through the real `pulumi up`.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { repoRoot } from "../../provider/automation/env";
import { kubeOvn, getCluster } from "../e2e/support/cluster";
import { assertDemoObjects } from "../e2e/support/demo-objects";
import { ourObjects } from "../e2e/support/stack";

const VERSION: string = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).version;
const RUNNERS = path.join(repoRoot, "tests", "e2e", "support", "examples");
const log = (line: string) => process.stderr.write(`      [consumer] ${line}\n`);

let scratch: string;
let artifacts: string;
let env: NodeJS.ProcessEnv;

interface Result {
  changes: string[];
  outputs: { [name: string]: any };
}

/** Runs a command to completion; throws with its output's tail when it fails (or exits other than `codes`). */
function run(cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}, codes = [0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", reject);
    child.on("close", (code) => {
      if (codes.includes(code ?? -1)) return resolve(out);
      reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${code}:\n${(out + err).slice(-4000)}`));
    });
  });
}

/** A runner's last stdout line: `{ changes, outputs }`. */
async function runJson(cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Promise<Result> {
  const out = await run(cmd, args, cwd, extra);
  return JSON.parse(out.trim().split("\n").pop() as string);
}

/** A fresh directory outside the repository. */
function dir(name: string): string {
  const d = path.join(scratch, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function artifact(pattern: RegExp): string {
  const found = fs.readdirSync(artifacts).filter((f) => pattern.test(f));
  assert.equal(found.length, 1, `one artifact matching ${pattern} in ${artifacts}: ${found}`);
  return path.join(artifacts, found[0] as string);
}

/** An example's Pulumi.yaml without the `plugins.providers` entry that points into the repository. */
function exampleProject(language: string, to: string): void {
  const project = YAML.parse(fs.readFileSync(path.join(repoRoot, "examples", language, "Pulumi.yaml"), "utf8"));
  delete project.plugins;
  fs.writeFileSync(path.join(to, "Pulumi.yaml"), YAML.stringify(project));
}

describe("a consumer of the released artifacts, outside the repository", function () {
  let controller: KubeOvn;
  let installed: string; // the TypeScript project with the npm package installed

  /** The demo's life through a runner's `op` (up, preview, destroy): the planned objects, then no changes, then nothing left. */
  function demoLifecycle(op: (o: string) => Promise<Result>): void {
    it("up creates exactly the planned objects", async () => {
      await assertDemoObjects((await op("up")).outputs, controller);
    });

    it("a second preview shows no changes", async () => {
      await controller.settled();
      assert.deepEqual((await op("preview")).changes, []);
    });

    it("destroy leaves nothing", async () => {
      await op("destroy");
      assert.deepEqual(await ourObjects(), []);
    });
  }

  before(async function () {
    this.timeout(20 * 60_000);
    controller = kubeOvn();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-consumer-"));
    assert.ok(path.relative(repoRoot, scratch).startsWith(".."), "the scratch directory is outside the repository");
    artifacts = dir("artifacts");
    const binDir = process.env.KUBEOVN_BIN_DIR as string;
    // Nothing of the repository on PATH: no bin/, no node_modules/.bin. The toolchain's pulumi, its
    // YAML host and pulumi-kubernetes stay (a user installs those with Pulumi).
    const inherited = (process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((d) => d && d !== binDir && !path.resolve(d).startsWith(repoRoot));
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|TS_NODE_|INIT_CWD$)/.test(k)));
    Object.assign(env, {
      PATH: [binDir, path.dirname(process.execPath), ...inherited].join(path.delimiter),
      PULUMI_HOME: dir("pulumi-home"),
      PULUMI_BACKEND_URL: `file://${dir("state")}`,
      PULUMI_CONFIG_PASSPHRASE: "consumer-test-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "1",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
      KUBECONFIG: getCluster().kubeconfigPath,
    });
    const started = Date.now();
    await run(
      process.execPath,
      ["--require", "ts-node/register/transpile-only", path.join(repoRoot, "scripts", "release.ts")],
      repoRoot,
      { KUBEOVN_RELEASE_DIR: artifacts, PATH: process.env.PATH, TS_NODE_PROJECT: path.join(repoRoot, "tsconfig.json") },
    );
    log(`release artifacts built in ${((Date.now() - started) / 1000).toFixed(0)}s into ${artifacts}`);
    execFileSync("sha256sum", ["--check", "--quiet", "SHA256SUMS"], { cwd: artifacts });
    // The plugin as the SDKs' pluginDownloadURL would fetch it, installed from its release archive.
    const archive = artifact(/^pulumi-resource-kubeovn-v.*-linux-amd64\.tar\.gz$/);
    await run("pulumi", ["plugin", "install", "resource", "kubeovn", `v${VERSION}`, "--file", archive], scratch);
  });

  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === "failed") failed = true;
  });

  after(() => {
    if (!scratch) return;
    if (failed) log(`a test failed: its projects and artifacts are kept in ${scratch}`);
    else fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe("npm: a new TypeScript project installs the tarball", function () {
    before(async function () {
      this.timeout(10 * 60_000);
      installed = dir("typescript");
      fs.cpSync(path.join(__dirname, "project"), installed, { recursive: true });
      fs.writeFileSync(path.join(installed, "package.json"), JSON.stringify({ name: "consumer-ts", private: true }));
      // Install scripts skipped: @pulumi/kubernetes' would download its plugin from GitHub, which the
      // toolchain provides here.
      await run(
        "npm",
        [
          "install",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          artifact(/^pulumi-kubeovn-.*\.tgz$/),
          "@pulumi/pulumi@3.248.0",
          "typescript@5.9.3",
          "@types/node@20.19.25",
        ],
        installed,
      );
      await run("npx", ["--no-install", "tsc", "-p", "."], installed);
    });

    it("imports from compiled JavaScript with no TypeScript tooling of ours installed", () => {
      const manifest = JSON.parse(
        fs.readFileSync(path.join(installed, "node_modules", "pulumi-kubeovn", "package.json"), "utf8"),
      );
      assert.equal(manifest.version, VERSION);
      assert.ok(!fs.existsSync(path.join(installed, "node_modules", "ts-node")), "ts-node was installed");
      assert.ok(!fs.existsSync(path.join(installed, "node_modules", "pulumi-kubeovn", "provider", "index.ts")));
    });

    it("its plugin, given by path, serves the schema (what `pulumi package add <path>` reads)", async () => {
      const plugin = path.join(installed, "node_modules", "pulumi-kubeovn", "bin", "pulumi-resource-kubeovn");
      const schema = JSON.parse(await run("pulumi", ["package", "get-schema", plugin], installed));
      assert.equal(schema.name, "kubeovn");
      assert.equal(schema.version, VERSION);
      assert.ok(schema.resources["kubeovn:index:TenantNetwork"]?.isComponent, "TenantNetwork is a component");
      assert.equal(schema.pluginDownloadURL, "github://api.github.com/pulumi-kubeovn/pulumi-kubeovn");
    });

    it("up creates the tenant's objects", async () => {
      const up = await runJson(process.execPath, ["out/run.js", "up"], installed);
      // The runner sees the engine's events (so an empty list from the preview below means no changes).
      assert.ok(
        up.changes.some((c) => c.startsWith("create ")),
        `creates in ${up.changes}`,
      );
      assert.match(up.outputs.eips.egress, /^203\.0\.113\.\d+$/);
      const objects = await ourObjects();
      assert.ok(objects.includes(`Vpc/${up.outputs.vpcName}`), `Vpc/${up.outputs.vpcName} in ${objects}`);
      assert.ok(objects.includes("Namespace/shop-web"), `Namespace/shop-web in ${objects}`);
    });

    it("a second preview shows no changes", async () => {
      await controller.settled();
      assert.deepEqual((await runJson(process.execPath, ["out/run.js", "preview"], installed)).changes, []);
    });

    it("destroy leaves nothing", async () => {
      await runJson(process.execPath, ["out/run.js", "destroy"], installed);
      assert.deepEqual(await ourObjects(), []);
    });
  });

  describe("kubeovn-tenants from the installed package", function () {
    const cli = (args: string[], codes = [0]) =>
      run("npx", ["--no-install", "kubeovn-tenants", "-f", "fleet.yaml", ...args], installed, {}, codes);

    it("apply creates the fleet's objects", async () => {
      await cli(["apply"]);
      const objects = await ourObjects();
      assert.ok(objects.includes("Namespace/fleet-web"), `Namespace/fleet-web in ${objects}`);
    });

    it("plan afterwards reports no changes (exit 0)", async () => {
      await controller.settled();
      await cli(["plan", "--markdown", "plan.md"]);
      assert.match(fs.readFileSync(path.join(installed, "plan.md"), "utf8"), /fleet/);
    });

    it("destroy of the tenant and then the cluster leaves nothing", async () => {
      await cli(["destroy", "fleet"]);
      await cli(["destroy", "cluster"]);
      assert.deepEqual(await ourObjects(), []);
    });
  });

  describe("YAML: the example on the plugin installed from its release archive", function () {
    let project: string;
    const pulumi = (args: string[]) => run("pulumi", args, project);

    before(async function () {
      project = dir("yaml");
      exampleProject("yaml", project);
      await pulumi(["stack", "init", "consumer-yaml"]);
    });

    it("pulumi up creates exactly the planned objects", async () => {
      await pulumi(["up", "--yes", "--skip-preview"]);
      await assertDemoObjects(JSON.parse(await pulumi(["stack", "output", "--json"])), controller);
    });

    it("a second preview shows no changes", async () => {
      await controller.settled();
      await pulumi(["preview", "--expect-no-changes"]);
    });

    it("destroy leaves nothing", async () => {
      await pulumi(["destroy", "--yes", "--skip-preview"]);
      assert.deepEqual(await ourObjects(), []);
    });
  });

  describe("Python: the wheel in a fresh virtualenv, the plugin from its release archive", function () {
    let project: string;
    let python: string;
    const op = (o: string) =>
      runJson(
        python,
        [path.join(RUNNERS, "run_python.py"), path.join(project, "__main__.py"), project, "consumer-py", o],
        project,
      );

    before(async function () {
      this.timeout(15 * 60_000);
      project = dir("python");
      exampleProject("python", project);
      fs.copyFileSync(path.join(repoRoot, "examples", "python", "__main__.py"), path.join(project, "__main__.py"));
      await run("python3", ["-m", "venv", "venv"], project);
      python = path.join(project, "venv", "bin", "python");
      const pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"];
      await run(python, [...pip, "pulumi==3.248.0", artifact(/\.whl$/)], project);
    });

    demoLifecycle(op);
  });

  describe("Go: go get of the SDK module from the release's module proxy", function () {
    let runner: string;
    let project: string;

    before(async function () {
      this.timeout(15 * 60_000);
      const root = dir("go");
      const example = path.join(root, "example");
      fs.cpSync(path.join(repoRoot, "examples", "go"), example, { recursive: true });
      fs.cpSync(path.join(RUNNERS, "gorunner"), path.join(root, "gorunner"), { recursive: true });
      project = dir("go-project");
      exampleProject("go", project);
      const goproxy = path.join(artifacts, "goproxy");
      const sdk = execFileSync("find", [goproxy, "-name", "list"], { encoding: "utf8" }).trim();
      const module = path.relative(goproxy, path.dirname(path.dirname(sdk)));
      const upstream = execFileSync("go", ["env", "GOPROXY"], { encoding: "utf8" }).trim();
      const goEnv = {
        GOPROXY: `file://${goproxy},${upstream}`,
        GONOSUMDB: module, // not published yet, so unknown to the checksum database
        GOFLAGS: "-mod=mod",
        GOTOOLCHAIN: "local",
        CGO_ENABLED: "0",
      };
      // The module cache keeps a version once fetched: this release's module must be the one built now.
      const modcache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
      // The extracted copy is <module>@v<version>, beside the download cache's zip: both must go.
      for (const cached of [
        path.join(modcache, `${module}@v${VERSION}`),
        path.join(modcache, "cache", "download", module),
      ]) {
        if (!fs.existsSync(cached)) continue;
        execFileSync("chmod", ["-R", "u+w", cached]);
        fs.rmSync(cached, { recursive: true, force: true });
      }
      const exampleModule = (await run("go", ["list", "-m"], example, goEnv)).trim();
      // The repository's `replace` lines (to its sdk/ and examples/) give way to the released module.
      for (const where of [example, path.join(root, "gorunner")]) {
        const replaces: { Old: { Path: string } }[] =
          JSON.parse(await run("go", ["mod", "edit", "-json"], where, goEnv)).Replace ?? [];
        for (const r of replaces) await run("go", ["mod", "edit", "-dropreplace", r.Old.Path], where, goEnv);
        if (where !== example)
          await run("go", ["mod", "edit", "-replace", `${exampleModule}=../example`], where, goEnv);
        await run("go", ["mod", "edit", "-require", `${module}@v${VERSION}`], where, goEnv);
        await run("go", ["get", `${module}@v${VERSION}`], where, goEnv);
      }
      runner = path.join(root, "gorunner", "gorunner");
      await run("go", ["build", "-trimpath", "-o", runner, "."], path.join(root, "gorunner"), goEnv);
      const used = await run("go", ["list", "-m", "-f", "{{.Dir}}", module], path.join(root, "gorunner"), goEnv);
      assert.ok(!path.resolve(used.trim()).startsWith(repoRoot), `the SDK comes from the module cache: ${used}`);
    });

    const op = (o: string) => runJson(runner, [project, "consumer-go", o], project);

    demoLifecycle(op);
  });
});
