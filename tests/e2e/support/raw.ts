/**
 * The baseline: Kube-OVN objects declared directly as plain pulumi-kubernetes resources, with no
 * component, no planning in the program and no teardown. What doing this through Pulumi costs at least.
 */
import * as k8s from "@kubernetes/client-node";
import * as k8sPulumi from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type PlannedObject, creationOrder } from "../../../provider/core";
import { kubeConfig } from "./cluster";
import { type InlineStack, PLURAL, openInlineStack } from "./stack";

export interface RawOptions {
  /** pulumi-kubernetes `customTimeouts.delete` of every object, e.g. "60s" (default: its own, 10 minutes). */
  deleteTimeout?: string;
}

/** The objects of several plans as one list: ids are only unique within a plan, so each gets its plan's name in front. */
export function mergePlans(plans: { tenant: string; objects: PlannedObject[] }[]): PlannedObject[] {
  return plans.flatMap((p) =>
    p.objects.map((o) => ({
      ...o,
      id: `${p.tenant}/${o.id}`,
      dependsOn: o.dependsOn.map((d) => `${p.tenant}/${d}`),
      ...(o.replacedWith ? { replacedWith: o.replacedWith.map((d) => `${p.tenant}/${d}`) } : {}),
    })),
  );
}

/** A stack declaring `objects` (already planned, so planning costs nothing here) as plain resources, in dependency order. */
export function openRawStack(name: string, objects: PlannedObject[], o: RawOptions = {}): Promise<InlineStack> {
  const program = async () => {
    const byId = new Map(objects.map((x) => [x.id, x]));
    const declared = new Map<string, pulumi.CustomResource>();
    const base: pulumi.CustomResourceOptions = o.deleteTimeout ? { customTimeouts: { delete: o.deleteTimeout } } : {};
    for (const id of creationOrder(objects)) {
      const x = byId.get(id) as PlannedObject;
      const opts = { ...base, dependsOn: x.dependsOn.map((d) => declared.get(d) as pulumi.CustomResource) };
      const rname = `${x.kind}-${x.metadata.name}`;
      declared.set(
        id,
        x.kind === "Namespace"
          ? new k8sPulumi.core.v1.Namespace(rname, { metadata: x.metadata }, opts)
          : new k8sPulumi.apiextensions.CustomResource(
              rname,
              { apiVersion: x.apiVersion, kind: x.kind, metadata: x.metadata, spec: x.spec },
              opts,
            ),
      );
    }
  };
  return openInlineStack(name, program);
}

/** Removes every finalizer from the cluster-scoped Kube-OVN objects among `objects`, so stuck deletes finish. */
export async function releaseFinalizers(objects: PlannedObject[]): Promise<void> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  for (const x of objects) {
    const plural = PLURAL[x.kind];
    if (!plural) continue;
    await api
      .patchClusterCustomObject(
        { group: "kubeovn.io", version: "v1", plural, name: x.metadata.name, body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
  }
}
