// biome-ignore-all lint/suspicious/noExplicitAny: a stack's resource inputs as the engine reports them, untyped.
/**
 * A tenant's topology (VPC, subnets, NAT gateway, EIPs) as the engine sees it after the change,
 * with deleted objects kept and each node marked with what happens to it; rendered as Mermaid.
 */
import type { Action, NetworkChange } from "./network-terms";

export interface TopologyNode {
  id: string;
  kind: "Vpc" | "Subnet" | "VpcNatGateway" | "IptablesEIP";
  name: string;
  /** Second line of the label: CIDR, LAN address, EIP address. */
  detail: string;
  change?: Action;
}

export interface Topology {
  nodes: TopologyNode[];
  /** [from id, to id] */
  edges: [string, string][];
}

type Inputs = { [k: string]: any };
const KINDS = ["Vpc", "Subnet", "VpcNatGateway", "IptablesEIP"] as const;

/** Builds the topology from every object's inputs (new, or last for deleted ones) and the stack's changes. */
export function buildTopology(objects: Inputs[], changes: NetworkChange[]): Topology {
  const nodes: TopologyNode[] = [];
  const id = (kind: string, name: string) => `${kind.toLowerCase()}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;
  // An EIP whose NAT rules change counts as updated: the rules are not drawn themselves.
  const changeOf = (kind: string, name: string): Action | undefined => {
    const acts = new Set(changes.filter((c) => c.kind === kind && c.name === name).map((c) => c.action));
    if (kind === "IptablesEIP" && changes.some((c) => c.eip === name)) acts.add("update");
    return (["delete", "replace", "create", "update"] as Action[]).find((a) => acts.has(a));
  };
  const seen = new Set<string>();
  for (const kind of KINDS) {
    for (const o of objects
      .filter((x) => x.kind === kind)
      .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))) {
      const name: string = o.metadata?.name;
      const nid = id(kind, name);
      if (seen.has(nid)) continue;
      seen.add(nid);
      const s = o.spec ?? {};
      const detail =
        kind === "Subnet"
          ? String(s.cidrBlock ?? "")
          : kind === "VpcNatGateway"
            ? `LAN ${s.lanIp}`
            : kind === "IptablesEIP"
              ? [s.v4ip, s.v6ip].filter(Boolean).join(",")
              : "";
      nodes.push({ id: nid, kind, name, detail, change: changeOf(kind, name) });
    }
  }
  const has = (x: string) => seen.has(x);
  const edges: [string, string][] = [];
  for (const o of objects) {
    const s = o.spec ?? {};
    const name: string = o.metadata?.name;
    if (o.kind === "Subnet" && has(id("Vpc", s.vpc))) edges.push([id("Vpc", s.vpc), id("Subnet", name)]);
    if (o.kind === "VpcNatGateway" && has(id("Subnet", s.subnet)))
      edges.push([id("Subnet", s.subnet), id("VpcNatGateway", name)]);
    if (o.kind === "IptablesEIP" && has(id("VpcNatGateway", s.natGwDp)))
      edges.push([id("VpcNatGateway", s.natGwDp), id("IptablesEIP", name)]);
  }
  const unique = [...new Map(edges.map((e) => [e.join(">"), e])).values()].sort((a, b) =>
    a.join(">").localeCompare(b.join(">")),
  );
  return { nodes, edges: unique };
}

const MARK: { [a in Action]: string } = { create: "+ ", update: "~ ", replace: "± ", delete: "− " };
const WORD: { [k in TopologyNode["kind"]]: string } = {
  Vpc: "VPC",
  Subnet: "subnet",
  VpcNatGateway: "NAT gateway",
  IptablesEIP: "EIP",
};

/** Mermaid flowchart; changed nodes carry a marker (+ ~ ± −) and a colour class. */
export function renderMermaid(t: Topology): string {
  const lines = ["flowchart LR"];
  for (const n of t.nodes) {
    const label = `${n.change ? MARK[n.change] : ""}${WORD[n.kind]} ${n.name}${n.detail ? `<br/>${n.detail}` : ""}`;
    const shape = n.kind === "Vpc" ? [`[["`, `"]]`] : n.kind === "IptablesEIP" ? [`(["`, `"])`] : [`["`, `"]`];
    lines.push(`  ${n.id}${shape[0]}${label}${shape[1]}`);
  }
  for (const [a, b] of t.edges) lines.push(`  ${a} --> ${b}`);
  const used = new Set(t.nodes.map((n) => n.change).filter(Boolean) as Action[]);
  const style: { [a in Action]: string } = {
    create: "fill:#e6ffed,stroke:#2da44e",
    update: "fill:#fff8c5,stroke:#bf8700",
    replace: "fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4",
    delete: "fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
  };
  for (const a of ["create", "update", "replace", "delete"] as Action[]) {
    if (!used.has(a)) continue;
    lines.push(`  classDef ${a} ${style[a]}`);
    lines.push(
      `  class ${t.nodes
        .filter((n) => n.change === a)
        .map((n) => n.id)
        .join(",")} ${a}`,
    );
  }
  return lines.join("\n");
}
