import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";

const read = (...p: string[]) => YAML.parse(fs.readFileSync(path.join(repoRoot, ...p), "utf8"));

describe("examples", () => {
  it("the YAML example declares exactly the demo's resources and outputs", () => {
    const demo = read("Pulumi.yaml");
    const example = read("examples", "yaml", "Pulumi.yaml");
    assert.deepEqual(example.resources, demo.resources);
    assert.deepEqual(example.outputs, demo.outputs);
  });

  it("every example has a README and finds the provider plugin in the repository's bin/", () => {
    for (const language of ["typescript", "python", "go", "yaml"]) {
      assert.ok(fs.existsSync(path.join(repoRoot, "examples", language, "README.md")), `${language} README.md`);
      const project = read("examples", language, "Pulumi.yaml");
      assert.deepEqual(project.plugins.providers, [{ name: "kubeovn", path: "../../bin" }], language);
    }
  });
});
