import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";
import { SCHEMA_FILE } from "../../provider/provider";

const LANGUAGES = ["nodejs", "python", "go"];
const SOURCE = /\.(ts|py|go)$/;

/** Runs scripts/gen-sdk.sh (the script behind `npm run sdk` and `npm run sdk:check`). */
function genSdk(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync("bash", [path.join(repoRoot, "scripts", "gen-sdk.sh"), ...args], { encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => SOURCE.test(f))
    .map((f) => path.join(dir, f));
}

/** A language's SDK sources as one text with comment markers dropped and whitespace collapsed. */
function sdkText(dir: string): string {
  return sources(dir)
    .map((f) => fs.readFileSync(f, "utf8"))
    .join("\n")
    .replace(/^\s*(\/\/|\*|#)/gm, " ")
    .replace(/\s+/g, " ");
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

describe("generated SDKs", function () {
  let scratch: string;
  const schema = () => JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));

  before(function () {
    this.timeout(20 * 60_000); // the first run builds the generator
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-sdk-"));
    assert.equal(genSdk("--out", path.join(scratch, "fresh")).status, 0);
  });

  after(function () {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("every component, field and enum value carries its documentation into each language", function () {
    const s = schema();
    const docs: string[] = [];
    for (const r of Object.values<any>(s.resources)) {
      docs.push(r.description);
      for (const p of [...Object.values<any>(r.inputProperties ?? {}), ...Object.values<any>(r.properties ?? {})])
        docs.push(p.description);
    }
    for (const t of Object.values<any>(s.types)) {
      for (const p of Object.values<any>(t.properties ?? {})) docs.push(p.description);
      for (const e of t.enum ?? []) docs.push(e.description);
    }
    assert.ok(docs.length > 100, `only ${docs.length} descriptions in the schema`);
    for (const language of LANGUAGES) {
      const text = sdkText(path.join(scratch, "fresh", language));
      const missing = [...new Set(docs)].filter((d) => !d || !text.includes(squash(d)));
      assert.deepEqual(missing, [], `${language}: descriptions missing from the SDK`);
    }
  });

  it("a type or description change in the schema shows up in every language after regeneration", function () {
    const s = schema();
    const tenant = s.resources["kubeovn:index:TenantNetwork"].inputProperties.tenant;
    tenant.description = "Tenant name, changed-description-marker.";
    s.types["kubeovn:index:TenantSubnetSpec"].properties.gateway.type = "integer";
    const modified = path.join(scratch, "modified.json");
    fs.writeFileSync(modified, JSON.stringify(s, null, 2));
    const out = path.join(scratch, "modified");
    assert.equal(genSdk("--schema", modified, "--out", out).status, 0);

    const expected: { [language: string]: RegExp[] } = {
      nodejs: [/gateway\?: number;/],
      python: [/gateway: Optional\[_builtins\.int\]/],
      go: [/Gateway \*int `pulumi:"gateway"`/],
    };
    for (const language of LANGUAGES) {
      const fresh = sdkText(path.join(scratch, "fresh", language));
      const text = sdkText(path.join(out, language));
      assert.ok(
        !fresh.includes("changed-description-marker") && text.includes("Tenant name, changed-description-marker."),
        `${language}: description`,
      );
      for (const re of expected[language]) {
        assert.ok(!re.test(fresh) && re.test(text), `${language}: expected ${re} after the type change only`);
      }
    }
  });

  it("the staleness check passes on a fresh generation and fails once the schema changed", function () {
    const copy = path.join(scratch, "copy");
    fs.cpSync(path.join(scratch, "fresh"), copy, { recursive: true });
    assert.equal(genSdk("--check", "--out", copy).status, 0);

    const s = schema();
    s.resources["kubeovn:index:ClusterNetwork"].description += " One more sentence.";
    const modified = path.join(scratch, "stale.json");
    fs.writeFileSync(modified, JSON.stringify(s, null, 2));
    const check = genSdk("--check", "--schema", modified, "--out", copy);
    assert.equal(check.status, 1);
    assert.match(check.stderr, /sdk\/ is stale/);
  });
});
