/**
 * The plan report: one model, rendered as Markdown for a pull-request comment and as JSON for
 * machines, and the exit code it implies. Pure.
 */
import type { PolicyViolation, ResourceChange } from "../automation/changes";
import { type Action, type NetworkChange, describeNetworkChanges } from "./network-terms";
import type { Shard } from "./shard";
import { type Topology, buildTopology, renderMermaid } from "./topology";

export const EXIT = { noChanges: 0, errors: 1, changes: 2, disruptive: 3 } as const;

export interface StackReport {
  /** Stack name: the tenant name, or `cluster` for the cluster network. */
  stack: string;
  role: "cluster" | "tenant";
  /**
   * `removed`: a tenant stack that holds resources but is no longer in the fleet file. `blocked`: the
   * preview shows its changes, but a mandatory policy violation stops them.
   */
  status: "unchanged" | "changed" | "failed" | "removed" | "blocked";
  /** Why the preview failed (status failed). */
  error?: string;
  /** Resources the stack still holds (status removed). */
  resources?: number;
  counts: { [a in Action]: number };
  disruptive: boolean;
  changes: NetworkChange[];
  /** Tenants only, when something changes. */
  topology?: Topology;
  /** Policy violations about no change of the report (an unchanged object, or the stack as a whole). */
  violations?: PolicyViolation[];
}

export interface FleetReport {
  project: string;
  /** The fleet file as given on the command line. */
  file: string;
  /** Set when the plan covered one shard of the fleet (`plan --shard i/n`). */
  shard?: Shard;
  stacks: StackReport[];
  totals: { [a in Action]: number } & {
    stacksChanged: number;
    stacksFailed: number;
    stacksRemoved: number;
    disruptive: number;
    /** Stacks whose changes a mandatory policy violation blocks, and the violations in all (set when not 0). */
    stacksBlocked?: number;
    policyViolations?: number;
  };
}

/** Reading order of a stack's changes (the engine's event order varies from run to run). */
const KIND_ORDER = [
  "Namespace",
  "NamespacePatch",
  "Vpc",
  "Subnet",
  "VpcNatGateway",
  "IptablesEIP",
  "IptablesSnatRule",
  "IptablesDnatRule",
  "IptablesFIPRule",
];

function byReadingOrder(a: NetworkChange, b: NetworkChange): number {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  return (
    rank(a.kind) - rank(b.kind) ||
    a.kind.localeCompare(b.kind) ||
    a.name.localeCompare(b.name) ||
    a.text.localeCompare(b.text)
  );
}

export function stackReport(
  stack: string,
  role: StackReport["role"],
  unordered: NetworkChange[],
  topology?: Topology,
): StackReport {
  const changes = [...unordered].sort(byReadingOrder);
  const counts = countActions(changes);
  const changed = changes.length > 0;
  return {
    stack,
    role,
    status: changed ? "changed" : "unchanged",
    counts,
    disruptive: changes.some((c) => c.disruptive),
    changes,
    ...(changed && topology ? { topology } : {}),
  };
}

/**
 * One stack's report from its preview: the engine's resource changes, said in network terms, and
 * (tenants) the topology drawn from the inputs of every resource the preview touched or left alone.
 */
export function previewReport(
  stack: string,
  role: StackReport["role"],
  changes: ResourceChange[],
  resources: { type: string; inputs: { [k: string]: unknown } }[],
  violations: PolicyViolation[] = [],
): StackReport {
  const objects = resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs);
  const described = describeNetworkChanges(changes, objects);
  const report = stackReport(stack, role, described, role === "tenant" ? buildTopology(objects, described) : undefined);
  return withViolations(report, violations);
}

/**
 * Puts each policy violation next to the change of its object (the first line of that change); the
 * rest stay with the stack. A mandatory one makes the stack `blocked`.
 */
export function withViolations(report: StackReport, violations: PolicyViolation[]): StackReport {
  if (!violations.length) return report;
  const rest: PolicyViolation[] = [];
  const changes = report.changes.map((c) => ({ ...c }));
  for (const v of violations) {
    const change = changes.find((c) => v.kind !== undefined && c.kind === v.kind && c.name === v.name);
    if (change) change.violations = [...(change.violations ?? []), v];
    else rest.push(v);
  }
  return {
    ...report,
    ...(violations.some((v) => v.level === "mandatory") ? { status: "blocked" as const } : {}),
    changes,
    ...(rest.length ? { violations: rest } : {}),
  };
}

/** Every violation of a stack: next to its changes and with the stack. */
export function stackViolations(s: StackReport): PolicyViolation[] {
  return [...s.changes.flatMap((c) => c.violations ?? []), ...(s.violations ?? [])];
}

export function failedReport(stack: string, role: StackReport["role"], error: string): StackReport {
  return { stack, role, status: "failed", error, counts: countActions([]), disruptive: false, changes: [] };
}

/** A tenant removed from the file whose stack still holds resources: `apply` leaves it, `destroy` removes it. */
export function removedReport(stack: string, resources: number): StackReport {
  return {
    stack,
    role: "tenant",
    status: "removed",
    resources,
    counts: countActions([]),
    disruptive: false,
    changes: [],
  };
}

function countActions(changes: NetworkChange[]): { [a in Action]: number } {
  const counts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

/** The cluster stack first, then tenants by name. */
export function fleetReport(project: string, file: string, stacks: StackReport[], shard?: Shard): FleetReport {
  const sorted = [...stacks].sort((a, b) =>
    a.role !== b.role ? (a.role === "cluster" ? -1 : 1) : a.stack.localeCompare(b.stack),
  );
  const totals = {
    create: 0,
    update: 0,
    replace: 0,
    delete: 0,
    stacksChanged: 0,
    stacksFailed: 0,
    stacksRemoved: 0,
    disruptive: 0,
  };
  let stacksBlocked = 0;
  let policyViolations = 0;
  for (const s of sorted) {
    for (const a of ["create", "update", "replace", "delete"] as Action[]) totals[a] += s.counts[a];
    if (s.status === "changed" || (s.status === "blocked" && s.changes.length > 0)) totals.stacksChanged++;
    if (s.status === "failed") totals.stacksFailed++;
    if (s.status === "removed") totals.stacksRemoved++;
    if (s.status === "blocked") stacksBlocked++;
    policyViolations += stackViolations(s).length;
    totals.disruptive += s.changes.filter((c) => c.disruptive).length;
  }
  const policy = policyViolations ? { stacksBlocked, policyViolations } : {};
  return { project, file, ...(shard ? { shard } : {}), stacks: sorted, totals: { ...totals, ...policy } };
}

/**
 * 0 no changes, 2 changes (or a removed tenant's stack still running: the file and the cluster
 * disagree), 3 disruptive changes (2 with allowDisruptive), 1 any stack failed or is blocked by a
 * mandatory policy.
 */
export function exitCode(r: FleetReport, allowDisruptive = false): number {
  if (r.totals.stacksFailed > 0 || (r.totals.stacksBlocked ?? 0) > 0) return EXIT.errors;
  if (r.totals.disruptive > 0 && !allowDisruptive) return EXIT.disruptive;
  return r.totals.stacksChanged > 0 || r.totals.stacksRemoved > 0 ? EXIT.changes : EXIT.noChanges;
}

const ICON: { [a in Action]: string } = { create: "create", update: "update", replace: "replace", delete: "delete" };

export function renderMarkdown(r: FleetReport): string {
  const t = r.totals;
  const out: string[] = [];
  out.push(`## kubeovn-tenants plan: ${r.file}${r.shard ? ` (shard ${r.shard.index} of ${r.shard.count})` : ""}`);
  out.push("");
  const blocked = t.stacksBlocked ?? 0;
  const headline =
    t.stacksFailed > 0
      ? `:x: ${t.stacksFailed} stack(s) failed to preview`
      : blocked > 0
        ? `:no_entry: ${blocked} stack(s) blocked by policy`
        : t.disruptive > 0
          ? `:warning: ${t.disruptive} disruptive change(s)`
          : t.stacksChanged > 0
            ? ":information_source: changes, none disruptive"
            : t.stacksRemoved > 0
              ? ":warning: no changes to apply, but tenants removed from the file still run"
              : ":white_check_mark: no changes";
  const planned = r.stacks.length - t.stacksRemoved;
  out.push(
    `${headline} — ${t.stacksChanged} of ${planned} stack(s) change: ${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to delete.`,
  );
  out.push("");
  if (t.stacksRemoved > 0) {
    out.push(
      `:warning: ${t.stacksRemoved} tenant(s) removed from the file still run; \`apply\` leaves them as they are:`,
    );
    out.push("");
    for (const s of r.stacks.filter((x) => x.status === "removed")) {
      out.push(
        `- Tenant \`${s.stack}\`: its stack holds ${s.resources} resource(s). Tear it down with \`kubeovn-tenants destroy ${s.stack}\`.`,
      );
    }
    out.push("");
  }
  if ((t.policyViolations ?? 0) > 0) {
    out.push(
      `:no_entry: policy violations: ${t.policyViolations}, each next to the change it is about (mandatory ones block the stack).`,
    );
    out.push("");
  }
  const detailed = (x: StackReport) =>
    x.status === "changed" || x.status === "failed" || x.status === "blocked" || !!x.violations?.length;
  const unchanged = r.stacks.filter((s) => s.status === "unchanged" && !detailed(s)).map((s) => s.stack);
  for (const s of r.stacks.filter(detailed)) {
    out.push(
      `### ${s.role === "cluster" ? "Cluster network" : `Tenant \`${s.stack}\``}${s.disruptive ? " :warning: disruptive" : ""}${s.status === "blocked" ? " :no_entry: blocked by policy" : ""}`,
    );
    out.push("");
    if (s.status === "failed") {
      out.push(":x: preview failed:");
      out.push("");
      out.push("```");
      out.push(s.error ?? "");
      out.push("```");
      out.push("");
      continue;
    }
    if (s.changes.length) {
      out.push("| Action | Change | Object |");
      out.push("|---|---|---|");
    }
    for (const c of s.changes) {
      out.push(
        `| ${c.disruptive ? ":warning: " : ""}${ICON[c.action]} | ${escapeCell(c.text)} | ${c.kind} \`${c.name}\` |`,
      );
      for (const v of c.violations ?? [])
        out.push(`| ${violationMark(v)} | ${escapeCell(violationText(v))} | ${c.kind} \`${c.name}\` |`);
    }
    out.push("");
    if (s.violations?.length) {
      out.push("Policy violations about no change above:");
      out.push("");
      for (const v of s.violations)
        out.push(`- ${violationMark(v)} ${violationText(v)}${v.kind ? ` (${v.kind} \`${v.name ?? "?"}\`)` : ""}`);
      out.push("");
    }
    if (s.topology && s.topology.nodes.length > 0) {
      out.push("<details><summary>Topology (+ create, ~ update or NAT rules change, ± replace, − delete)</summary>");
      out.push("");
      out.push("```mermaid");
      out.push(renderMermaid(s.topology));
      out.push("```");
      out.push("");
      out.push("</details>");
      out.push("");
    }
  }
  if (unchanged.length) {
    out.push(`No changes: ${unchanged.map((n) => `\`${n}\``).join(", ")}.`);
    out.push("");
  }
  return out.join("\n");
}

const violationMark = (v: PolicyViolation) => (v.level === "mandatory" ? ":no_entry: blocked" : ":warning: advisory");
const violationText = (v: PolicyViolation) => `policy ${v.policy} (${v.level}): ${v.message.replace(/\s*\n\s*/g, " ")}`;

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** The same content for machines: the model plus each topology's Mermaid text. */
export function renderJson(r: FleetReport, allowDisruptive = false): string {
  const doc = {
    ...r,
    exitCode: exitCode(r, allowDisruptive),
    stacks: r.stacks.map((s) => (s.topology ? { ...s, mermaid: renderMermaid(s.topology) } : s)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
