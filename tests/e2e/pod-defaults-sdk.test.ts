import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ExampleStack, prepareGo, preparePython, type RunResult } from "./support/examples";

const ROUTES = "ovn.kubernetes.io/routes";
const INHERITED = [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }];
const OWN = [{ dst: "192.168.0.0/16", gw: "10.10.1.1" }];

// Python and Go programs give the workloads they declare their namespace's pod defaults in the preview,
// through their SDK's transform and the provider function applyPodDefaults served by the plugin. Both
// programs declare the same tenant and workloads (support/examples/pod_defaults_program.py and
// support/examples/gorunner/poddefaults).
const PROGRAMS: { language: string; prepare: () => string[] }[] = [
  {
    language: "python",
    prepare: () => preparePython(path.join(__dirname, "support", "examples", "pod_defaults_program.py")),
  },
  { language: "go", prepare: () => prepareGo("pod-defaults") },
];

/** The planned inputs of the resource of `type` named `name`. */
function planned(preview: RunResult, type: string, name: string): any {
  const urn = Object.keys(preview.planned ?? {}).find((u) => u.endsWith(`::${type}::${name}`));
  assert.ok(urn, `${type} ${name} is in the preview (planned: ${Object.keys(preview.planned ?? {}).join(", ")})`);
  return preview.planned?.[urn];
}

describe("pod defaults in Python and Go programs, through the SDKs' transforms", function () {
  for (const { language, prepare } of PROGRAMS) {
    describe(language, function () {
      let stack: ExampleStack;
      let preview: RunResult;

      before(async function () {
        this.timeout(30 * 60_000); // a cold Python or Go set-up downloads and compiles for minutes
        stack = new ExampleStack(language, prepare());
        preview = await stack.run("preview");
      });

      after(function () {
        stack?.cleanup();
      });

      it("a Deployment in a tenant namespace shows the inherited route in its pod template, its own annotation kept", function () {
        const annotations = planned(preview, "kubernetes:apps/v1:Deployment", "web").spec.template.metadata.annotations;
        assert.deepEqual(JSON.parse(annotations?.[ROUTES] ?? "null"), INHERITED, JSON.stringify(annotations));
        assert.equal(annotations["app.example/keep"], "yes");
      });

      it("a Deployment outside the tenant namespaces is left exactly as written", function () {
        const outside = planned(preview, "kubernetes:apps/v1:Deployment", "outside");
        assert.deepEqual(outside.spec.template.metadata.annotations, { "app.example/keep": "yes" });
      });

      it("a security group scoped by a pod selector binds the labelled Pod only, not the other workloads", function () {
        const front = planned(preview, "kubernetes:core/v1:Pod", "front").metadata.annotations;
        assert.equal(front?.["ovn.kubernetes.io/security_groups"], "acme--web", JSON.stringify(front));
        const web = planned(preview, "kubernetes:apps/v1:Deployment", "web").spec.template.metadata.annotations;
        assert.equal(web["ovn.kubernetes.io/security_groups"], undefined, JSON.stringify(web));
      });

      it("a Pod with its own route to the same destination keeps it (the pod wins)", function () {
        const pod = planned(preview, "kubernetes:core/v1:Pod", "own-route");
        assert.deepEqual(JSON.parse(pod.metadata.annotations[ROUTES]), OWN);
      });
    });
  }
});
