/**
 * Adopting objects a cluster already has: a tenant's `adopt` maps the key of one of its objects (the
 * planned object's id, e.g. `subnet/web`) to the name that object already has in the cluster. The
 * object keeps that name (Kubernetes names are immutable: another name would be another object) and
 * is brought under the stack by Pulumi import instead of being created. Pure: names and checks.
 */
import type { ClusterSnapshot } from "./cluster-clashes";
import type { Problems } from "./errors";
import { MANAGED_BY, MANAGED_BY_LABEL, NAT_GATEWAY_NAME_MAX, TENANT_LABEL, dnsLabelProblem } from "./names";
import type { TenantSpec } from "./spec";

/** Object key -> the name the object already has in the cluster. */
export type AdoptedNames = { [objectKey: string]: string };

/** The keys a tenant may adopt, each with its object's kind, given the spec's own lists. */
export function adoptableKeys(spec: TenantSpec): Map<string, string> {
  const named = (list: { name?: unknown }[] | undefined) =>
    (Array.isArray(list) ? list : []).map((x) => x?.name).filter((n): n is string => typeof n === "string");
  const keys: [string, string][] = [
    ["vpc", "Vpc"],
    ...named(spec.subnets).map((n): [string, string] => [`subnet/${n}`, "Subnet"]),
  ];
  if (spec.natGateway) keys.push(["nat-gateway", "VpcNatGateway"], ["eip/interconnect", "IptablesEIP"]);
  keys.push(
    ...named(spec.eips).map((n): [string, string] => [`eip/${n}`, "IptablesEIP"]),
    ...named(spec.snatRules).map((n): [string, string] => [`snat/${n}`, "IptablesSnatRule"]),
    ...named(spec.dnatRules).map((n): [string, string] => [`dnat/${n}`, "IptablesDnatRule"]),
    ...named(spec.floatingIps).map((n): [string, string] => [`fip/${n}`, "IptablesFIPRule"]),
  );
  return new Map(keys);
}

/**
 * Checks a tenant's `adopt`: each key one of its objects, each name a usable cluster name, no two
 * objects of one kind under one name; a renamed VPC only where nothing else names it by the tenant.
 */
export function checkAdopt(p: Problems, spec: TenantSpec, path = "adopt"): void {
  const adopt = spec.adopt;
  if (adopt === undefined) return;
  if (adopt === null || typeof adopt !== "object" || Array.isArray(adopt)) {
    p.add(path, adopt, "must map object keys (vpc, subnet/<name>, nat-gateway, eip/<name>, ...) to cluster names");
    return;
  }
  const keys = adoptableKeys(spec);
  const seen = new Map<string, string>();
  for (const [key, name] of Object.entries(adopt)) {
    const at = `${path}[${key}]`;
    const kind = keys.get(key);
    if (!kind) {
      p.add(
        at,
        name,
        `names no object of this tenant; adoptable: ${[...keys.keys()].join(", ")} (security groups and monitoring are not adopted)`,
      );
      continue;
    }
    const problem = dnsLabelProblem(name, kind === "VpcNatGateway" ? NAT_GATEWAY_NAME_MAX : 63);
    if (problem) {
      p.add(at, name, problem);
      continue;
    }
    const other = seen.get(`${kind}/${name}`);
    if (other) p.add(at, name, `is also adopted as ${other}; one ${kind} is one object`);
    seen.set(`${kind}/${name}`, key);
  }
  if (adopt.vpc !== undefined) {
    if ((spec.peerings ?? []).length > 0)
      p.add(
        `${path}[vpc]`,
        adopt.vpc,
        "cannot be adopted with peerings: the other tenant names this VPC by the tenant",
      );
    if (spec.monitoring)
      p.add(`${path}[vpc]`, adopt.vpc, "cannot be adopted with monitoring: its subnet names the VPC by the tenant");
  }
}

/** The import id pulumi-kubernetes takes for an object: `name`, or `namespace/name` for a namespaced one. */
export function importId(metadata: { name: string; namespace?: string }): string {
  return metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
}

/** Checks a cluster network's `adopt`: each entry the key of one of its planned objects (`ids`). */
export function checkClusterAdopt(p: Problems, adopt: unknown, ids: string[], path = "adopt"): void {
  if (adopt === undefined) return;
  if (!Array.isArray(adopt)) {
    p.add(path, adopt, "must list object keys (interconnect/subnet, interconnect/attachment, eip-pool/<name>, ...)");
    return;
  }
  adopt.forEach((key, i) => {
    if (typeof key !== "string" || !ids.includes(key))
      p.add(`${path}[${i}]`, key, `names no object of the cluster network; adoptable: ${ids.join(", ")}`);
    else if (adopt.indexOf(key) !== i) p.add(`${path}[${i}]`, key, "is listed twice");
  });
}

/** Kind and cluster name of each object a tenant's `adopt` names (kinds by key, as adoptableKeys). */
export function adoptedObjects(adopt: AdoptedNames | undefined): { kind: string; name: string }[] {
  const kinds: [string, string][] = [
    ["vpc", "Vpc"],
    ["subnet/", "Subnet"],
    ["nat-gateway", "VpcNatGateway"],
    ["eip/", "IptablesEIP"],
    ["snat/", "IptablesSnatRule"],
    ["dnat/", "IptablesDnatRule"],
    ["fip/", "IptablesFIPRule"],
  ];
  return Object.entries(adopt ?? {}).flatMap(([key, name]) => {
    const kind = kinds.find(([prefix]) => key === prefix || (prefix.endsWith("/") && key.startsWith(prefix)));
    return kind && typeof name === "string" ? [{ kind: kind[1], name }] : [];
  });
}

/**
 * The snapshot as it is once the `adopted` objects are ours: their Subnets and named objects count as
 * the owner's own (`tenant`; none for the cluster network), and their EIPs' addresses are no other
 * holder's (the plan claims them for the owner).
 */
export function adoptedSnapshot(
  snapshot: ClusterSnapshot,
  adopted: { kind: string; name: string; namespace?: string }[],
  tenant?: string,
): ClusterSnapshot {
  if (adopted.length === 0) return snapshot;
  const isAdopted = (kind: string, name: string, namespace?: string) =>
    adopted.some((o) => o.kind === kind && o.name === name && (o.namespace ?? "") === (namespace ?? ""));
  const ours = { [MANAGED_BY_LABEL]: MANAGED_BY, ...(tenant !== undefined ? { [TENANT_LABEL]: tenant } : {}) };
  return {
    ...snapshot,
    subnets: snapshot.subnets?.map((s) => (isAdopted("Subnet", s.name) ? { ...s, labels: ours } : s)),
    addressHolders: snapshot.addressHolders?.filter((h) => !(h.kind === "IptablesEIP" && isAdopted(h.kind, h.name))),
    ...(snapshot.named
      ? {
          named: {
            ...snapshot.named,
            objects: snapshot.named.objects.map((n) =>
              isAdopted(n.kind, n.name, n.namespace) ? { ...n, labels: ours } : n,
            ),
          },
        }
      : {}),
  };
}
