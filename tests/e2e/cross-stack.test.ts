import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { planCluster, planTenant } from "../../provider/core";
import { pluginBin, repoRoot } from "../../provider/automation/env";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { loadDemo } from "../support/demo";
import { kubeOvn } from "./support/cluster";
import { type DemoStack, openProgramStack, ourObjects } from "./support/stack";

/** The demo split the way platform teams run it: the cluster network in one stack, a tenant in another. */
function programs(): { cluster: any; tenant: any } {
  const demo = YAML.parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));
  const plugins = { providers: [{ name: "kubeovn", path: pluginBin }] };
  return {
    cluster: {
      name: "kubeovn-cluster",
      runtime: "yaml",
      plugins,
      resources: { cluster: demo.resources.cluster },
      outputs: { clusterInfo: "${cluster.info}" },
    },
    tenant: {
      name: "kubeovn-tenant-acme",
      runtime: "yaml",
      plugins,
      resources: {
        platform: {
          type: "pulumi:pulumi:StackReference",
          properties: { name: "organization/kubeovn-cluster/cluster" },
        },
        acme: {
          ...demo.resources.acme,
          properties: { ...demo.resources.acme.properties, cluster: '${platform.outputs["clusterInfo"]}' },
        },
      },
      outputs: { eips: "${acme.eipAddresses}", interconnectIp: "${acme.interconnectIp}" },
    },
  };
}

describe("a tenant in its own stack, given only what the cluster stack exports", function () {
  let controller: KubeOvn;
  let cluster: DemoStack;
  let tenant: DemoStack;
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-shared-state-"));

  before(async function () {
    controller = kubeOvn();
    const p = programs();
    cluster = await openProgramStack("cluster", p.cluster, backend);
    tenant = await openProgramStack("acme", p.tenant, backend);
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    cluster?.cleanup();
    tenant?.cleanup();
    fs.rmSync(backend, { recursive: true, force: true });
  });

  it("the tenant stack gets the addresses the planner gives it, and previews clean", async function () {
    await cluster.stack.up({ onOutput: () => undefined });
    const up = await tenant.stack.up({ onOutput: () => undefined });
    const specs = loadDemo();
    const expected = planTenant(specs.tenants[0], planCluster(specs.cluster).info).addresses;
    assert.deepEqual(up.outputs.eips.value, { egress: expected.eips.egress.v4ip, web: expected.eips.web.v4ip });
    assert.equal(up.outputs.interconnectIp.value, expected.interconnectIp);
    await controller.settled();
    assert.deepEqual(await tenant.preview(), []);
    assert.ok((await ourObjects()).includes("Subnet/acme--web"));
  });

  it("destroying the tenant, then the cluster stack, leaves nothing", async function () {
    await tenant.stack.destroy({ onOutput: () => undefined });
    assert.deepEqual(
      (await ourObjects()).filter((o) => /acme/.test(o)),
      [],
    );
    await cluster.stack.destroy({ onOutput: () => undefined });
    assert.deepEqual(await ourObjects(), []);
  });
});
