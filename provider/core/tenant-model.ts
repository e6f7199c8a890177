/** What tenant validation hands the planner, and the small helpers every tenant check shares. */
import type { ApiServerFacts } from "./cluster";
import type { Address, Cidr, Family } from "./net";
import { CLAIM_NAMESPACE } from "./names";
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
/** A readable path segment: the item's name when it has one, else its index. */
export function item(list: string, i: number, name: unknown): string {
  return `${list}[${typeof name === "string" && name !== "" ? name : i}]`;
}
