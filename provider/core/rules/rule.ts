/**
 * One rule, one row: what the preview refuses, on which kind and field, and what in Kube-OVN v1.16.2
 * it stands for. The rows are the source of docs/upstream-rules.md (`npm run docs:rules`).
 *
 * Where a new rule goes: in the module of the object kind it guards (subnet.ts for a Subnet field,
 * nat-rules.ts for the three iptables rule kinds, ...), as a row of that module's rule set, reported
 * with `refuse` from the check of that kind. A rule that needs no object of ours at all (a tenant or
 * cluster setting) goes to tenant.ts. Give it a case in tests/unit/rules.test.ts: the table test
 * fails for a rule without one.
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
