import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { startStandInController, StandInController } from "../../localcluster/controller";
import { getCluster, kubeConfig } from "./support/cluster";
import { leastPrivilegeKubeconfig } from "./support/rbac";
import { DemoStack, openDemoStack, ourObjects } from "./support/stack";

/** The demo reduced to the cluster network and tenant acme (two subnets), destroyed with a short grace period. */
async function acmeStack(name: string, kubeconfig: string): Promise<DemoStack> {
    const s = await openDemoStack(name);
    delete s.program.resources.globex;
    s.program.outputs = { acmeEips: "${acme.eipAddresses}" };
    s.program.config = { teardownKubeconfig: { type: "string", secret: true } };
    s.program.resources.acme.properties.teardown = { graceSeconds: 3, kubeconfig: "${teardownKubeconfig}" };
    s.write();
    await s.stack.setConfig("teardownKubeconfig", { value: kubeconfig, secret: true });
    return s;
}

/** Engine diagnostics of an operation: the warnings our teardown sent. */
function warningsOf(events: any[]): string[] {
    return events.filter((e) => e.diagnosticEvent?.severity === "warning").map((e) => e.diagnosticEvent.message as string);
}

const acmeKinds = (objs: string[]) => objs.filter((o) => /acme/.test(o));

describe("safe teardown: destroy never leaves a subnet behind", function () {
    let controller: StandInController;
    let creds: { kubeconfig: string; token: string };

    before(async function () {
        creds = await leastPrivilegeKubeconfig();
    });

    beforeEach(async function () {
        controller = await startStandInController({ kubeconfigPath: getCluster().kubeconfigPath });
    });

    afterEach(async function () {
        await controller.stop();
    });

    it("controller healthy: it releases everything itself, nothing is forced", async function () {
        const s = await acmeStack("healthy", creds.kubeconfig);
        try {
            await s.stack.up({ onOutput: () => undefined });
            await controller.settled();
            assert.ok(acmeKinds(await ourObjects()).length > 5);
            const events: any[] = [];
            await s.stack.destroy({ onEvent: (e) => events.push(e) });
            assert.deepEqual(warningsOf(events).filter((w) => /removed finalizer/.test(w)), []);
            assert.deepEqual(acmeKinds(await ourObjects()), []);
        } finally {
            s.cleanup();
        }
    });

    it("controller dead: destroy takes seconds, removes the finalizers itself and says so", async function () {
        const s = await acmeStack("dead", creds.kubeconfig);
        try {
            await s.stack.up({ onOutput: () => undefined });
            await controller.settled();
            controller.setMode("dead");
            const events: any[] = [];
            const started = Date.now();
            await s.stack.destroy({ onEvent: (e) => events.push(e) });
            const seconds = (Date.now() - started) / 1000;
            const warnings = warningsOf(events).filter((w) => /removed finalizer/.test(w));
            assert.ok(warnings.some((w) => /Subnet\/acme-web/.test(w)), warnings.join("\n"));
            assert.ok(warnings.some((w) => /Vpc\/acme/.test(w)), warnings.join("\n"));
            assert.ok(warnings.every((w) => /controller absent or unhealthy|kept subnet/.test(w)), warnings.join("\n"));
            assert.deepEqual(acmeKinds(await ourObjects()), []);
            assert.ok(seconds < 120, `destroy took ${seconds}s`);
            process.stderr.write(`      [e2e] dead-controller destroy of a two-subnet tenant: ${seconds.toFixed(1)}s, ${warnings.length} finalizers forced\n`);
        } finally {
            s.cleanup();
        }
    });

    it("leftover IP objects keep a subnet alive: they are cleaned up first", async function () {
        const s = await acmeStack("leftover", creds.kubeconfig);
        try {
            await s.stack.up({ onOutput: () => undefined });
            // A pod's IP object in acme-web, as kube-ovn-controller names them (<pod>.<namespace>).
            const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
            await api.createClusterCustomObject({
                group: "kubeovn.io",
                version: "v1",
                plural: "ips",
                body: { apiVersion: "kubeovn.io/v1", kind: "IP", metadata: { name: "web-0.acme-web" }, spec: { podName: "web-0", namespace: "acme-web", subnet: "acme-web", podType: "" } },
            });
            await controller.settled();
            const ip: any = await api.getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "ips", name: "web-0.acme-web" });
            assert.ok(ip.metadata.finalizers?.length, "the controller finalized the pod IP");
            await s.stack.destroy({ onOutput: () => undefined });
            const left = await api.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "ips" }) as any;
            assert.deepEqual(left.items.map((i: any) => i.metadata.name), []);
            assert.deepEqual(acmeKinds(await ourObjects()), []);
        } finally {
            s.cleanup();
        }
    });

    it("uninstall: the controller disappears first, then the tenant is destroyed; nothing remains", async function () {
        const s = await acmeStack("uninstall", creds.kubeconfig);
        try {
            await s.stack.up({ onOutput: () => undefined });
            await controller.settled();
            await controller.stop(); // as a Helm uninstall removes kube-ovn-controller
            await s.stack.destroy({ onOutput: () => undefined });
            assert.deepEqual(acmeKinds(await ourObjects()), []);
            // The teardown credentials are secrets in the state, never plain text.
            const state = JSON.stringify(await s.stack.exportStack());
            assert.ok(!state.includes(creds.token), "the teardown token appears in plain text in the state");
        } finally {
            s.cleanup();
        }
    });
});
