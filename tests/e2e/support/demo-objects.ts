/**
 * What a stack of the demo setup (cluster network + tenants acme and globex, in any language) must
 * have put in the API server: exactly the planned objects, with the planned specs.
 */
import { strict as assert } from "node:assert";
import { planCluster, planTenant, type PlannedObject } from "../../../provider/core";
import type { KubeOvn } from "../../../localcluster/kubeovn";
import { loadDemo } from "../../support/demo";
import { PLURAL, getKubeOvn, ourObjects } from "./stack";

/** `outputs`: the stack's outputs as plain values (acmeEips, acmeInterconnectIp, ...). */
export async function assertDemoObjects(outputs: { [name: string]: any }, controller: KubeOvn): Promise<void> {
  const specs = loadDemo();
  const cluster = planCluster(specs.cluster);
  const planned: PlannedObject[] = [
    ...cluster.objects,
    ...specs.tenants.flatMap((t) => planTenant(t, cluster.info).objects),
  ];
  // The plan computed here (no engine) and the one the provider ran agree on every address.
  const acme = planTenant(specs.tenants[0], cluster.info);
  assert.deepEqual(outputs.acmeEips, { egress: acme.addresses.eips.egress.v4ip, web: acme.addresses.eips.web.v4ip });
  assert.equal(outputs.acmeInterconnectIp, acme.addresses.interconnectIp);

  await controller.settled();
  for (const o of planned.filter((x) => PLURAL[x.kind])) {
    const live = await getKubeOvn(PLURAL[o.kind], o.metadata.name);
    for (const [field, value] of Object.entries(o.spec ?? {})) {
      assert.deepEqual(live.spec[field], value, `${o.kind}/${o.metadata.name} spec.${field}`);
    }
    // v1.16.2 finalizes everything here but the NAT gateway (docs/upstream-behaviour.md).
    if (o.kind !== "VpcNatGateway") {
      assert.ok(
        live.metadata.finalizers?.includes("kubeovn.io/kube-ovn-controller"),
        `${o.kind}/${o.metadata.name} was not finalized by the controller`,
      );
    }
  }
  const ours = await ourObjects();
  assert.equal(ours.filter((x) => x.startsWith("Namespace/")).length, 3);
  assert.equal(ours.length, planned.filter((o) => !o.patch && o.kind !== "ConfigMap").length);
}
