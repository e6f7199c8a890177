/**
 * The in-program half of pod defaults: a Pulumi resource transform that applies the same merge as the
 * admission webhook to Pods and pod templates declared in the program, so a preview already shows
 * the routes and attachments each workload will get.
 */
import * as pulumi from "@pulumi/pulumi";
import { type PodDefaults, mergePodDefaults } from "../core";

/** Where each kind keeps the metadata of the pods it creates. */
const POD_METADATA: { [type: string]: string[] } = {
  "kubernetes:core/v1:Pod": ["metadata"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "metadata"],
  "kubernetes:batch/v1:Job": ["spec", "template", "metadata"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "metadata"],
};

const isPlainObject = (v: unknown): v is { [k: string]: unknown } =>
  !!v && typeof v === "object" && !Array.isArray(v) && !pulumi.Output.isInstance(v);

/** Copies `obj` along `path`, replacing the value at the end of it. */
function setIn(obj: { [k: string]: unknown }, path: string[], value: unknown): { [k: string]: unknown } {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...obj, [head]: value };
  return { ...obj, [head]: setIn((obj[head] as { [k: string]: unknown }) ?? {}, rest, value) };
}

/**
 * A transform giving pods and pod templates in tenant namespaces their namespace's defaults. Pass the
 * `podDefaults` output of one or more TenantNetworks:
 *
 *     pulumi.runtime.registerResourceTransform(podDefaultsTransform(acme.podDefaults));
 *
 * Workloads outside those namespaces, or whose namespace is not known while the program runs, are
 * left alone (the webhook still covers them when they are created).
 */
export function podDefaultsTransform(
  ...podDefaults: pulumi.Input<{ [namespace: string]: PodDefaults }>[]
): pulumi.ResourceTransform {
  const all = pulumi
    .all(podDefaults)
    .apply((maps) => Object.assign({}, ...maps) as { [namespace: string]: PodDefaults });
  return async (args) => {
    const path = POD_METADATA[args.type];
    if (!path || !args.custom) return undefined;
    // Pods run in the namespace of the workload; a template's own namespace is ignored by Kubernetes.
    const namespace = (args.props.metadata as { namespace?: unknown } | undefined)?.namespace;
    let at: unknown = args.props;
    for (const key of path) {
      if (!isPlainObject(at)) return undefined;
      at = at[key] ?? {};
    }
    if (!isPlainObject(at)) return undefined;
    const own = at.annotations;
    const merged = pulumi.all([all, namespace, own]).apply(([defaults, ns, annotations]) => {
      const d = typeof ns === "string" ? defaults[ns] : undefined;
      if (!d) return annotations;
      const out = mergePodDefaults(annotations as { [k: string]: string } | undefined, d, ns as string);
      for (const w of out.warnings) pulumi.log.warn(`${args.name}: ${w}`);
      // Nothing inherited: keep the workload's inputs exactly as written (no empty map, no diff).
      return JSON.stringify(out.annotations) === JSON.stringify(annotations ?? {}) ? annotations : out.annotations;
    });
    return { props: setIn(args.props, [...path, "annotations"], merged), opts: args.opts };
  };
}
