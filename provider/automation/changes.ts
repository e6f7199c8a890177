/**
 * What a preview will change, built from the engine's events (never from its text output): one
 * entry per resource step that is not a no-op, with the property paths that differ.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

export interface ResourceChange {
  urn: string;
  /** Resource type token, e.g. `kubernetes:kubeovn.io/v1:Subnet`. */
  type: string;
  /** Logical name (last URN segment). */
  name: string;
  /** create, update, delete, replace, create-replacement, delete-replaced, ... */
  op: string;
  /** Property paths that changed, with their kind (update, add, delete, *-replace). */
  diffs: { [path: string]: string };
  /** Old and new inputs, for reports. */
  oldInputs?: { [k: string]: unknown };
  newInputs?: { [k: string]: unknown };
}

/** A policy pack's finding about one resource (or the whole stack), from the engine's policy events. */
export interface PolicyViolation {
  /** Policy name, e.g. `tenant-dnat-ports`. */
  policy: string;
  pack: string;
  /** mandatory blocks the change; advisory only warns. */
  level: "mandatory" | "advisory";
  message: string;
  /** The resource it is about, when it is about one. */
  urn?: string;
  /** Kind and cluster name of that resource, from its inputs (so a report can put it next to its change). */
  kind?: string;
  name?: string;
}

/** The engine's colour markup in event texts (`<{%reset%}>`, `<{%fg 3%}>`). */
const COLOR_TAGS = /<\{%[^%]*%\}>/g;

const NO_OP = new Set(["same", "read", "refresh"]);
/** The steps around a `replace` that describe the same replacement. */
const REPLACEMENT_STEPS = new Set(["create-replacement", "delete-replaced", "discard-replaced"]);

/** Collects changes from engine events; pass `collector.onEvent` to preview/up. */
export class ChangeCollector {
  readonly changes: ResourceChange[] = [];
  /**
   * Inputs of every resource the operation touched or left alone, by URN (new inputs, or the old
   * ones for a delete): reports describe a change with its neighbours (a DNAT rule with its EIP).
   */
  readonly inputs = new Map<string, { type: string; inputs: { [k: string]: unknown } }>();

  private readonly policyEvents: NonNullable<EngineEvent["policyEvent"]>[] = [];

  readonly onEvent = (event: EngineEvent): void => {
    if (event.policyEvent) this.policyEvents.push(event.policyEvent);
    const m = event.resourcePreEvent?.metadata;
    if (!m) return;
    const inputs = m.new?.inputs ?? m.old?.inputs;
    if (inputs && !(m.op === "delete-replaced" && this.inputs.has(m.urn)))
      this.inputs.set(m.urn, { type: m.type, inputs });
    if (NO_OP.has(m.op)) return;
    const diffs: { [path: string]: string } = {};
    for (const [p, d] of Object.entries(m.detailedDiff ?? {})) diffs[p] = d.diffKind;
    for (const p of m.diffs ?? []) diffs[p] ??= "update";
    this.changes.push({
      urn: m.urn,
      type: m.type,
      name: m.urn.split("::").pop() as string,
      op: m.op,
      diffs,
      oldInputs: m.old?.inputs,
      newInputs: m.new?.inputs,
    });
  };

  /** The policy packs' violations, each with the kind and name of the object it is about. */
  get violations(): PolicyViolation[] {
    return this.policyEvents.map((p) => {
      const r = p.resourceUrn ? this.inputs.get(p.resourceUrn) : undefined;
      const name = (r?.inputs.metadata as { name?: unknown } | undefined)?.name;
      return {
        policy: p.policyName,
        pack: p.policyPackName,
        level: p.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
        message: p.message.replace(COLOR_TAGS, "").trim(),
        ...(p.resourceUrn ? { urn: p.resourceUrn } : {}),
        ...(r ? { kind: r.type.split(":").pop() as string } : {}),
        ...(typeof name === "string" ? { name } : {}),
      };
    });
  }

  /**
   * One change per resource, for the resources themselves (not component wrappers or providers).
   * A replacement is one change, `replace`, not the engine's three steps for it.
   */
  get resourceChanges(): ResourceChange[] {
    return this.changes.filter(
      (c) =>
        !REPLACEMENT_STEPS.has(c.op) &&
        !(c.type.startsWith("kubeovn:index:") && c.type !== "kubeovn:index:Teardown") &&
        c.type !== "pulumi:pulumi:Stack" &&
        !c.type.startsWith("pulumi:providers:"),
    );
  }
}

/** One line per change: `update acme-namespace-acme-web (kubernetes:core/v1:Namespace): metadata.annotations[...]`. */
export function describeChanges(changes: ResourceChange[]): string[] {
  return changes.map((c) => {
    const paths = Object.entries(c.diffs).map(([p, k]) => (k === "update" ? p : `${p} (${k})`));
    return `${c.op.padEnd(18)} ${c.name} (${c.type})${paths.length ? `: ${paths.join(", ")}` : ""}`;
  });
}
