// biome-ignore-all lint/suspicious/noExplicitAny: a stack's resource inputs as the engine reports them, untyped.
/**
 * The engine's resource changes said in network terms ("EIP 203.0.113.7 released", "route
 * 10.0.0.0/8 via 10.10.1.1 added to namespace acme-web"), with the disruptive ones flagged. Pure:
 * it reads only the changes and the inputs the engine reported.
 *
 * Disruptive means: running workloads lose connectivity or addresses, or a public address is given
 * away. That is a delete or replacement of a Namespace we created (its pods go), a Vpc, a Subnet
 * (pods keep addresses of a CIDR that no longer exists), a VpcNatGateway (the gateway pod restarts:
 * every NAT rule is down meanwhile), a NetworkAttachmentDefinition, and any release or change of an
 * EIP's address (the interconnect address included). Adding things, changing routes, NAT rules,
 * labels or subnet options is not disruptive: it is the change the author asked for.
 */
import type { PolicyViolation, ResourceChange } from "../automation/changes";
import { POD_DEFAULTS_ANNOTATION, type PodDefaults } from "../core/pod-defaults";

export type Action = "create" | "update" | "replace" | "delete";

export interface NetworkChange {
  action: Action;
  /** Kubernetes kind of the object, e.g. `Subnet`. */
  kind: string;
  /** Object name in the cluster. */
  name: string;
  /** One line in network terms. */
  text: string;
  disruptive: boolean;
  /** NAT rules: the EIP object the rule uses. */
  eip?: string;
  /** What policy packs say about this change's object (the plan report puts them next to it). */
  violations?: PolicyViolation[];
}

type Inputs = { [k: string]: any };
/** Inputs of the other resources of the same stack, for cross references (a rule's EIP address). */
export type Neighbours = Inputs[];

const DISRUPTIVE_ON_REMOVE = new Set([
  "Namespace",
  "Vpc",
  "Subnet",
  "VpcNatGateway",
  "IptablesEIP",
  "NetworkAttachmentDefinition",
]);

const KIND_WORDS: { [kind: string]: string } = {
  Namespace: "namespace",
  NamespacePatch: "namespace",
  Vpc: "VPC",
  Subnet: "subnet",
  VpcNatGateway: "NAT gateway",
  IptablesEIP: "EIP",
  IptablesSnatRule: "SNAT rule",
  IptablesDnatRule: "DNAT rule",
  IptablesFIPRule: "floating IP",
  NetworkAttachmentDefinition: "network attachment",
  ConfigMap: "ConfigMap",
  ConfigMapPatch: "ConfigMap",
};

/** `kubernetes:kubeovn.io/v1:Subnet` -> `Subnet`. */
export function kindOf(type: string): string {
  return type.split(":").pop() as string;
}

function actionOf(op: string): Action | undefined {
  if (op === "create" || op === "update" || op === "replace" || op === "delete") return op;
  if (op === "create-replacement") return "replace";
  return undefined;
}

/** Network-terms lines for one stack's resource changes (the Teardown bookkeeping resource is left out). */
export function describeNetworkChanges(changes: ResourceChange[], neighbours: Neighbours): NetworkChange[] {
  const out: NetworkChange[] = [];
  for (const c of changes) {
    const action = actionOf(c.op);
    if (!action || !c.type.startsWith("kubernetes:")) continue;
    out.push(...describeOne(c, action, neighbours));
  }
  return out;
}

function describeOne(c: ResourceChange, action: Action, neighbours: Neighbours): NetworkChange[] {
  const kind = kindOf(c.type);
  const before = (c.oldInputs ?? {}) as Inputs;
  const after = (c.newInputs ?? {}) as Inputs;
  const name: string = after.metadata?.name ?? before.metadata?.name ?? c.name;
  const word = KIND_WORDS[kind] ?? kind;
  const line = (text: string, disruptive = false): NetworkChange => ({ action, kind, name, text, disruptive });
  const removes = action === "delete" || action === "replace";
  const disruptive = removes && DISRUPTIVE_ON_REMOVE.has(kind);

  switch (kind) {
    case "Namespace":
    case "NamespacePatch": {
      if (action === "update") {
        const lines = routeChanges(before, after, name).map((t) => line(t));
        if (changedPaths(c).some((p) => p.startsWith("metadata.labels")))
          lines.push(line(`namespace ${name} labels changed`));
        return lines.length ? lines : [line(`namespace ${name} updated (${changedPaths(c).join(", ")})`)];
      }
      const adopted = kind === "NamespacePatch";
      if (action === "create")
        return [line(adopted ? `existing namespace ${name} joins the tenant` : `namespace ${name} created`)];
      if (action === "delete")
        return [
          line(
            adopted ? `namespace ${name} leaves the tenant (kept)` : `namespace ${name} deleted: its pods are deleted`,
            !adopted,
          ),
        ];
      return [line(`namespace ${name} replaced (${changedPaths(c).join(", ")}): its pods are deleted`, !adopted)];
    }
    case "Vpc": {
      if (action === "update") {
        const lines = [
          ...staticRouteChanges(before, after, name),
          ...policyRouteChanges(before, after, name),
          ...listChanges(before.spec?.namespaces, after.spec?.namespaces, (n) => `namespace ${n}`, `VPC ${name}`),
        ];
        return (lines.length ? lines : [`VPC ${name} updated (${changedPaths(c).join(", ")})`]).map((t) => line(t));
      }
      if (action === "create") return [line(`VPC ${name} created`)];
      if (action === "delete") return [line(`VPC ${name} deleted: its subnets lose their router`, true)];
      return [line(`VPC ${name} replaced (${changedPaths(c).join(", ")}): disrupts every subnet in it`, true)];
    }
    case "Subnet": {
      const cidr = (i: Inputs) => i.spec?.cidrBlock as string | undefined;
      if (action === "create")
        return [line(`subnet ${name} ${cidr(after)} created${nsSuffix(after)}${tableSuffix(after.spec?.routeTable)}`)];
      if (action === "delete") return [line(`subnet ${name} ${cidr(before)} deleted: disrupts running pods`, true)];
      if (action === "replace") {
        const why =
          cidr(before) !== cidr(after)
            ? `CIDR change ${cidr(before)} -> ${cidr(after)}`
            : `${changedPaths(c).join(", ")} change`;
        return [line(`subnet ${name} ${why} -> replaced: disrupts running pods`, true)];
      }
      const lines: string[] = [];
      for (const f of ["excludeIps", "namespaces", "allowSubnets"])
        lines.push(
          ...listChanges(before.spec?.[f], after.spec?.[f], (v) => `${f.replace(/s$/, "")} ${v}`, `subnet ${name}`),
        );
      for (const f of ["gateway", "private", "enableLb"]) {
        if (JSON.stringify(before.spec?.[f]) !== JSON.stringify(after.spec?.[f]))
          lines.push(`subnet ${name} ${f} ${fmt(before.spec?.[f])} -> ${fmt(after.spec?.[f])}`);
      }
      const table = (i: Inputs) => tableName(i.spec?.routeTable);
      if (table(before) !== table(after)) lines.push(`subnet ${name} route table ${table(before)} -> ${table(after)}`);
      return (lines.length ? lines : [`subnet ${name} updated (${changedPaths(c).join(", ")})`]).map((t) => line(t));
    }
    case "VpcNatGateway": {
      const s = (i: Inputs) => `LAN ${i.spec?.lanIp} in subnet ${i.spec?.subnet}`;
      if (action === "create") return [line(`NAT gateway ${name} created (${s(after)})`)];
      if (action === "delete") return [line(`NAT gateway ${name} deleted: all NAT of the tenant stops`, true)];
      if (action === "replace")
        return [
          line(`NAT gateway ${name} replaced (${s(before)} -> ${s(after)}): NAT is down while its pod restarts`, true),
        ];
      return [line(`NAT gateway ${name} updated (${changedPaths(c).join(", ")})`)];
    }
    case "IptablesEIP": {
      const addr = (i: Inputs) => [i.spec?.v4ip, i.spec?.v6ip].filter(Boolean).join(",") || "(address pending)";
      const what = (i: Inputs) =>
        i.spec?.externalSubnet === "ovn-vpc-external-network"
          ? `interconnect address ${addr(i)} of NAT gateway ${i.spec?.natGwDp}`
          : `EIP ${addr(i)} (${name}, pool ${i.spec?.externalSubnet})`;
      if (action === "create") return [line(`${what(after)} allocated`)];
      if (action === "delete") return [line(`${what(before)} released`, true)];
      if (addr(before) !== addr(after))
        return [
          line(`${KIND_WORDS[kind]} ${name} address ${addr(before)} -> ${addr(after)}: ${addr(before)} released`, true),
        ];
      return [line(`${what(after)} replaced (${changedPaths(c).join(", ")})`, true)];
    }
    case "IptablesSnatRule":
    case "IptablesDnatRule":
    case "IptablesFIPRule": {
      const i = action === "delete" ? before : after;
      // The EIP the rule hangs on, so the topology can mark it.
      const onEip = (text: string): NetworkChange => ({ ...line(text), eip: i.spec?.eip });
      const desc = ruleText(kind, i, neighbours);
      if (action === "create") return [onEip(`${desc} added`)];
      if (action === "delete") return [onEip(`${desc} removed`)];
      const fields = Object.keys({ ...before.spec, ...after.spec })
        .filter((k) => JSON.stringify(before.spec?.[k]) !== JSON.stringify(after.spec?.[k]))
        .sort()
        .map((k) => `${k} ${fmt(before.spec?.[k])} -> ${fmt(after.spec?.[k])}`);
      return [onEip(`${desc}: ${fields.join(", ") || changedPaths(c).join(", ")}`)];
    }
    default: {
      // A *Patch only adds our fields to an object someone else owns.
      const patch = kind.endsWith("Patch");
      const verb = {
        create: patch ? "patched" : "created",
        update: "updated",
        replace: "replaced",
        delete: patch ? "unpatched (our fields removed)" : "deleted",
      }[action];
      const paths = action === "update" || action === "replace" ? ` (${changedPaths(c).join(", ")})` : "";
      return [line(`${word} ${name} ${verb}${paths}`, disruptive)];
    }
  }
}

function changedPaths(c: ResourceChange): string[] {
  return Object.keys(c.diffs).sort();
}

function fmt(v: unknown): string {
  return v === undefined ? "(unset)" : typeof v === "string" ? v : JSON.stringify(v);
}

function nsSuffix(i: Inputs): string {
  const ns: string[] = i.spec?.namespaces ?? [];
  return ns.length ? ` for namespace${ns.length > 1 ? "s" : ""} ${ns.join(", ")}` : "";
}

/** `<thing> added to <where>` / `removed from` for the items of two lists. */
function listChanges(before: unknown, after: unknown, thing: (v: string) => string, where: string): string[] {
  const a = new Set((Array.isArray(before) ? before : []).map(String));
  const b = new Set((Array.isArray(after) ? after : []).map(String));
  return [
    ...[...b].filter((v) => !a.has(v)).map((v) => `${thing(v)} added to ${where}`),
    ...[...a].filter((v) => !b.has(v)).map((v) => `${thing(v)} removed from ${where}`),
  ];
}

function routeChanges(before: Inputs, after: Inputs, ns: string): string[] {
  // What the namespace's pods inherit: routes, extra NICs with their routes, security groups.
  const inherited = (i: Inputs): string[] => {
    const raw = i.metadata?.annotations?.[POD_DEFAULTS_ANNOTATION];
    if (typeof raw !== "string") return [];
    const route = (r: { dst?: string; gw: string }, nic = "") =>
      r.dst ? `route ${r.dst} via ${r.gw}${nic}` : `default route via ${r.gw}${nic}`;
    try {
      const d = JSON.parse(raw) as PodDefaults;
      return [
        ...(d.routes ?? []).map((r) => route(r)),
        ...(d.attachments ?? []).flatMap((a) => [
          `attachment ${a.network}`,
          ...(a.routes ?? []).map((r) => route(r, ` on ${a.network}`)),
        ]),
        ...(d.securityGroups ?? []).map((g) => `security group ${g}`),
        ...(d.portSecurity === undefined ? [] : [`port security ${d.portSecurity ? "on" : "off"}`]),
      ];
    } catch {
      return [`pod defaults ${raw}`];
    }
  };
  return listChanges(inherited(before), inherited(after), (r) => r, `namespace ${ns}`);
}

/** Kube-OVN's main route table is the empty name. */
function tableName(t: unknown): string {
  return typeof t === "string" && t !== "" ? t : "main";
}

function tableSuffix(t: unknown, words = ", route table"): string {
  return typeof t === "string" && t !== "" ? `${words} ${t}` : "";
}

function staticRouteChanges(before: Inputs, after: Inputs, vpc: string): string[] {
  const routes = (i: Inputs): string[] =>
    ((i.spec?.staticRoutes ?? []) as { cidr: string; nextHopIP: string; policy?: string; routeTable?: string }[]).map(
      (r) =>
        `static route ${r.policy === "policySrc" ? "from " : ""}${r.cidr} via ${r.nextHopIP}${tableSuffix(r.routeTable, " in route table")}`,
    );
  return listChanges(routes(before), routes(after), (r) => r, `VPC ${vpc}`);
}

function policyRouteChanges(before: Inputs, after: Inputs, vpc: string): string[] {
  const routes = (i: Inputs): string[] =>
    ((i.spec?.policyRoutes ?? []) as { priority?: number; match: string; action: string; nextHopIP?: string }[]).map(
      (r) =>
        `policy route (priority ${r.priority ?? 0}, ${r.match}: ${r.action}${r.nextHopIP ? ` ${r.nextHopIP}` : ""})`,
    );
  return listChanges(routes(before), routes(after), (r) => r, `VPC ${vpc}`);
}

/** The address of EIP object `eipName`, as the stack's inputs declare it. */
function eipAddress(eipName: string, neighbours: Neighbours): string {
  const eip = neighbours.find((n) => n.kind === "IptablesEIP" && n.metadata?.name === eipName);
  return [eip?.spec?.v4ip, eip?.spec?.v6ip].filter(Boolean).join(",") || eipName;
}

function ruleText(kind: string, i: Inputs, neighbours: Neighbours): string {
  const s = i.spec ?? {};
  const eip = `${eipAddress(s.eip, neighbours)}`;
  if (kind === "IptablesSnatRule") return `SNAT ${s.internalCIDR} -> ${eip}`;
  if (kind === "IptablesDnatRule")
    return `DNAT ${s.protocol} ${eip}:${s.externalPort} -> ${s.internalIp}:${s.internalPort}`;
  return `floating IP ${eip} -> ${s.internalIp}`;
}
