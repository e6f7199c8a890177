/**
 * One rule, one row: what the preview refuses, on which kind and field, and what in Kube-OVN v1.16.2
 * it stands for. The rows are the source of docs/upstream-rules.md (`npm run docs:rules`).
 *
 * Where a new rule goes: in the module of what it guards, as a row of that module's rule set,
 * reported with `refuse` from that module's check:
 *   address-range.ts  a Subnet's cidrBlock, gateway, excludeIps (tenant subnets, pools, interconnect)
 *   subnet.ts         a tenant Subnet's bindings and overlaps
 *   vpc.ts            static and policy routes, route tables, peerings (the Vpc)
 *   nat-gateway.ts, eip.ts, nat-rules.ts   VpcNatGateway, IptablesEIP, SNAT/DNAT/FIP rules
 *   security-group.ts, attachment.ts, pod-selector.ts   SecurityGroups, the NADs, pod selectors
 *   names.ts          object names; tenant.ts the tenant itself, its namespaces and the pass order
 *   cluster.ts        the ClusterNetwork; cross-tenant.ts between tenants
 *   live-cluster.ts   rows of the checks against the live cluster (code: ../cluster-clashes.ts) and
 *                     of unknown keys (code: ../strict-keys.ts)
 *   unreachable.ts    upstream checks no input of ours reaches, with why
 * Give it a case in tests/unit/rules.test.ts (or name the test file whose titles carry its id): the
 * table test fails for a rule without one, and for a stale docs/upstream-rules.md.
 */
import type { Problems } from "../errors";

/** The object kinds we emit, plus the tenant itself for what is not one object's. */
export type Kind =
  | "Tenant"
  | "Namespace"
  | "Subnet"
  | "Vpc"
  | "VpcNatGateway"
  | "IptablesEIP"
  | "IptablesSnatRule"
  | "IptablesDnatRule"
  | "IptablesFIPRule"
  | "SecurityGroup"
  | "NetworkAttachmentDefinition"
  | "ClusterNetwork";

export interface RuleRow {
  /** The spec field it guards, as a path pattern (`subnets[].cidr`). */
  field: string;
  /** What it refuses, in a few words. */
  refuses: string;
  /**
   * Kube-OVN v1.16.2's counterpart: function and file, what upstream does with the same input
   * (refuses, rewrites, accepts and mis-wires); or why the input cannot reach upstream at all.
   */
  upstream: string;
  /** The test file whose test titles name this rule's id. */
  test: string;
}

export interface Rule extends RuleRow {
  /** Stable id: `<kind>.<field>.<what>`; tests and the docs table key on it. */
  id: string;
  kind: Kind;
}

export const RULE_TESTS = "tests/unit/rules.test.ts";

export interface RuleSet<Id extends string> {
  kind: Kind;
  rules: Rule[];
  /** Records a problem found by rule `id`. */
  refuse(p: Problems, id: Id, path: string, value: unknown, message: string): void;
}

/** The rules of one kind, by id. A row without `test` is covered in tests/unit/rules.test.ts. */
export function ruleSet<const T extends Record<string, Omit<RuleRow, "test"> & { test?: string }>>(
  kind: Kind,
  rows: T,
): RuleSet<keyof T & string> {
  const rules = Object.entries(rows).map(([id, row]): Rule => ({ id, kind, test: RULE_TESTS, ...row }));
  return {
    kind,
    rules,
    refuse: (p, id, path, value, message) => p.add(path, value, message, id),
  };
}
