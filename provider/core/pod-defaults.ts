/**
 * What every pod of a tenant namespace inherits. The planner records it on the namespace as one JSON
 * annotation; the admission webhook (pods created by anyone) and the in-program transform (pods and pod
 * templates declared in a Pulumi program) read it and merge it into each pod's Kube-OVN annotations.
 */
import { type PodLabels, matchesPodSelector, podSelectorProblems } from "./pod-selector";
import type { PodRouteSpec, PodSelectorSpec } from "./spec";

/** Namespace annotation holding the JSON-encoded {@link PodDefaults} of the namespace. */
export const POD_DEFAULTS_ANNOTATION = "pulumi-kubeovn/pod-defaults";

/** An extra NIC every pod of the namespace gets, with the routes through it. */
export interface PodAttachment {
  /** The NetworkAttachmentDefinition, `<namespace>/<name>`. */
  network: string;
  /** Routes through this NIC (Kube-OVN's `<name>.<namespace>.ovn.kubernetes.io/routes`). */
  routes?: PodRouteSpec[];
}

/** What only the pods of a namespace matching `podSelector` inherit. */
export interface SelectedPodDefaults {
  /** The pods it applies to (Kubernetes LabelSelector semantics, on the pod's labels). */
  podSelector: PodSelectorSpec;
  /** Extra NICs and their routes, for the matching pods only. */
  attachments?: PodAttachment[];
  /** SecurityGroups bound to the primary NIC of the matching pods only. */
  securityGroups?: string[];
}

/** Everything a namespace's pods inherit. Empty members are omitted from the annotation. */
export interface PodDefaults {
  /** Routes of the primary NIC (Kube-OVN's `ovn.kubernetes.io/routes`). */
  routes?: PodRouteSpec[];
  /** Extra NICs (Multus `k8s.v1.cni.cncf.io/networks`) and their routes. */
  attachments?: PodAttachment[];
  /** Kube-OVN SecurityGroups bound to the primary NIC (`ovn.kubernetes.io/security_groups`). */
  securityGroups?: string[];
  /** Kube-OVN port security on the primary NIC (`ovn.kubernetes.io/port_security`). */
  portSecurity?: boolean;
  /** What only some pods of the namespace inherit, each entry for the pods its selector matches. */
  selected?: SelectedPodDefaults[];
  /**
   * SecurityGroups for the pods no `selected` entry binds to a group: a pod bound to any group drops
   * what no group allows, so pods outside every selected group keep their other traffic through these.
   */
  fallbackSecurityGroups?: string[];
}

// ---------------------------------------------------------------- the merge
// Dependency-free on purpose (type imports only): the webhook Deployment runs this file, transpiled,
// from a ConfigMap on a stock Node image.

/** Kube-OVN's routes of the primary NIC. */
export const POD_ROUTES_ANNOTATION = "ovn.kubernetes.io/routes";
/** Multus: the extra networks of a pod. */
export const POD_NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
export const POD_SECURITY_GROUPS_ANNOTATION = "ovn.kubernetes.io/security_groups";
export const POD_PORT_SECURITY_ANNOTATION = "ovn.kubernetes.io/port_security";

/**
 * Routes of an attachment NIC. Kube-OVN reads `<provider>.kubernetes.io/routes`, and the provider of a
 * NetworkAttachmentDefinition of type kube-ovn is `<name>.<namespace>.ovn`.
 */
export function attachmentRoutesAnnotation(network: string): string {
  const { namespace, name } = splitNetwork(network, "");
  return `${name}.${namespace}.ovn.kubernetes.io/routes`;
}

/** The namespace annotations that carry `defaults`; none when there is nothing to inherit. */
export function podDefaultsAnnotations(defaults: PodDefaults): { [key: string]: string } {
  const clean = compactDefaults(defaults);
  return Object.keys(clean).length ? { [POD_DEFAULTS_ANNOTATION]: JSON.stringify(clean) } : {};
}

/** `defaults` without empty members, routes written as Kube-OVN writes them (no empty `dst`). */
export function compactDefaults(defaults: PodDefaults): PodDefaults {
  const out: PodDefaults = {};
  if (defaults.routes?.length) out.routes = defaults.routes.map(routeOf);
  if (defaults.attachments?.length)
    out.attachments = defaults.attachments.map((a) =>
      a.routes?.length ? { network: a.network, routes: a.routes.map(routeOf) } : { network: a.network },
    );
  if (defaults.securityGroups?.length) out.securityGroups = [...defaults.securityGroups];
  if (defaults.portSecurity !== undefined) out.portSecurity = defaults.portSecurity;
  const selected = (defaults.selected ?? []).flatMap((x): SelectedPodDefaults[] => {
    const { attachments, securityGroups } = compactDefaults({
      attachments: x.attachments,
      securityGroups: x.securityGroups,
    });
    return attachments || securityGroups
      ? [
          {
            podSelector: x.podSelector,
            ...(attachments ? { attachments } : {}),
            ...(securityGroups ? { securityGroups } : {}),
          },
        ]
      : [];
  });
  if (selected.length) out.selected = selected;
  if (defaults.fallbackSecurityGroups?.length) out.fallbackSecurityGroups = [...defaults.fallbackSecurityGroups];
  return out;
}

const routeOf = (r: PodRouteSpec): PodRouteSpec => (r.dst ? { dst: r.dst, gw: r.gw } : { gw: r.gw });

/** Reads a namespace's pod-defaults annotation; a problem when it is not valid JSON of the right shape. */
export function readPodDefaults(annotations: { [key: string]: string } | undefined): {
  defaults?: PodDefaults;
  problem?: string;
} {
  const raw = annotations?.[POD_DEFAULTS_ANNOTATION];
  if (raw === undefined) return {};
  // biome-ignore lint/suspicious/noExplicitAny: JSON from an annotation, checked field by field below.
  let v: any;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return { problem: `namespace annotation ${POD_DEFAULTS_ANNOTATION} is not JSON: ${(e as Error).message}` };
  }
  const bad = (why: string) => ({ problem: `namespace annotation ${POD_DEFAULTS_ANNOTATION} ${why}` });
  if (!v || typeof v !== "object" || Array.isArray(v)) return bad("is not a JSON object");
  if (v.routes !== undefined && !isRouteList(v.routes)) return bad("has routes that are not a list of {dst?, gw}");
  const attachments = attachmentsProblem(v.attachments);
  if (attachments) return bad(attachments);
  if (v.securityGroups !== undefined && !isNameList(v.securityGroups))
    return bad("has securityGroups that are not a list of names");
  if (v.portSecurity !== undefined && typeof v.portSecurity !== "boolean")
    return bad("has a portSecurity that is not a boolean");
  if (v.fallbackSecurityGroups !== undefined && !isNameList(v.fallbackSecurityGroups))
    return bad("has fallbackSecurityGroups that are not a list of names");
  if (v.selected !== undefined) {
    if (!Array.isArray(v.selected)) return bad("has selected that is not a list");
    for (const [i, x] of v.selected.entries()) {
      if (!x || typeof x !== "object") return bad(`has selected[${i}] that is not an object`);
      const selector = podSelectorProblems(x.podSelector)[0];
      if (selector)
        return bad(
          `has selected[${i}].podSelector${selector.path ? `.${selector.path}` : ""} ${JSON.stringify(selector.value)} that ${selector.message}`,
        );
      const problem = attachmentsProblem(x.attachments);
      if (problem) return bad(`has selected[${i}] ${problem.replace(/^has /, "with ")}`);
      if (x.securityGroups !== undefined && !isNameList(x.securityGroups))
        return bad(`has selected[${i}].securityGroups that are not a list of names`);
    }
  }
  return { defaults: v as PodDefaults };
}

const isNameList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");

/** Why a list of attachments is not one, or undefined. */
function attachmentsProblem(attachments: unknown): string | undefined {
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments)) return "has attachments that are not a list";
  for (const a of attachments) {
    if (!a || typeof a.network !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(a.network))
      return `has an attachment whose network is not "<namespace>/<name>": ${JSON.stringify(a?.network)}`;
    if (a.routes !== undefined && !isRouteList(a.routes))
      return `has routes of attachment ${a.network} that are not a list of {dst?, gw}`;
  }
  return undefined;
}

/**
 * What one pod with `labels` inherits: the namespace-wide defaults plus every `selected` entry its
 * labels match, and the fallback groups when no matching entry binds it to a group. The webhook and
 * the in-program transforms both go through here, so a pod gets the same whichever path admits it.
 */
export function podDefaultsForPod(defaults: PodDefaults, labels: PodLabels): PodDefaults {
  const matched = (defaults.selected ?? []).filter((x) => matchesPodSelector(x.podSelector, labels));
  const attachments = [...(defaults.attachments ?? []), ...matched.flatMap((x) => x.attachments ?? [])];
  const chosen = matched.flatMap((x) => x.securityGroups ?? []);
  const groups = [
    ...(defaults.securityGroups ?? []),
    ...chosen,
    ...(chosen.length ? [] : (defaults.fallbackSecurityGroups ?? [])),
  ];
  const out: PodDefaults = {};
  if (defaults.routes) out.routes = defaults.routes;
  if (attachments.length) out.attachments = attachments;
  if (groups.length) out.securityGroups = groups.filter((g, i) => groups.indexOf(g) === i);
  if (defaults.portSecurity !== undefined) out.portSecurity = defaults.portSecurity;
  return out;
}

function isRouteList(v: unknown): v is PodRouteSpec[] {
  return (
    Array.isArray(v) &&
    v.every(
      (r) =>
        r && typeof r === "object" && typeof r.gw === "string" && (r.dst === undefined || typeof r.dst === "string"),
    )
  );
}

/** The result of merging: the pod's new annotations and why any pod value was left as it was. */
export interface MergedPod {
  annotations: { [key: string]: string };
  /** One line per pod value that could not be read and was kept untouched (its defaults were not applied). */
  warnings: string[];
}

/**
 * Merges a namespace's {@link PodDefaults} into the annotations of a pod with `podLabels` (which
 * decide the `selected` parts it inherits: {@link podDefaultsForPod}). The pod always wins: its own
 * routes for a destination, its own networks, security groups and port security stay; defaults only
 * add what is missing. Nothing is ever removed, and merging twice changes nothing more. A pod value
 * that cannot be read (malformed JSON) is kept as it is and reported in `warnings`.
 */
export function mergePodDefaults(
  podAnnotations: { [key: string]: string } | undefined,
  namespaceDefaults: PodDefaults,
  podNamespace: string,
  podLabels: PodLabels,
): MergedPod {
  const defaults = podDefaultsForPod(namespaceDefaults, podLabels);
  const out: { [key: string]: string } = { ...(podAnnotations ?? {}) };
  const warnings: string[] = [];
  mergeRoutes(out, POD_ROUTES_ANNOTATION, defaults.routes, warnings);
  if (defaults.attachments?.length) {
    const networks = mergeNetworks(
      out[POD_NETWORKS_ANNOTATION],
      defaults.attachments.map((a) => a.network),
      podNamespace,
    );
    if (networks.problem) warnings.push(networks.problem);
    else {
      if (networks.value !== undefined) out[POD_NETWORKS_ANNOTATION] = networks.value;
      for (const a of defaults.attachments) mergeRoutes(out, attachmentRoutesAnnotation(a.network), a.routes, warnings);
    }
  }
  if (defaults.securityGroups?.length) {
    const own = (out[POD_SECURITY_GROUPS_ANNOTATION] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const all = [...own, ...defaults.securityGroups.filter((g) => !own.includes(g))];
    // The pod's own string stays byte-for-byte when defaults add nothing.
    if (all.length > own.length)
      out[POD_SECURITY_GROUPS_ANNOTATION] = all.filter((g, i) => all.indexOf(g) === i).join(",");
  }
  if (defaults.portSecurity !== undefined && out[POD_PORT_SECURITY_ANNOTATION] === undefined) {
    out[POD_PORT_SECURITY_ANNOTATION] = String(defaults.portSecurity);
  }
  return { annotations: out, warnings };
}

/** Same destination, the way Kube-OVN sees it: a missing or empty dst is the default route of the gateway's family. */
function destinationKey(r: PodRouteSpec): string {
  const dst = (r.dst ?? "").trim();
  if (dst === "" || dst === "0.0.0.0/0" || dst === "::/0")
    return r.gw.includes(":") || dst === "::/0" ? "default/6" : "default/4";
  return dst.toLowerCase();
}

function mergeRoutes(
  out: { [key: string]: string },
  key: string,
  inherited: PodRouteSpec[] | undefined,
  warnings: string[],
): void {
  if (!inherited?.length) return;
  const raw = out[key];
  let own: PodRouteSpec[] = [];
  if (raw !== undefined && raw.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (e) {
      warnings.push(
        `pod annotation ${key} is not JSON (${(e as Error).message}); kept as it is, inherited routes not added`,
      );
      return;
    }
    if (!isRouteList(parsed)) {
      warnings.push(`pod annotation ${key} is not a list of {dst?, gw}; kept as it is, inherited routes not added`);
      return;
    }
    own = parsed;
  }
  const taken = new Set(own.map(destinationKey));
  const added = inherited.filter((r) => !taken.has(destinationKey(r)) && taken.add(destinationKey(r))).map(routeOf);
  if (added.length) out[key] = JSON.stringify([...own, ...added]);
}

/** `ns/name`, `name` (the pod's namespace) or either with `@interface`. */
function splitNetwork(entry: string, podNamespace: string): { namespace: string; name: string } {
  const ref = entry.trim().split("@")[0];
  const slash = ref.indexOf("/");
  return slash < 0
    ? { namespace: podNamespace, name: ref }
    : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/**
 * Adds networks to a Multus networks annotation in the form the pod uses: a comma list
 * (`ns/name`, `name`, `name@if`) or a JSON list of {name, namespace?, interface?}.
 */
function mergeNetworks(
  raw: string | undefined,
  networks: string[],
  podNamespace: string,
): { value?: string; problem?: string } {
  const key = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`;
  const trimmed = (raw ?? "").trim();
  if (trimmed.startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(trimmed);
    } catch (e) {
      return {
        problem: `pod annotation ${POD_NETWORKS_ANNOTATION} is not JSON (${(e as Error).message}); kept as it is, inherited attachments not added`,
      };
    }
    if (!Array.isArray(list) || !list.every((n) => n && typeof n === "object" && typeof n.name === "string")) {
      return {
        problem: `pod annotation ${POD_NETWORKS_ANNOTATION} is not a list of {name, namespace?}; kept as it is, inherited attachments not added`,
      };
    }
    // biome-ignore lint/suspicious/noExplicitAny: entries of a user-written annotation; name and namespace are read as strings.
    const have = new Set(list.map((n: any) => key({ namespace: n.namespace || podNamespace, name: n.name })));
    const add = networks.map((n) => splitNetwork(n, podNamespace)).filter((n) => !have.has(key(n)) && have.add(key(n)));
    return add.length
      ? { value: JSON.stringify([...list, ...add.map((n) => ({ name: n.name, namespace: n.namespace }))]) }
      : {};
  }
  const own =
    trimmed === ""
      ? []
      : trimmed
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  const have = new Set(own.map((e) => key(splitNetwork(e, podNamespace))));
  const add = networks.filter(
    (n) => !have.has(key(splitNetwork(n, podNamespace))) && have.add(key(splitNetwork(n, podNamespace))),
  );
  return add.length ? { value: [...own, ...add].join(",") } : {};
}

// ---------------------------------------------------------------- workloads declared in a program

/**
 * Where each Kubernetes kind keeps the metadata of the pods it creates (pulumi-kubernetes type tokens).
 * The in-program transforms (TypeScript's, and the Python and Go SDKs') apply the defaults there.
 */
export const POD_METADATA_PATHS: { readonly [type: string]: readonly string[] } = {
  "kubernetes:core/v1:Pod": ["metadata"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "metadata"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "metadata"],
  "kubernetes:batch/v1:Job": ["spec", "template", "metadata"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "metadata"],
};

/** The pod (template) annotations of a workload in `namespace`, after its namespace's defaults. */
export interface AppliedPodDefaults {
  /** True when the defaults added something; otherwise `annotations` are the ones given, untouched. */
  applied: boolean;
  annotations?: { [key: string]: string };
  /** One line per pod value that could not be read and was kept as it is. */
  warnings: string[];
}

/**
 * Applies the defaults of the workload's namespace, when `podDefaults` (namespace -> defaults, e.g.
 * merged `podDefaults` outputs of TenantNetworks) has any, to its pod annotations; its pod labels
 * decide which selected defaults apply, as they do in the webhook. A workload outside
 * those namespaces, or one that would inherit nothing new, keeps its annotations exactly as written (no
 * empty map, so no diff).
 */
export function applyNamespaceDefaults(
  podDefaults: { [namespace: string]: PodDefaults },
  namespace: string | undefined,
  annotations: { [key: string]: string } | undefined,
  labels: PodLabels,
): AppliedPodDefaults {
  const defaults =
    namespace !== undefined && Object.hasOwn(podDefaults, namespace) ? podDefaults[namespace] : undefined;
  if (!defaults || namespace === undefined) return { applied: false, annotations, warnings: [] };
  const merged = mergePodDefaults(annotations, defaults, namespace, labels);
  const same = JSON.stringify(merged.annotations) === JSON.stringify(annotations ?? {});
  return same
    ? { applied: false, annotations, warnings: merged.warnings }
    : { applied: true, annotations: merged.annotations, warnings: merged.warnings };
}
