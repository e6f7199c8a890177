/**
 * The demo's plan in network terms: the fleet tool's report (provider/fleet), with the demo's one
 * stack split the way `kubeovn-tenants` splits a fleet into stacks: the cluster network, then one
 * part per tenant. Each object belongs to the tenant named by its `pulumi-kubeovn/tenant` label;
 * objects without one (the interconnect and EIP pool subnets, the NAT ConfigMaps, the NAD) are the
 * cluster network's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceChange } from "../../provider/automation/changes";
import { TENANT_LABEL } from "../../provider/core/names";
import { describeNetworkChanges } from "../../provider/fleet/network-terms";
import { type FleetReport, fleetReport, previewReport, renderMarkdown } from "../../provider/fleet/report";
import { type Topology, buildTopology, renderMermaid } from "../../provider/fleet/topology";

export const CLUSTER = "cluster";

type Inputs = { [k: string]: unknown };
export type Resource = { type: string; inputs: Inputs };

/** The tenant an object belongs to, or `cluster`. */
export function ownerOf(inputs: Inputs | undefined): string {
  const labels = (inputs?.metadata as { labels?: { [k: string]: string } } | undefined)?.labels;
  return labels?.[TENANT_LABEL] ?? CLUSTER;
}

export interface DemoPlan {
  /** The report `kubeovn-tenants plan` would post: cluster network first, then each tenant. */
  report: FleetReport;
  /** Every tenant's VPC, subnets, NAT gateway and EIPs in one picture, marked with what changes. */
  topology: Topology;
  tenants: string[];
}

/** The plan of one preview (or of a destroy's events: what it removed). */
export function demoPlan(file: string, changes: ResourceChange[], resources: Resource[]): DemoPlan {
  const tenants = [...new Set(resources.map((r) => ownerOf(r.inputs)).filter((o) => o !== CLUSTER))].sort();
  const changeOwner = (c: ResourceChange) => ownerOf(c.newInputs ?? c.oldInputs);
  const stacks = [CLUSTER, ...tenants].map((name) =>
    previewReport(
      name,
      name === CLUSTER ? "cluster" : "tenant",
      changes.filter((c) => changeOwner(c) === name),
      resources.filter((r) => ownerOf(r.inputs) === name),
    ),
  );
  const tenantObjects = resources
    .filter((r) => r.type.startsWith("kubernetes:") && ownerOf(r.inputs) !== CLUSTER)
    .map((r) => r.inputs);
  const tenantChanges = describeNetworkChanges(
    changes.filter((c) => changeOwner(c) !== CLUSTER),
    tenantObjects,
  );
  return {
    report: fleetReport("kubeovn-demo", file, stacks),
    topology: buildTopology(tenantObjects, tenantChanges),
    tenants,
  };
}

/** The report for a terminal: the same Markdown, without the per-tenant diagrams (they go to the file). */
export function terminalReport(plan: DemoPlan): string {
  const stacks = plan.report.stacks.map(({ topology: _drawn, ...s }) => s);
  return renderMarkdown({ ...plan.report, stacks }).trimEnd();
}

/** The Markdown file: the tenants' topology as a Mermaid diagram, then the full report. */
export function topologyMarkdown(plan: DemoPlan, o: { stack: string; cluster: string; when: Date }): string {
  return [
    "# pulumi-kubeovn demo: the tenants' networks",
    "",
    `Written by \`npm start\` on ${o.when.toISOString()} for stack \`${o.stack}\` of ` +
      `\`${plan.report.file}\` on ${o.cluster}. Any Markdown viewer with Mermaid draws the diagram ` +
      "(GitHub, GitLab, VS Code's preview); `mmdc` from @mermaid-js/mermaid-cli renders it to an image.",
    "",
    "## Topology",
    "",
    `Tenants ${plan.tenants.map((t) => `\`${t}\``).join(", ")}: each VPC with its subnets, NAT gateway and EIPs ` +
      "(the interconnect address included). Marks: + created, ~ updated or its NAT rules change, ± replaced, " +
      "− deleted by this run.",
    "",
    "```mermaid",
    renderMermaid(plan.topology),
    "```",
    "",
    "## Change report",
    "",
    "The report `kubeovn-tenants plan` posts on a pull request, for this preview:",
    "",
    renderMarkdown(plan.report).trimEnd(),
    "",
  ].join("\n");
}

/** Writes the Markdown file and returns its path. */
export function writeTopology(dir: string, markdown: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "demo-network.md");
  fs.writeFileSync(file, markdown);
  return file;
}
