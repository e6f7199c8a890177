import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";
import { componentProvider } from "../../provider/served";
import { SCHEMA_FILE, inferSchema } from "../../provider/provider";

describe("provider schema", () => {
  it("provider/schema.json is what the components' TypeScript infers (run `npm run schema` after changing args)", async function () {
    this.timeout(300_000); // runs the TypeScript compiler over the components: slow on a busy machine
    const fresh = JSON.parse(JSON.stringify(await inferSchema(componentProvider())));
    const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    assert.deepEqual(committed, fresh);
  });

  it("every input and output carries a description for the SDKs", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    const missing: string[] = [];
    const walk = (where: string, props: { [k: string]: { description?: string } } = {}) => {
      for (const [k, v] of Object.entries(props)) if (!v.description) missing.push(`${where}.${k}`);
    };
    for (const [t, r] of Object.entries<any>(schema.resources)) {
      walk(`${t} input`, r.inputProperties);
      walk(`${t} output`, r.properties);
    }
    for (const [t, ty] of Object.entries<any>(schema.types)) walk(t, ty.properties);
    assert.deepEqual(missing, []);
  });

  it("the SDKs carry the publishable names, package.json's version and the plugin's download URL", () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    const sdk = (...p: string[]) => fs.readFileSync(path.join(repoRoot, "sdk", ...p), "utf8");
    const server = "github://api.github.com/pulumi-kubeovn/pulumi-kubeovn";
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    assert.equal(schema.version, version);
    assert.equal(schema.pluginDownloadURL, server);
    assert.equal(schema.repository, "https://github.com/pulumi-kubeovn/pulumi-kubeovn");

    const npm = JSON.parse(sdk("nodejs", "package.json"));
    assert.equal(npm.name, "@pulumi-kubeovn/sdk");
    assert.equal(npm.version, version);
    assert.deepEqual(npm.pulumi, { resource: true, name: "kubeovn", version, server });

    const pyproject = sdk("python", "pyproject.toml");
    assert.match(pyproject, /^ {2}name = "pulumi_kubeovn"$/m); // PyPI normalises it to pulumi-kubeovn
    assert.match(pyproject, new RegExp(`^ {2}version = "${version.replace(/\./g, "\\.")}"$`, "m"));
    assert.ok(!fs.existsSync(path.join(repoRoot, "sdk", "python", "setup.py")), "no setup.py beside pyproject.toml");
    assert.ok(fs.existsSync(path.join(repoRoot, "sdk", "python", "README.md")), "the README pyproject.toml names");

    assert.match(sdk("go", "go.mod"), /^module github\.com\/pulumi-kubeovn\/pulumi-kubeovn\/sdk\/go$/m);
    // Not the generator's v3.30.0: the code calls what the pinned release's SDK has.
    const pulumi = /^PULUMI_VERSION=(\S+)$/m.exec(
      fs.readFileSync(path.join(repoRoot, "toolchain", "versions.env"), "utf8"),
    );
    assert.ok(sdk("go", "go.mod").includes(`require github.com/pulumi/pulumi/sdk/v3 v${pulumi?.[1]}\n`));
    for (const plugin of [
      sdk("go", "kubeovn", "pulumi-plugin.json"),
      sdk("python", "pulumi_kubeovn", "pulumi-plugin.json"),
    ])
      assert.deepEqual(JSON.parse(plugin), { resource: true, name: "kubeovn", version, server });
  });

  it("marks the resources the components declare for themselves as internal in every SDK's docs", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    const internal = Object.entries<any>(schema.resources)
      .filter(([, r]) => /^Internal: declared by \w+( and \w+)?, not for direct use/.test(r.description))
      .map(([t]) => t);
    assert.deepEqual(internal.sort(), ["kubeovn:index:Teardown", "kubeovn:index:WebhookCertificate"]);
    const docs = [
      ["nodejs", "teardown.ts"],
      ["nodejs", "webhookCertificate.ts"],
      ["python", "pulumi_kubeovn", "teardown.py"],
      ["python", "pulumi_kubeovn", "webhook_certificate.py"],
      ["go", "kubeovn", "teardown.go"],
      ["go", "kubeovn", "webhookCertificate.go"],
    ];
    for (const file of docs)
      assert.match(
        fs.readFileSync(path.join(repoRoot, "sdk", ...file), "utf8"),
        /Internal: declared by/,
        file.join("/"),
      );
  });
});
