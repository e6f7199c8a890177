// biome-ignore-all lint/suspicious/noExplicitAny: resource inputs as the engine records them, untyped.
/**
 * Disruptive changes, as the fleet report defines them (provider/fleet/network-terms.ts), found by a
 * policy: the engine tells a policy only what the program declares now, so the changes are inferred
 * from the stack's checkpoint before the operation (the inputs every resource had) and the declared
 * resources, the way the engine itself diffs them: gone is a delete, a changed path under
 * the resource's replaceOnChanges (or a new name, namespace, kind or apiVersion) a replacement, any
 * other change an update. Pure.
 */
import type { ResourceChange } from "../automation/changes";
import { type NetworkChange, describeNetworkChanges } from "../fleet/network-terms";
import { type PolicyInput, tenantOf } from "./rules";

/** One resource of the checkpoint (`pulumi stack export`: deployment.resources[]). */
export interface PriorResource {
  urn: string;
  type: string;
  inputs?: { [k: string]: any };
  replaceOnChanges?: string[];
  /** Pending deletion of an earlier replacement: not a live object of the program. */
  delete?: boolean;
}

/** A declared resource; `aliases` are the URNs it was known by (a rename is not a delete). */
export type PlannedResource = PolicyInput & { aliases?: string[] };

export interface Disruption {
  /** The declared resource (or, for a delete, the one being deleted). */
  urn: string;
  tenant?: string;
  change: NetworkChange;
}

/** Paths whose change makes pulumi-kubernetes replace an object rather than update it. */
const IDENTITY = ["apiVersion", "kind", "metadata.name", "metadata.namespace"];

/**
 * The property paths that differ between two inputs, down to the first differing leaf. During an
 * update (not a preview) the engine gives a policy the objects as the API server returned them, with
 * fields it fills in (uid, resourceVersion, defaults): `outputs` then compares only the paths the
 * old inputs have.
 */
export function changedPaths(before: any, after: any, outputs = false, prefix = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: any) => v !== null && typeof v === "object" && !Array.isArray(v);
  const at = (k: string | number) => (prefix ? `${prefix}.${k}` : String(k));
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length)
    return before.flatMap((b, i) => changedPaths(b, after[i], outputs, at(i))).length ? [prefix] : [];
  if (!isObject(before) || !isObject(after)) return [prefix];
  const keys = [...new Set([...Object.keys(before), ...(outputs ? [] : Object.keys(after))])].sort();
  return keys.flatMap((k) => changedPaths(before[k], after[k], outputs, at(k)));
}

/** `spec` covers `spec.cidrBlock`; `metadata.name` covers itself only. */
const covers = (pattern: string, path: string) => path === pattern || path.startsWith(`${pattern}.`);

/** The engine's resource steps for the Kubernetes objects, inferred from the checkpoint and the declared resources. */
export function inferChanges(prior: PriorResource[], planned: PlannedResource[], outputs = false): ResourceChange[] {
  const kube = (t: string) => t.startsWith("kubernetes:");
  const declared = new Map<string, PlannedResource>();
  for (const p of planned.filter((r) => kube(r.type))) {
    declared.set(p.urn, p);
    for (const a of p.aliases ?? []) if (!declared.has(a)) declared.set(a, p);
  }
  const out: ResourceChange[] = [];
  const seen = new Set<string>();
  for (const old of prior.filter((r) => kube(r.type) && !r.delete)) {
    const now = declared.get(old.urn);
    const name = old.urn.split("::").pop() as string;
    const base = { urn: old.urn, type: old.type, name, oldInputs: old.inputs };
    if (!now) {
      out.push({ ...base, op: "delete", diffs: {} });
      continue;
    }
    seen.add(now.urn);
    const paths = changedPaths(old.inputs ?? {}, now.props, outputs);
    if (!paths.length) continue;
    const replaces = [...IDENTITY, ...(old.replaceOnChanges ?? [])];
    const replace = paths.some((p) => replaces.some((pattern) => covers(pattern, p)));
    out.push({
      ...base,
      urn: now.urn,
      op: replace ? "replace" : "update",
      diffs: Object.fromEntries(paths.map((p) => [p, replace ? "update-replace" : "update"])),
      newInputs: now.props,
    });
  }
  return out;
}

/** The disruptive changes among them, each with the object's tenant, in the fleet report's words. */
export function findDisruptions(prior: PriorResource[], planned: PlannedResource[], outputs = false): Disruption[] {
  const neighbours = planned.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.props);
  const out: Disruption[] = [];
  for (const c of inferChanges(prior, planned, outputs)) {
    const inputs = { type: c.type, urn: c.urn, props: c.newInputs ?? c.oldInputs ?? {} };
    for (const change of describeNetworkChanges([c], neighbours).filter((n) => n.disruptive))
      out.push({ urn: c.urn, tenant: tenantOf(inputs), change });
  }
  return out;
}

/**
 * Is a disruption approved? An approval names `*` (everything), a tenant (`acme`: all of its
 * objects), or one object as `<Kind>/<name>` (`Subnet/acme-web`).
 */
export function isApproved(d: Disruption, approvals: string[]): boolean {
  return approvals.some(
    (a) => a === "*" || (d.tenant !== undefined && a === d.tenant) || a === `${d.change.kind}/${d.change.name}`,
  );
}

/** The violation message of an unapproved disruption. */
export function disruptionMessage(d: Disruption): string {
  return `disruptive change without approval: ${d.change.text} (approve it with "${d.change.kind}/${d.change.name}"${d.tenant ? ` or "${d.tenant}"` : ""} in the policy's approved list)`;
}
