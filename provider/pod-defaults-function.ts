// biome-ignore-all lint/suspicious/noExplicitAny: the engine hands a function untyped arguments; they are checked here.
/**
 * The provider function `kubeovn:index:applyPodDefaults`: what the in-program transforms of the Python
 * and Go SDKs call to give a workload's pods its namespace's defaults in the preview, as TypeScript's
 * podDefaultsTransform does in process. The merge is the planning core's (applyNamespaceDefaults), so
 * every language, the webhook and the TypeScript transform apply exactly the same rules.
 */
import {
  type AppliedPodDefaults,
  POD_DEFAULTS_ANNOTATION,
  type PodDefaults,
  applyNamespaceDefaults,
  readPodDefaults,
} from "./core/pod-defaults";

export const APPLY_POD_DEFAULTS = "kubeovn:index:applyPodDefaults";

export const applyPodDefaultsSchema = {
  description:
    "The pod annotations a workload's pods get from their namespace's defaults (routes, attachments, security " +
    "groups, port security): the same merge as the PodDefaultsWebhook and TypeScript's podDefaultsTransform. " +
    "The Python and Go SDKs' pod defaults transforms (`pulumi_kubeovn.pod_defaults`, `kubeovn.RegisterPodDefaultsTransform`) " +
    "call it for every Pod and pod template declared in the program, so the preview shows what the pods inherit.",
  inputs: {
    properties: {
      podDefaults: {
        type: "object",
        additionalProperties: { $ref: "#/types/kubeovn:index:PodDefaults" },
        description: "Pod defaults by namespace: the `podDefaults` outputs of one or more TenantNetworks, merged.",
      },
      namespace: {
        type: "string",
        description: "The workload's namespace (its pods run there). None: nothing is applied.",
      },
      annotations: {
        type: "object",
        additionalProperties: { type: "string" },
        description: "The annotations of the workload's pods as written (a Pod's own, or its pod template's).",
      },
      labels: {
        type: "object",
        additionalProperties: { type: "string" },
        description:
          "The labels of the workload's pods (a Pod's own, or its pod template's): they decide which defaults scoped by a pod selector apply.",
      },
    },
    required: ["podDefaults"],
  },
  outputs: {
    properties: {
      applied: {
        type: "boolean",
        description: "Whether the defaults added anything; when not, `annotations` are the ones given.",
      },
      annotations: {
        type: "object",
        additionalProperties: { type: "string" },
        description: "The pods' annotations with what they inherit added (their own values always win).",
      },
      warnings: {
        type: "array",
        items: { type: "string" },
        description: "Pod annotations that could not be read and were kept as they are, one line each.",
      },
    },
    required: ["applied", "warnings"],
  },
};

/** Without null members: SDKs send an unset optional field as null. */
const withoutNulls = (v: any): any =>
  Array.isArray(v)
    ? v.map(withoutNulls)
    : v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (x === null ? [] : [[k, withoutNulls(x)]])))
      : v;

const isStringMap = (v: unknown): v is { [k: string]: string } =>
  !!v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/** Checks the arguments and applies the defaults; failures name the argument and what is wrong with it. */
export function invokeApplyPodDefaults(args: any): {
  outputs?: AppliedPodDefaults;
  failures?: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  const byNamespace: { [namespace: string]: PodDefaults } = {};
  const given = args?.podDefaults;
  if (!given || typeof given !== "object" || Array.isArray(given))
    failures.push({ property: "podDefaults", reason: "must be a map of namespace to pod defaults" });
  else
    for (const [ns, d] of Object.entries(given)) {
      // The same checks as a namespace's annotation gets from the webhook.
      const { defaults, problem } = readPodDefaults({ [POD_DEFAULTS_ANNOTATION]: JSON.stringify(withoutNulls(d)) });
      if (problem)
        failures.push({ property: `podDefaults.${ns}`, reason: problem.replace(/^namespace annotation \S+ /, "") });
      else if (defaults) byNamespace[ns] = defaults;
    }
  const { namespace, annotations, labels } = args ?? {};
  if (namespace !== undefined && namespace !== null && typeof namespace !== "string")
    failures.push({ property: "namespace", reason: "must be a string" });
  if (annotations !== undefined && annotations !== null && !isStringMap(annotations))
    failures.push({ property: "annotations", reason: "must be a map of strings" });
  if (labels !== undefined && labels !== null && !isStringMap(labels))
    failures.push({ property: "labels", reason: "must be a map of strings" });
  if (failures.length) return { failures };
  return {
    outputs: applyNamespaceDefaults(byNamespace, namespace ?? undefined, annotations ?? undefined, labels ?? undefined),
  };
}
