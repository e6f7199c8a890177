/** What tenant validation hands the planner, and the small helpers every tenant check shares. */
import type { ApiServerFacts } from "./cluster";
import type { Problems } from "./errors";
import type { Address, Cidr, Family } from "./net";
import { CLAIM_NAMESPACE, dnsLabelProblem, namePartProblem, objectNameProblem } from "./names";
import type { Network } from "./network";
import type { SecurityGroupRuleSpec, SecurityGroupSpec, TenantSpec, TenantSubnetSpec, VpcPeeringSpec } from "./spec";

export interface CheckedSubnet {
  spec: TenantSubnetSpec;
  net: Network;
}

/** What the planner needs beyond the spec itself, known to be consistent. */
export interface TenantModel {
  spec: TenantSpec;
  subnets: Map<string, CheckedSubnet>;
  /** Namespace -> subnet it is bound to. */
  namespaceSubnet: Map<string, string>;
  eipPools: Map<string, Network>;
  /** Static addresses by EIP name and family. */
  staticEips: Map<string, Partial<Record<Family, Address>>>;
  lanIp?: Address;
  interconnectIp?: Address;
  /** The cluster's API-server attachment network, when some namespace asks for it. */
  apiServer?: ApiServerFacts;
  /** Namespaces whose pods get the API-server attachment. */
  apiServerNamespaces: Set<string>;
  securityGroups: CheckedSecurityGroup[];
  peerings: CheckedPeering[];
  monitoring?: CheckedMonitoring;
}

export interface CheckedRule {
  rule: SecurityGroupRuleSpec;
  ipVersion: "ipv4" | "ipv6";
  ports?: [number, number];
}

export interface CheckedSecurityGroup {
  spec: SecurityGroupSpec;
  ingress: CheckedRule[];
  egress: CheckedRule[];
}

export interface CheckedPeering {
  spec: VpcPeeringSpec;
  /** The link network and both router addresses on it. */
  link: Cidr;
  local: Address;
  remote: Address;
  remoteCidrs: Cidr[];
}

export interface CheckedMonitoring {
  net: Network;
  ports: [number, number][];
  /** Tenant namespaces whose pods are scraped. */
  namespaces: string[];
}

/** The claims' namespace among them: a tenant holding it would delete every stack's address claims on destroy. */
export const SYSTEM_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease", CLAIM_NAMESPACE]);
/**
 * How the names of a list become cluster names: the kind and the name an own name makes
 * (provider/core/names.ts objectNames), checked on the final name.
 */
export interface ListNaming {
  kind: string;
  name: (own: string) => string;
}

/** A tenant's ListNaming for a kind, from the objectNames function making that kind's names. */
export type Naming = (kind: string, name: (tenant: string, own: string) => string) => ListNaming;

/** A readable path segment: the item's name when it has one, else its index. */
export function item(list: string, i: number, name: unknown): string {
  return `${list}[${typeof name === "string" && name !== "" ? name : i}]`;
}

/**
 * Names of a list: each a DNS label, not reserved (a Map says why), not twice. With a naming, each
 * is an own name (no `--`) whose cluster name must fit; with a number, a label of at most that length.
 */
export function checkNames(
  p: Problems,
  list: string,
  items: { name?: unknown }[] | undefined,
  limit: number | ListNaming,
  reserved: Set<string> | Map<string, string> = new Set<string>(),
): void {
  const seen = new Set<string>();
  (items ?? []).forEach((it, i) => {
    const path = `${item(list, i, it?.name)}.name`;
    const name = it?.name as string;
    const problem =
      typeof limit === "number"
        ? dnsLabelProblem(name, limit)
        : (namePartProblem(name) ?? objectNameProblem(limit.kind, limit.name(name)));
    if (problem) p.add(path, name, problem);
    else if (reserved.has(name)) {
      const why = reserved instanceof Map ? reserved.get(name) : undefined;
      p.add(
        path,
        name,
        why && typeof limit !== "number" ? `${why} (${limit.kind} ${limit.name(name)})` : "is reserved",
      );
    } else if (seen.has(name)) p.add(path, name, `is declared twice in ${list}`);
    seen.add(name);
  });
}
