import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ExampleStack, preparePython } from "./support/examples";
import { ourObjects } from "./support/stack";

// Keys a Python program misspells in plain dicts reach the plugin untouched; its construct refuses
// them at preview, naming each path and the nearest valid key.
describe("strict input through the plugin: a Python program with misspelled keys", function () {
  let stack: ExampleStack;

  before(function () {
    this.timeout(30 * 60_000); // a cold Python set-up downloads for minutes
    stack = new ExampleStack(
      "python",
      preparePython(path.join(__dirname, "support", "examples", "strict_input_program.py")),
    );
  });

  after(function () {
    stack?.cleanup();
  });

  it("fails at preview naming every misspelled key's path and the key meant, and creates nothing", async function () {
    this.timeout(5 * 60_000);
    const before = await ourObjects();
    const err: Error = await stack.run("preview").then(
      () => assert.fail("the preview accepted misspelled keys"),
      (e: Error) => e,
    );
    assert.match(
      err.message,
      /subnets\[web\]\.gatway: "10\.10\.1\.1" is not a known key here: did you mean "gateway"\?/,
    );
    assert.match(
      err.message,
      /namespaces\[typo-web\]\.routes\[0\]\.dest: "192\.168\.0\.0\/16" is not a known key here: did you mean "dst"\?/,
    );
    assert.deepEqual(await ourObjects(), before);
  });
});
