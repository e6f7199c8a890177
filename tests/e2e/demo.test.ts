import { strict as assert } from "node:assert";
import { describeChanges } from "../../provider/automation/changes";
import { startStandInController, StandInController } from "../../localcluster/controller";
import { getCluster } from "./support/cluster";
import { assertDemoObjects } from "./support/demo-objects";
import { DemoStack, openDemoStack, ourObjects } from "./support/stack";

describe("the demo on the real engine and API server", function () {
    let demo: DemoStack;
    let controller: StandInController;

    before(async function () {
        controller = await startStandInController({ kubeconfigPath: getCluster().kubeconfigPath });
        demo = await openDemoStack("demo");
    });

    after(async function () {
        await controller?.stop();
        demo?.cleanup();
    });

    it("up creates exactly the planned objects, with the planned specs", async function () {
        const result = await demo.stack.up({ onOutput: () => undefined });
        assert.equal(result.summary.result, "succeeded");
        await assertDemoObjects(Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value])), controller);
    });

    it("a preview after the controller rewrote the objects shows no changes", async function () {
        await controller.settled();
        const changes = await demo.preview();
        assert.deepEqual(describeChanges(changes), []);
    });

    it("adding a DNAT rule previews as exactly one create (and the teardown's inventory growing)", async function () {
        const acme = demo.program.resources.acme.properties;
        acme.dnatRules.push({ name: "ssh", eip: "web", protocol: "tcp", externalPort: 2222, internalIp: "10.10.1.11", internalPort: 22 });
        demo.write();
        const changes = await demo.preview();
        assert.deepEqual(
            changes.map((c) => [c.op, c.name, c.type]),
            [
                ["create", "acme-dnat-ssh", "kubernetes:kubeovn.io/v1:IptablesDnatRule"],
                ["update", "acme-teardown", "kubeovn:index:Teardown"],
            ],
            describeChanges(changes).join("\n"),
        );
        acme.dnatRules.pop();
        demo.write();
    });

    it("changing a namespace route previews as exactly one update of that namespace's annotation", async function () {
        const acme = demo.program.resources.acme.properties;
        acme.namespaces[0].routes[0].gw = "10.10.1.252";
        demo.write();
        const changes = await demo.preview();
        assert.deepEqual(changes.map((c) => [c.op, c.name]), [["update", "acme-namespace-acme-web"]], describeChanges(changes).join("\n"));
        const paths = Object.keys(changes[0].diffs);
        assert.ok(paths.length > 0 && paths.every((p) => p.startsWith("metadata.annotations")), paths.join(", "));
        acme.namespaces[0].routes[0].gw = "10.10.1.253";
        demo.write();
    });

    it("changing a NAT gateway's lanIp previews as a replacement, not a silent update", async function () {
        const globex = demo.program.resources.globex.properties;
        globex.natGateway.lanIp = "10.10.1.250";
        demo.write();
        const changes = await demo.preview();
        // The gateway is replaced; the VPC's default route follows the new lanIp; the teardown's
        // inventory is unchanged (same objects).
        assert.deepEqual(
            changes.map((c) => [c.op, c.name, Object.keys(c.diffs).join(",")]),
            [
                ["update", "globex-vpc", "spec.staticRoutes[1].nextHopIP"],
                ["replace", "globex-nat-gateway", "spec.lanIp"],
            ],
            describeChanges(changes).join("\n"),
        );
        globex.natGateway.lanIp = "10.10.1.254";
        demo.write();
    });

    it("destroy leaves nothing of ours in the cluster", async function () {
        const result = await demo.stack.destroy({ onOutput: () => undefined });
        assert.equal(result.summary.result, "succeeded");
        assert.deepEqual(await ourObjects(), []);
    });
});
