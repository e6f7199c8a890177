/** Rules of a tenant's Subnets beyond their address range (rules/address-range.ts): bindings and overlaps. */
import type { ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { parseCidr } from "../net";
import { networksOverlap } from "../network";
import type { TenantSpec } from "../spec";
import { type CheckedSubnet, item } from "../tenant-model";
import { parseNetwork } from "./address-range";
import { ruleSet } from "./rule";

export const subnetRules = ruleSet("Subnet", {
  "subnet.namespaces.list": {
    field: "subnets[].namespaces",
    refuses: "a value that is not a list",
    upstream: "CRD schema (spec.namespaces: array): refused by the API server",
  },
  "subnet.namespaces.undeclared": {
    field: "subnets[].namespaces[]",
    refuses: "a namespace the tenant does not declare",
    upstream:
      "pkg/webhook/subnet.go SubnetCreateHook, pkg/controller/vpc.go validateVpcBySubnet: a namespace outside the custom Vpc's spec.namespaces is refused (\"out of range to custom vpc\"); the Vpc's list is ours, made from the declared namespaces",
  },
  "subnet.namespaces.twice": {
    field: "subnets[].namespaces[]",
    refuses: "a namespace bound to a second subnet",
    upstream:
      "pkg/controller/namespace.go handleAddNamespace: accepted, the namespace's pods take addresses from the first subnet listed in its annotation",
  },
  "subnet.allowSubnets.not-private": {
    field: "subnets[].allowSubnets",
    refuses: "allowSubnets on a subnet that is not private",
    upstream: "pkg/controller/subnet.go (ACLs only for private subnets): accepted and ignored",
  },
  "subnet.allowSubnets.invalid": {
    field: "subnets[].allowSubnets[]",
    refuses: "a malformed CIDR",
    upstream: "pkg/util/validator.go ValidateSubnet (net.ParseCIDR): refused",
  },
  "subnet.allowSubnets.not-canonical": {
    field: "subnets[].allowSubnets[]",
    refuses: "a CIDR with host bits or not in canonical form; the message names the canonical one",
    upstream:
      "pkg/util/validator.go ValidateSubnet (ContainsUppercase): upper case refused; other forms accepted and written into ACL matches as they are",
  },
  "subnet.cidr.overlap": {
    field: "subnets[].cidr",
    refuses: "a CIDR overlapping another subnet of the same VPC",
    upstream:
      'pkg/util/validator.go ValidateCidrConflict (webhook), pkg/controller/subnet.go checkSubnetConflict: refused ("is conflict with subnet")',
  },
  "subnet.cidr.interconnect": {
    field: "subnets[].cidr",
    refuses: "a CIDR overlapping the interconnect network",
    upstream:
      "not refused (different VPCs); the NAT gateway pod has both networks and routes one of them the wrong way",
  },
  "subnet.cidr.eip-pool": {
    field: "subnets[].cidr",
    refuses: "a CIDR overlapping an EIP pool",
    upstream: "not refused (different VPCs); traffic to that pool's addresses stays inside the VPC",
  },
});
const R = subnetRules;

export interface CheckedSubnets {
  subnets: Map<string, CheckedSubnet>;
  /** Namespace -> subnet it is bound to. */
  namespaceSubnet: Map<string, string>;
}

export function checkSubnets(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  namespaces: Set<unknown>,
): CheckedSubnets {
  const subnets = new Map<string, CheckedSubnet>();
  const namespaceSubnet = new Map<string, string>();
  (spec.subnets ?? []).forEach((s, i) => {
    const path = item("subnets", i, s?.name);
    if (!s || typeof s !== "object") return;
    const net = parseNetwork(p, path, s, false);
    if (!Array.isArray(s.namespaces))
      R.refuse(
        p,
        "subnet.namespaces.list",
        `${path}.namespaces`,
        s.namespaces,
        "must be a list of the tenant's namespaces",
      );
    (Array.isArray(s.namespaces) ? s.namespaces : []).forEach((ns, j) => {
      if (!namespaces.has(ns)) {
        R.refuse(
          p,
          "subnet.namespaces.undeclared",
          `${path}.namespaces[${j}]`,
          ns,
          "is not one of this tenant's namespaces (declare it under namespaces)",
        );
      } else if (namespaceSubnet.has(ns)) {
        R.refuse(
          p,
          "subnet.namespaces.twice",
          `${path}.namespaces[${j}]`,
          ns,
          `is already bound to subnet ${namespaceSubnet.get(ns)}; a namespace takes addresses from one subnet`,
        );
      } else namespaceSubnet.set(ns, s.name);
    });
    if (s.allowSubnets !== undefined) {
      if (!s.private)
        R.refuse(
          p,
          "subnet.allowSubnets.not-private",
          `${path}.allowSubnets`,
          s.allowSubnets,
          "has no effect unless private is true",
        );
      s.allowSubnets.forEach((c, j) => {
        const parsed = parseCidr(c);
        if (!parsed) R.refuse(p, "subnet.allowSubnets.invalid", `${path}.allowSubnets[${j}]`, c, "is not a valid CIDR");
        else if (parsed.text !== c)
          R.refuse(
            p,
            "subnet.allowSubnets.not-canonical",
            `${path}.allowSubnets[${j}]`,
            c,
            `is not in canonical form; write ${parsed.text}`,
          );
      });
    }
    if (!net) return;
    for (const [other, o] of subnets) {
      const hit = networksOverlap(net, o.net);
      if (hit)
        R.refuse(
          p,
          "subnet.cidr.overlap",
          `${path}.cidr`,
          s.cidr,
          `overlaps subnet ${other} (${hit.text}) in the same VPC`,
        );
    }
    if (cluster) {
      const ic = networksOverlap(net, cluster.interconnect);
      if (ic)
        R.refuse(p, "subnet.cidr.interconnect", `${path}.cidr`, s.cidr, `overlaps the interconnect network ${ic.text}`);
      for (const [pool, pn] of cluster.pools) {
        const hit = networksOverlap(net, pn);
        if (hit) R.refuse(p, "subnet.cidr.eip-pool", `${path}.cidr`, s.cidr, `overlaps EIP pool ${pool} (${hit.text})`);
      }
    }
    if (typeof s.name === "string" && !subnets.has(s.name)) subnets.set(s.name, { spec: s, net });
  });
  return { subnets, namespaceSubnet };
}
