/** Turns planned objects into pulumi-kubernetes resources, one per object, in dependency order. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type PlannedObject, creationOrder, replacementClosure } from "../core";
import { importId } from "../core/adopt";

export type Declared = Map<string, pulumi.CustomResource>;

export function declareObjects(
  parent: pulumi.ComponentResource,
  prefix: string,
  objects: PlannedObject[],
  opts: pulumi.CustomResourceOptions = {},
  adopted: ReadonlySet<string> = new Set(),
): Declared {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const declared: Declared = new Map();
  const replacedWith = replacementClosure(objects);
  for (const id of creationOrder(objects)) {
    const o = byId.get(id) as PlannedObject;
    const resourceOpts: pulumi.CustomResourceOptions = {
      ...opts,
      parent,
      dependsOn: o.dependsOn.map((d) => declared.get(d) as pulumi.CustomResource),
      // Our objects carry fixed cluster names, so a replacement must delete the old one first, but
      // for one replaced only when renamed (plan.ts createBeforeReplace).
      deleteBeforeReplace: !o.createBeforeReplace,
      replaceOnChanges: o.replaceOnChanges,
    };
    // An object the cluster has already is imported: the engine reads it instead of creating it.
    if (adopted.has(id) && !o.patch) resourceOpts.import = importId(o.metadata);
    const replaceWith = replacedWith.get(id) as string[];
    if (replaceWith.length) resourceOpts.replaceWith = replaceWith.map((d) => declared.get(d) as pulumi.CustomResource);
    declared.set(id, declareOne(`${prefix}-${id.replace(/\//g, "-")}`, o, resourceOpts));
  }
  return declared;
}

function declareOne(name: string, o: PlannedObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const metadata = o.metadata;
  if (o.kind === "Namespace") {
    return o.patch
      ? new k8s.core.v1.NamespacePatch(name, { metadata }, opts)
      : new k8s.core.v1.Namespace(name, { metadata }, opts);
  }
  if (o.kind === "ConfigMap") {
    return o.patch
      ? new k8s.core.v1.ConfigMapPatch(name, { metadata, data: o.data }, opts)
      : new k8s.core.v1.ConfigMap(name, { metadata, data: o.data }, opts);
  }
  return new k8s.apiextensions.CustomResource(
    name,
    { apiVersion: o.apiVersion, kind: o.kind, metadata, spec: o.spec },
    opts,
  );
}
