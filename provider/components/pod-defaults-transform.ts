/**
 * The in-program half of pod defaults: a Pulumi resource transform that applies the same merge as the
 * admission webhook to Pods and pod templates declared in the program, so a preview already shows
 * the routes and attachments each workload will get.
 */
import * as pulumi from "@pulumi/pulumi";
import { POD_METADATA_PATHS, type PodDefaults, applyNamespaceDefaults } from "../core";

const isPlainObject = (v: unknown): v is { [k: string]: unknown } =>
  !!v && typeof v === "object" && !Array.isArray(v) && !pulumi.Output.isInstance(v);

/** Copies `obj` along `path`, replacing the value at the end of it. */
function setIn(obj: { [k: string]: unknown }, path: readonly string[], value: unknown): { [k: string]: unknown } {
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
    const path = POD_METADATA_PATHS[args.type];
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
    // The pods' labels (a template's labels for a workload) pick the defaults scoped by pod selectors.
    const merged = pulumi.all([all, namespace, own, at.labels]).apply(([defaults, ns, annotations, labels]) => {
      const out = applyNamespaceDefaults(
        defaults,
        typeof ns === "string" ? ns : undefined,
        annotations as { [k: string]: string } | undefined,
        labels as { [k: string]: string } | undefined,
      );
      for (const w of out.warnings) pulumi.log.warn(`${args.name}: ${w}`);
      // Nothing inherited: the workload's inputs stay exactly as written (no empty map, no diff).
      return out.annotations;
    });
    return { props: setIn(args.props, [...path, "annotations"], merged), opts: args.opts };
  };
}
