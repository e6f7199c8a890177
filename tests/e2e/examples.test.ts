import { strict as assert } from "node:assert";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { kubeOvn } from "./support/cluster";
import { assertDemoObjects } from "./support/demo-objects";
import { ExampleStack, prepareGo, preparePython, prepareTypeScript, prepareYaml } from "./support/examples";
import { ourObjects } from "./support/stack";

// The same two-tenant setup in every language, each consuming the package as its users would.
const LANGUAGES: { language: string; prepare: () => string[] }[] = [
  { language: "typescript", prepare: prepareTypeScript },
  { language: "python", prepare: preparePython },
  { language: "go", prepare: prepareGo },
  { language: "yaml", prepare: prepareYaml },
];

describe("the examples in every language, on the real engine and API server", function () {
  let controller: KubeOvn;

  before(async function () {
    controller = kubeOvn();
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
  });

  for (const { language, prepare } of LANGUAGES) {
    describe(`examples/${language}`, function () {
      let stack: ExampleStack;

      before(function () {
        this.timeout(30 * 60_000); // a cold Python or Go set-up downloads and compiles for minutes
        stack = new ExampleStack(language, prepare());
      });

      after(function () {
        stack?.cleanup();
      });

      it("up creates exactly the planned objects, with the planned specs", async function () {
        const up = await stack.run("up");
        await assertDemoObjects(up.outputs, controller);
      });

      it("a preview after the controller rewrote the objects shows no changes", async function () {
        await controller.settled();
        assert.deepEqual((await stack.run("preview")).changes, []);
      });

      it("destroy leaves nothing of ours in the cluster", async function () {
        await stack.run("destroy");
        assert.deepEqual(await ourObjects(), []);
      });
    });
  }
});
