// The published npm package: what it ships runs on its declared run-time dependencies alone.
import { strict as assert } from "node:assert";
import { builtinModules } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
const PROVIDER = path.join(repoRoot, "provider");

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every module a source imports at run time (type-only imports are erased and left out). */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const found: string[] = [];
  for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gm)) found.push(m[1]);
  for (const m of text.matchAll(/\b(?:require|import)\("([^"]+)"\)/g)) found.push(m[1]);
  return found;
}

const packageName = (spec: string) =>
  spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);

describe("the npm package", () => {
  it("is publishable: not private, entry points in the compiled build, bins as Node scripts", () => {
    assert.equal(pkg.private, undefined);
    assert.equal(pkg.main, "build/provider/index.js");
    assert.equal(pkg.types, "build/provider/index.d.ts");
    for (const bin of Object.values(pkg.bin) as string[]) {
      assert.match(fs.readFileSync(path.join(repoRoot, bin), "utf8"), /^#!\/usr\/bin\/env node\n/, bin);
    }
  });

  it("shipped code imports only Node built-ins, its own files and declared run-time dependencies", () => {
    const deps = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    for (const file of sources(PROVIDER)) {
      for (const spec of runtimeImports(file)) {
        const where = path.relative(repoRoot, file);
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          if (!target.startsWith(PROVIDER + path.sep)) problems.push(`${where}: ${spec} is outside provider/`);
        } else if (!builtins.has(spec.replace(/^node:/, "")) && !deps.has(packageName(spec))) {
          // The TypeScript compiler only transpiles the webhook when running from the sources.
          if (!(spec === "typescript" && where === path.join("provider", "webhook", "bundle.ts")))
            problems.push(`${where}: ${spec} is not a run-time dependency`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("ships the policy pack: a Node.js CrossGuard pack of the package's version, on the package's own files", () => {
    assert.ok(pkg.files.includes("policy-pack/"), "policy-pack/ is in the package's files");
    const dir = path.join(repoRoot, "policy-pack");
    assert.match(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
    // @pulumi/policy reports the pack's version from the package.json of the pack's directory.
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version, pkg.version);
    assert.ok(pkg.dependencies["@pulumi/policy"] && pkg.dependencies["@pulumi/pulumi"], "the runner's packages");
    const entry = fs.readFileSync(path.join(dir, "index.js"), "utf8");
    const required = [...entry.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.deepEqual(
      required.filter((r) => !r.startsWith("node:")),
      ["../bin/launch.js"],
      "the entry loads the compiled pack through the package's own launcher only",
    );
    assert.match(entry, /"build", "provider", "policy", "pack\.js"/);
  });

  it("the compiled webhook bundle is the one the sources transpile to", () => {
    const compiled = require(path.join(repoRoot, "build", "provider", "webhook", "bundle.js"));
    const prebuilt = JSON.parse(
      fs.readFileSync(path.join(repoRoot, "build", "provider", "webhook", compiled.PREBUILT), "utf8"),
    );
    assert.deepEqual(compiled.webhookBundle(), prebuilt);
    assert.deepEqual(prebuilt, compiled.transpileBundle());
  });
});
