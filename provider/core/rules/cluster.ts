/**
 * Rules of the cluster network (ClusterNetwork): the interconnect Subnet and its attachment, the EIP
 * pools (Subnets), the API-server attachment range, the NAT gateway settings, and the cluster info a
 * tenant plans against.
 */
import type { ApiServerFacts, ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { type Address, parseAddress } from "../net";
import { API_ACCESS_NETWORK, KUBE_SYSTEM, RESERVED_SUBNETS, namePartProblem } from "../names";
import { type Network, type NetworkInput, networkContains, networksOverlap } from "../network";
import type { ClusterNetworkInfo, ClusterNetworkSpec, EipPoolSpec } from "../spec";
import { parseNetwork } from "./address-range";
import { ruleSet } from "./rule";

export const clusterRules = ruleSet("ClusterNetwork", {
  "cluster.object": {
    field: "(the cluster network), interconnect, eipPools, apiServerAccess, cluster (info)",
    refuses: "a missing or malformed section: no interconnect, no EIP pool, info that is not a ClusterNetwork's",
    upstream: "not a Kube-OVN object: the component's own shape",
  },
  "cluster.masterInterface": {
    field: "interconnect.masterInterface",
    refuses: "not a host interface name (1-15 characters)",
    upstream:
      "the interconnect NetworkAttachmentDefinition's macvlan master: Multus cannot create net1 and no NAT gateway pod starts (Linux IFNAMSIZ)",
  },
  "cluster.natGateway.image": {
    field: "natGateway.image",
    refuses: "an empty or malformed image reference",
    upstream: 'pkg/webhook/vpc_nat.go ValidateVpcNatConfig: refused ("parameter "image" ... cannot be empty")',
  },
  "cluster.pool.name": {
    field: "eipPools[].name",
    refuses:
      "not a name part, a Subnet name Kube-OVN reserves (ovn-default, join, ovn-vpc-external-network), the API-server attachment's, or two pools of one name",
    upstream:
      "the pool is a Subnet of that name: Kube-OVN's own subnets would be taken over, two pools would be one Subnet",
  },
  "cluster.pool.overlap": {
    field: "eipPools[].cidr",
    refuses: "a pool overlapping the interconnect network or another pool",
    upstream:
      "pkg/util/validator.go ValidateCidrConflict (webhook), pkg/controller/subnet.go checkSubnetConflict: refused (both Subnets have no vpc and no vlan)",
  },
  "cluster.apiServerAccess.overlap": {
    field: "apiServerAccess.cidr",
    refuses: "the attachment range overlapping the interconnect network or a pool",
    upstream:
      "ValidateCidrConflict: refused for Subnets of one VPC; the attachment Subnet is in ovn-cluster, the others in none, so it is accepted and mis-routes",
  },
  "cluster.serviceIps": {
    field: "apiServerAccess.serviceIps[], apiServerAccess.cidr",
    refuses: "no, a malformed, or an in-range kubernetes Service address, or a range of none of its families",
    upstream:
      "pkg/util/validator.go ValidateSubnet: a subnet of ovn-cluster holding the API server's Service address is refused; a range of the other family cannot route to it",
  },
});
const R = clusterRules;

/** Validates a cluster spec; every problem is collected in `p`. */
export function checkClusterSpec(p: Problems, spec: ClusterNetworkSpec, path = ""): ClusterFacts | undefined {
  const at = (f: string) => (path ? `${path}.${f}` : f);
  if (!spec || typeof spec !== "object") {
    R.refuse(p, "cluster.object", path || "cluster", spec, "must be an object");
    return undefined;
  }
  const ic = spec.interconnect;
  if (ic && (typeof ic.masterInterface !== "string" || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(ic.masterInterface))) {
    R.refuse(
      p,
      "cluster.masterInterface",
      at("interconnect.masterInterface"),
      ic.masterInterface,
      "must be a host interface name (1-15 characters)",
    );
  }
  const image = spec.natGateway?.image;
  if (typeof image !== "string" || image.trim() === "" || /\s/.test(image)) {
    R.refuse(p, "cluster.natGateway.image", at("natGateway.image"), image, "must be a container image reference");
  }
  return checkRanges(p, ic, spec.eipPools, spec.apiServerAccess, at);
}

/** The interconnect range, the EIP pools and the API-server attachment range: each valid, and all kept apart. */
function checkRanges(
  p: Problems,
  ic: NetworkInput | undefined,
  eipPools: EipPoolSpec[] | undefined,
  api: NetworkInput | undefined,
  at: (f: string) => string,
): ClusterFacts | undefined {
  const interconnect = ic ? parseNetwork(p, at("interconnect"), ic, true) : undefined;
  if (!ic) R.refuse(p, "cluster.object", at("interconnect"), ic, "is required");

  const pools = new Map<string, Network>();
  if (!Array.isArray(eipPools) || eipPools.length === 0) {
    R.refuse(p, "cluster.object", at("eipPools"), eipPools, "must list at least one real EIP pool");
  } else {
    eipPools.forEach((pool, i) => {
      const pp = at(`eipPools[${typeof pool?.name === "string" && pool.name ? pool.name : i}]`);
      const nameProblem = namePartProblem(pool?.name);
      if (nameProblem) R.refuse(p, "cluster.pool.name", `${pp}.name`, pool?.name, nameProblem);
      else if (RESERVED_SUBNETS.has(pool.name))
        R.refuse(p, "cluster.pool.name", `${pp}.name`, pool.name, "is a Subnet name Kube-OVN reserves");
      else if (pools.has(pool.name))
        R.refuse(p, "cluster.pool.name", `${pp}.name`, pool.name, "is used by another pool");
      const net = pool ? parseNetwork(p, pp, pool, true) : undefined;
      if (!net) return;
      if (interconnect) {
        const hit = networksOverlap(net, interconnect);
        if (hit)
          R.refuse(
            p,
            "cluster.pool.overlap",
            `${pp}.cidr`,
            pool.cidr,
            `overlaps the interconnect network ${hit.text}; real EIPs and interconnect addresses must be kept apart`,
          );
      }
      for (const [other, otherNet] of pools) {
        const hit = networksOverlap(net, otherNet);
        if (hit)
          R.refuse(p, "cluster.pool.overlap", `${pp}.cidr`, pool.cidr, `overlaps EIP pool ${other} (${hit.text})`);
      }
      if (!nameProblem && !pools.has(pool.name)) pools.set(pool.name, net);
    });
  }
  let apiServer: ApiServerFacts | undefined;
  if (api !== undefined) {
    const ap = at("apiServerAccess");
    const net = api && typeof api === "object" ? parseNetwork(p, ap, api, false) : undefined;
    if (!api || typeof api !== "object") R.refuse(p, "cluster.object", ap, api, "must be an object with a cidr");
    if (net) {
      const ranges: [string, Network | undefined][] = [
        ["the interconnect network", interconnect],
        ...[...pools].map(([n, x]): [string, Network] => [`EIP pool ${n}`, x]),
      ];
      for (const [what, other] of ranges) {
        const hit = other && networksOverlap(net, other);
        if (hit)
          R.refuse(p, "cluster.apiServerAccess.overlap", `${ap}.cidr`, api.cidr, `overlaps ${what} (${hit.text})`);
      }
      apiServer = { network: `${KUBE_SYSTEM}/${API_ACCESS_NETWORK}`, net, serviceIps: [] };
    }
  }
  if (pools.has(API_ACCESS_NETWORK))
    R.refuse(
      p,
      "cluster.pool.name",
      at(`eipPools[${API_ACCESS_NETWORK}].name`),
      API_ACCESS_NETWORK,
      "is the name of the API-server attachment subnet",
    );
  if (!interconnect) return undefined;
  return { interconnect, pools, ...(apiServer ? { apiServer } : {}) };
}

/**
 * The `kubernetes` Service address(es) read from the cluster, checked against the attachment
 * range: each must be routable through it (a family the range has).
 */
export function checkServiceIps(
  p: Problems,
  api: ApiServerFacts,
  clusterIps: unknown,
  path = "apiServerAccess",
): Address[] {
  const list = Array.isArray(clusterIps) ? clusterIps.filter((x) => x !== "" && x !== "None") : [];
  if (list.length === 0) {
    R.refuse(
      p,
      "cluster.serviceIps",
      path,
      clusterIps,
      "needs the cluster IP of Service default/kubernetes, but the cluster has none (is this a Kubernetes API server with its default Service?)",
    );
    return [];
  }
  const out: Address[] = [];
  list.forEach((text, i) => {
    const a = parseAddress(text as string);
    if (!a) R.refuse(p, "cluster.serviceIps", `${path}.serviceIps[${i}]`, text, "is not a valid IP address");
    else if (networkContains(api.net, a))
      R.refuse(
        p,
        "cluster.serviceIps",
        `${path}.serviceIps[${i}]`,
        text,
        `lies inside the attachment range ${api.net.cidrBlock}`,
      );
    else out.push(a);
  });
  const families = new Set(api.net.cidrs.map((c) => c.family));
  if (out.length > 0 && !out.some((a) => families.has(a.family))) {
    R.refuse(
      p,
      "cluster.serviceIps",
      `${path}.cidr`,
      api.net.cidrBlock,
      `has no family of the kubernetes Service address ${out.map((a) => a.text).join(",")}`,
    );
  }
  return out.filter((a) => families.has(a.family));
}

/** Parses cluster facts handed over by a ClusterNetwork (possibly from another stack). */
export function checkClusterInfo(p: Problems, info: ClusterNetworkInfo, path = "cluster"): ClusterFacts | undefined {
  if (!info || typeof info !== "object") {
    R.refuse(p, "cluster.object", path, info, "must be the `info` output of a ClusterNetwork");
    return undefined;
  }
  const ic = {
    cidr: info.interconnectCidr,
    gateway: info.interconnectGateway,
    excludeIps: info.interconnectExcludeIps,
  };
  const api = info.apiServerAccess;
  const facts = checkRanges(p, ic, info.eipPools, api, (f) => `${path}.${f}`);
  if (facts?.apiServer && api) {
    facts.apiServer.network = api.network;
    (api.serviceIps ?? []).forEach((text, i) => {
      const a = parseAddress(text);
      if (a) facts.apiServer?.serviceIps.push(a);
      else
        R.refuse(
          p,
          "cluster.serviceIps",
          `${path}.apiServerAccess.serviceIps[${i}]`,
          text,
          "is not a valid IP address",
        );
    });
  }
  return facts;
}
