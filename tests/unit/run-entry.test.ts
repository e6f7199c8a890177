// bin/ runs the compiled build only when it is up to date, never an older build than the sources; an
// installed package (no sources) always runs its build.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";

/** A package laid out like ours, whose plugin entry says which copy ran. */
function fakePackage(): { root: string; run(): string; touch(file: string, secondsFromNow: number): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-run-entry-"));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  fs.mkdirSync(path.join(root, "bin"));
  for (const f of ["pulumi-resource-kubeovn", "launch.js"])
    fs.copyFileSync(path.join(repoRoot, "bin", f), path.join(root, "bin", f));
  fs.chmodSync(path.join(root, "bin", "pulumi-resource-kubeovn"), 0o755);
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(root, "node_modules"));
  write("package.json", "{}");
  write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", types: [] } }));
  write("tsconfig.build.json", "{}");
  write("provider/plugin.ts", 'export function main(args: string[]) { console.log("sources " + args.join(" ")); }\n');
  write("provider/core/net.ts", "export {};\n");
  write("build/provider/plugin.js", 'exports.main = (args) => console.log("build " + args.join(" "));\n');
  const touch = (file: string, secondsFromNow: number) => {
    const t = new Date(Date.now() + secondsFromNow * 1000);
    fs.utimesSync(path.join(root, file), t, t);
  };
  const past = (file: string) => touch(file, -60);
  ["package.json", "tsconfig.json", "tsconfig.build.json", "provider/plugin.ts", "provider/core/net.ts"].forEach(past);
  write("build/.stamp", "");
  const run = () => {
    const r = spawnSync(path.join(root, "bin", "pulumi-resource-kubeovn"), ["127.0.0.1:1"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  return { root, run, touch };
}

describe("bin/ entry points: compiled build or sources", function () {
  this.timeout(30_000);
  let pkg: ReturnType<typeof fakePackage>;
  beforeEach(() => (pkg = fakePackage()));
  afterEach(() => fs.rmSync(pkg.root, { recursive: true, force: true }));

  it("runs the build when nothing is newer than its stamp, passing the arguments on", () => {
    assert.equal(pkg.run(), "build 127.0.0.1:1");
  });

  it("runs the sources when any provider source is newer than the build", () => {
    pkg.touch("provider/core/net.ts", 5);
    assert.equal(pkg.run(), "sources 127.0.0.1:1");
  });

  for (const file of ["package.json", "tsconfig.json", "tsconfig.build.json"]) {
    it(`runs the sources when ${file} is newer than the build`, () => {
      pkg.touch(file, 5);
      assert.equal(pkg.run(), "sources 127.0.0.1:1");
    });
  }

  it("runs the sources when there is no stamp (never built, or a build in progress)", () => {
    fs.rmSync(path.join(pkg.root, "build", ".stamp"));
    assert.equal(pkg.run(), "sources 127.0.0.1:1");
  });

  it("an installed package (no TypeScript sources) runs its build, stamp or not", () => {
    fs.rmSync(path.join(pkg.root, "provider"), { recursive: true });
    fs.rmSync(path.join(pkg.root, "build", ".stamp"));
    pkg.touch("package.json", 5);
    assert.equal(pkg.run(), "build 127.0.0.1:1");
  });

  it("runs the sources when the build lacks the entry point", () => {
    fs.rmSync(path.join(pkg.root, "build", "provider", "plugin.js"));
    assert.equal(pkg.run(), "sources 127.0.0.1:1");
  });
});
