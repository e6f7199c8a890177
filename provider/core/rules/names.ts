/**
 * Rules of the names a tenant gives its objects, checked on the cluster names they make
 * (provider/core/names.ts objectNames, `<tenant>--<name>`): the one place those names are made.
 */
import type { Problems } from "../errors";
import { dnsLabelProblem, namePartProblem, objectNameProblem } from "../names";
import { item } from "../tenant-model";
import { ruleSet } from "./rule";

export const nameRules = ruleSet("Tenant", {
  "name.label": {
    field:
      "namespaces[].name, subnets[].name, eips[].name, snatRules[].name, dnatRules[].name, floatingIps[].name, securityGroups[].name",
    refuses: "a name that is not a DNS-1123 label, or that contains `--`",
    upstream:
      "Kubernetes object names (DNS-1123, the API server); `--` joins a tenant's name to its objects' (provider/core/names.ts), so no two tenants can make one name",
  },
  "name.length": {
    field: "tenant, <list>[].name",
    refuses: "a cluster name longer than its kind allows (63; a VpcNatGateway 41)",
    upstream:
      "the API server (object names in label values: 63); pkg/webhook/vpc_nat_gateway.go ValidateVpcNatGW (util.ValidateNatGwStatefulSetNameLength: the StatefulSet vpc-nat-gw-<name>)",
  },
  "name.reserved": {
    field: "namespaces[].name, subnets[].name, eips[].name, securityGroups[].name",
    refuses: "a system namespace, or the name a role-made object of the same kind has (vpc, interconnect, monitoring)",
    upstream:
      "pkg/webhook/subnet.go, vpc.go: a Subnet named like a Vpc refused; otherwise the second object would overwrite or adopt the first",
  },
  "name.twice": {
    field: "<list>[].name",
    refuses: "a name declared twice in one list",
    upstream: "one object per name: the second would overwrite the first",
  },
});
const R = nameRules;

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
    const label = typeof limit === "number" ? dnsLabelProblem(name, limit) : namePartProblem(name);
    const length = label || typeof limit === "number" ? undefined : objectNameProblem(limit.kind, limit.name(name));
    if (label) R.refuse(p, "name.label", path, name, label);
    else if (length) R.refuse(p, "name.length", path, name, length);
    else if (reserved.has(name)) {
      const why = reserved instanceof Map ? reserved.get(name) : undefined;
      R.refuse(
        p,
        "name.reserved",
        path,
        name,
        why && typeof limit !== "number" ? `${why} (${limit.kind} ${limit.name(name)})` : "is reserved",
      );
    } else if (seen.has(name)) R.refuse(p, "name.twice", path, name, `is declared twice in ${list}`);
    seen.add(name);
  });
}

/** The names of the objects a tenant's roles make from its own name (Vpc, NAT gateway, interconnect EIP). */
export function checkRoleNames(p: Problems, tenant: string, names: [kind: string, name: string][]): void {
  for (const [kind, name] of names) {
    const problem = objectNameProblem(kind, name);
    if (problem) R.refuse(p, "name.length", "tenant", tenant, problem);
  }
}
