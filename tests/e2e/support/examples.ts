/**
 * Runs the examples in examples/ the way their users consume the package: the TypeScript one with
 * the SDK as a `file:` dependency, the Python one in a virtualenv with the SDK pip-installed, the Go
 * one with a `replace` to sdk/go, the YAML one as is. Language set-up is cached outside the
 * repository (per content digest), so only the first run pays for it.
 *
 * The toolchain has no nodejs/python/go language host, so the three programs run as Automation API
 * inline programs (one small runner per language, in ./examples) rather than through `pulumi up`.
 */
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { pluginBin, repoRoot } from "../../../provider/automation/env";
import { pulumiEnv } from "../../../localcluster/pulumi-env";
import { getCluster } from "./cluster";

export const EXAMPLES = path.join(repoRoot, "examples");
const RUNNERS = path.join(__dirname, "examples");
const CACHE = process.env.KUBEOVN_TOOLCHAIN_CACHE ?? path.join(os.homedir(), ".cache", "pulumi-kubeovn");

const log = (line: string) => process.stderr.write(`      [examples] ${line}\n`);

/** Runs a set-up command, its output on stderr; throws with the command line when it fails. */
function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd, env, stdio: ["ignore", process.stderr, process.stderr] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${r.error ?? `exit ${r.status}`}`);
}

function digest(...files: string[]): string {
  const h = crypto.createHash("sha256");
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest("hex").slice(0, 12);
}

function timed<T>(what: string, f: () => T): T {
  const started = Date.now();
  const out = f();
  log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return out;
}

/** The TypeScript example's dependencies, installed into examples/typescript/node_modules from its lock file. */
export function prepareTypeScript(): string[] {
  const dir = path.join(EXAMPLES, "typescript");
  const installed = path.join(dir, "node_modules", ".package-lock.json");
  if (
    !fs.existsSync(installed) ||
    fs.statSync(installed).mtimeMs < fs.statSync(path.join(dir, "package-lock.json")).mtimeMs
  ) {
    timed("npm ci in examples/typescript", () => sh("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], dir));
  }
  return [...nodeRunner(), path.join(dir, "index.ts")];
}

/** run-node.ts under ts-node, with the repository's own @pulumi/pulumi for the Automation API. */
function nodeRunner(): string[] {
  const tsNode = path.join(repoRoot, "node_modules", "ts-node", "register", "transpile-only");
  return [process.execPath, "--require", tsNode, path.join(RUNNERS, "run-node.ts"), "%WORKDIR%", "%STACK%", "%OP%"];
}

/**
 * A virtualenv (cached per requirements.txt) with the Python example's requirements, the SDK freshly
 * installed; the command runs `program` (default: the example's __main__.py).
 */
export function preparePython(program = path.join(EXAMPLES, "python", "__main__.py")): string[] {
  const dir = path.join(EXAMPLES, "python");
  const venv = path.join(CACHE, `python-venv-${digest(path.join(dir, "requirements.txt"))}`);
  const python = path.join(venv, "bin", "python");
  if (!fs.existsSync(path.join(venv, ".complete"))) {
    fs.rmSync(venv, { recursive: true, force: true });
    timed("virtualenv with requirements.txt", () => {
      sh("python3", ["-m", "venv", venv], dir);
      sh(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"], dir);
    });
    fs.writeFileSync(path.join(venv, ".complete"), "");
  }
  // The SDK changes with the schema; the cached venv must always run the current one. Installed
  // from a copy so pip's build leftovers stay out of sdk/.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-sdk-python-"));
  try {
    fs.cpSync(path.join(repoRoot, "sdk", "python"), copy, { recursive: true });
    timed("pip install sdk/python", () =>
      sh(
        python,
        ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--force-reinstall", copy],
        dir,
      ),
    );
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
  return [python, path.join(RUNNERS, "run_python.py"), program, "%WORKDIR%", "%STACK%", "%OP%"];
}

/**
 * The Go runner, built against examples/go and sdk/go (Go's own caches make rebuilds quick); it runs
 * `program`: the Go example, or the pod defaults program (./examples/gorunner/poddefaults).
 */
export function prepareGo(program: "example" | "pod-defaults" = "example"): string[] {
  const bin = path.join(CACHE, "examples", "gorunner");
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  timed("go build of the Go example's runner", () =>
    sh("go", ["build", "-trimpath", "-o", bin, "."], path.join(RUNNERS, "gorunner"), {
      ...process.env,
      GOFLAGS: "-mod=readonly",
      CGO_ENABLED: "0",
      GOTOOLCHAIN: "local",
    }),
  );
  return [bin, "%WORKDIR%", "%STACK%", "%OP%", program];
}

/** The YAML example runs through pulumi-language-yaml like any user's `pulumi up`. */
export function prepareYaml(): string[] {
  return nodeRunner();
}

export interface RunResult {
  /** `op urn` of every resource the operation changed. */
  changes: string[];
  outputs: { [name: string]: any };
  /** The inputs each resource of the operation is planned with, by URN (the Python and Go runners). */
  planned?: { [urn: string]: any };
  /** The engine's step events in order, each resource's start (`pre`) and end (`outputs`) (the Python runner). */
  steps?: { kind: "pre" | "outputs"; op: string; urn: string; sequence: number }[];
}

/** One stack of an example: its Pulumi.yaml in a scratch directory (plugin path made absolute), a local file backend. */
export class ExampleStack {
  readonly workDir: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly language: string,
    private readonly command: string[],
  ) {
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `kubeovn-example-${language}-`));
    const project = YAML.parse(fs.readFileSync(path.join(EXAMPLES, language, "Pulumi.yaml"), "utf8"));
    project.plugins.providers[0].path = pluginBin;
    fs.writeFileSync(path.join(this.workDir, "Pulumi.yaml"), YAML.stringify(project));
    const backend = path.join(this.workDir, ".state");
    fs.mkdirSync(backend);
    const toolchainBin = process.env.KUBEOVN_BIN_DIR as string;
    this.env = {
      ...process.env,
      ...pulumiEnv({ backendDir: backend, toolchainBin, kubeconfig: getCluster().kubeconfigPath }),
    };
  }

  /** Runs up, preview or destroy in a child process (so the test's event loop and controller keep running). */
  run(op: "up" | "preview" | "destroy"): Promise<RunResult> {
    const args = this.command.map((a) =>
      a.replace("%WORKDIR%", this.workDir).replace("%STACK%", `example-${this.language}`).replace("%OP%", op),
    );
    return new Promise((resolve, reject) => {
      const child = spawn(args[0], args.slice(1), { env: this.env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (s: string) => (out += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code !== 0)
          return reject(new Error(`${this.language} example: ${op} failed (exit ${code}):\n${err.slice(-4000)}`));
        resolve(JSON.parse(out.trim().split("\n").pop() as string));
      });
    });
  }

  cleanup(): void {
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}
