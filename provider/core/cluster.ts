/** Cluster-level planning: the interconnect network, the real EIP pools, the NAT gateway settings. */
import { Problems } from "./errors";
import { type Address, parseAddress } from "./net";
import {
  API_ACCESS_NETWORK,
  DEFAULT_VPC,
  INTERCONNECT_SUBNET,
  KUBE_SYSTEM,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  RESERVED_SUBNETS,
  kubeOvnProvider,
  namePartProblem,
} from "./names";
import { type Network, type NetworkInput, networkContains, networksOverlap } from "./network";
import { parseNetwork } from "./rules";
import { API, type PlannedObject } from "./plan";
import type { ClusterNetworkInfo, ClusterNetworkSpec, EipPoolInfo, EipPoolSpec } from "./spec";

/** The API-server attachment network as the tenant planner sees it. */
export interface ApiServerFacts {
  /** The NetworkAttachmentDefinition, `<namespace>/<name>`. */
  network: string;
  net: Network;
  /** The `kubernetes` Service address(es); empty until read from the cluster. */
  serviceIps: Address[];
}

/** The parsed cluster facts the tenant planner works with. */
export interface ClusterFacts {
  interconnect: Network;
  pools: Map<string, Network>;
  apiServer?: ApiServerFacts;
}

export interface ClusterPlan {
  objects: PlannedObject[];
  info: ClusterNetworkInfo;
  facts: ClusterFacts;
}

/** Validates a cluster spec; every problem is collected in `p`. */
export function checkClusterSpec(p: Problems, spec: ClusterNetworkSpec, path = ""): ClusterFacts | undefined {
  const at = (f: string) => (path ? `${path}.${f}` : f);
  if (!spec || typeof spec !== "object") {
    p.add(path || "cluster", spec, "must be an object");
    return undefined;
  }
  const ic = spec.interconnect;
  if (ic && (typeof ic.masterInterface !== "string" || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(ic.masterInterface))) {
    p.add(at("interconnect.masterInterface"), ic.masterInterface, "must be a host interface name (1-15 characters)");
  }
  const image = spec.natGateway?.image;
  if (typeof image !== "string" || image.trim() === "" || /\s/.test(image)) {
    p.add(at("natGateway.image"), image, "must be a container image reference");
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
  if (!ic) p.add(at("interconnect"), ic, "is required");

  const pools = new Map<string, Network>();
  if (!Array.isArray(eipPools) || eipPools.length === 0) {
    p.add(at("eipPools"), eipPools, "must list at least one real EIP pool");
  } else {
    eipPools.forEach((pool, i) => {
      const pp = at(`eipPools[${typeof pool?.name === "string" && pool.name ? pool.name : i}]`);
      const nameProblem = namePartProblem(pool?.name);
      if (nameProblem) p.add(`${pp}.name`, pool?.name, nameProblem);
      else if (RESERVED_SUBNETS.has(pool.name)) p.add(`${pp}.name`, pool.name, "is a Subnet name Kube-OVN reserves");
      else if (pools.has(pool.name)) p.add(`${pp}.name`, pool.name, "is used by another pool");
      const net = pool ? parseNetwork(p, pp, pool, true) : undefined;
      if (!net) return;
      if (interconnect) {
        const hit = networksOverlap(net, interconnect);
        if (hit)
          p.add(
            `${pp}.cidr`,
            pool.cidr,
            `overlaps the interconnect network ${hit.text}; real EIPs and interconnect addresses must be kept apart`,
          );
      }
      for (const [other, otherNet] of pools) {
        const hit = networksOverlap(net, otherNet);
        if (hit) p.add(`${pp}.cidr`, pool.cidr, `overlaps EIP pool ${other} (${hit.text})`);
      }
      if (!nameProblem && !pools.has(pool.name)) pools.set(pool.name, net);
    });
  }
  let apiServer: ApiServerFacts | undefined;
  if (api !== undefined) {
    const ap = at("apiServerAccess");
    const net = api && typeof api === "object" ? parseNetwork(p, ap, api, false) : undefined;
    if (!api || typeof api !== "object") p.add(ap, api, "must be an object with a cidr");
    if (net) {
      const ranges: [string, Network | undefined][] = [
        ["the interconnect network", interconnect],
        ...[...pools].map(([n, x]): [string, Network] => [`EIP pool ${n}`, x]),
      ];
      for (const [what, other] of ranges) {
        const hit = other && networksOverlap(net, other);
        if (hit) p.add(`${ap}.cidr`, api.cidr, `overlaps ${what} (${hit.text})`);
      }
      apiServer = { network: `${KUBE_SYSTEM}/${API_ACCESS_NETWORK}`, net, serviceIps: [] };
    }
  }
  if (pools.has(API_ACCESS_NETWORK))
    p.add(
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
    p.add(
      path,
      clusterIps,
      "needs the cluster IP of Service default/kubernetes, but the cluster has none (is this a Kubernetes API server with its default Service?)",
    );
    return [];
  }
  const out: Address[] = [];
  list.forEach((text, i) => {
    const a = parseAddress(text as string);
    if (!a) p.add(`${path}.serviceIps[${i}]`, text, "is not a valid IP address");
    else if (networkContains(api.net, a))
      p.add(`${path}.serviceIps[${i}]`, text, `lies inside the attachment range ${api.net.cidrBlock}`);
    else out.push(a);
  });
  const families = new Set(api.net.cidrs.map((c) => c.family));
  if (out.length > 0 && !out.some((a) => families.has(a.family))) {
    p.add(
      `${path}.cidr`,
      api.net.cidrBlock,
      `has no family of the kubernetes Service address ${out.map((a) => a.text).join(",")}`,
    );
  }
  return out.filter((a) => families.has(a.family));
}

/** The facts a tenant needs, as exported for other stacks. */
export function clusterInfo(facts: ClusterFacts): ClusterNetworkInfo {
  const pools: EipPoolInfo[] = [...facts.pools.entries()].map(([name, n]) => ({
    name,
    cidr: n.cidrBlock,
    gateway: n.gateway,
    excludeIps: n.excludeIps,
  }));
  return {
    interconnectSubnet: INTERCONNECT_SUBNET,
    interconnectCidr: facts.interconnect.cidrBlock,
    interconnectGateway: facts.interconnect.gateway,
    interconnectExcludeIps: facts.interconnect.excludeIps,
    eipPools: pools,
    ...(facts.apiServer
      ? {
          apiServerAccess: {
            network: facts.apiServer.network,
            cidr: facts.apiServer.net.cidrBlock,
            gateway: facts.apiServer.net.gateway,
            excludeIps: facts.apiServer.net.excludeIps,
            serviceIps: facts.apiServer.serviceIps.map((a) => a.text),
          },
        }
      : {}),
  };
}

/** The cluster info with the `kubernetes` Service address read from the cluster; throws a PlanError when it does not fit. */
export function withServiceIps(info: ClusterNetworkInfo, clusterIps: unknown): ClusterNetworkInfo {
  const p = new Problems();
  const facts = checkClusterInfo(p, info);
  p.throwIfAny("the cluster network");
  const f = facts as ClusterFacts;
  if (!f.apiServer) return info;
  f.apiServer.serviceIps = checkServiceIps(p, f.apiServer, clusterIps);
  p.throwIfAny("the cluster network");
  return clusterInfo(f);
}

/** Parses cluster facts handed over by a ClusterNetwork (possibly from another stack). */
export function checkClusterInfo(p: Problems, info: ClusterNetworkInfo, path = "cluster"): ClusterFacts | undefined {
  if (!info || typeof info !== "object") {
    p.add(path, info, "must be the `info` output of a ClusterNetwork");
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
      else p.add(`${path}.apiServerAccess.serviceIps[${i}]`, text, "is not a valid IP address");
    });
  }
  return facts;
}

function labels(): { [k: string]: string } {
  return { [MANAGED_BY_LABEL]: MANAGED_BY };
}

/** Plans the cluster objects; throws a PlanError listing every problem. */
export function planCluster(spec: ClusterNetworkSpec): ClusterPlan {
  const p = new Problems();
  const facts = checkClusterSpec(p, spec);
  p.throwIfAny("the cluster network");
  const f = facts as ClusterFacts;
  const provider = `${INTERCONNECT_SUBNET}.${KUBE_SYSTEM}`;
  // No ipam section: with noDefaultEIP the gateway's net1 takes no address from IPAM (upstream
  // pkg/controller/vpc_nat_gateway.go marks the attachment allocated), its addresses are EIPs.
  const nadConfig = { cniVersion: "0.3.0", type: "macvlan", master: spec.interconnect.masterInterface, mode: "bridge" };
  const objects: PlannedObject[] = [
    {
      id: "interconnect/attachment",
      apiVersion: API.nad,
      kind: "NetworkAttachmentDefinition",
      metadata: { name: INTERCONNECT_SUBNET, namespace: KUBE_SYSTEM, labels: labels() },
      spec: { config: JSON.stringify(nadConfig) },
      dependsOn: [],
    },
    subnetObject("interconnect/subnet", INTERCONNECT_SUBNET, f.interconnect, provider, ["interconnect/attachment"]),
    ...[...f.pools.entries()].map(([name, net]) =>
      subnetObject(`eip-pool/${name}`, name, net, `${name}.${KUBE_SYSTEM}`, []),
    ),
    ...(f.apiServer ? apiServerObjects(f.apiServer.net) : []),
    {
      id: "nat-gateway/config",
      apiVersion: API.core,
      kind: "ConfigMap",
      metadata: { name: "ovn-vpc-nat-config", namespace: KUBE_SYSTEM },
      data: {
        image: spec.natGateway.image,
        ...(spec.natGateway.bgpSpeakerImage ? { bgpSpeakerImage: spec.natGateway.bgpSpeakerImage } : {}),
      },
      patch: true,
      dependsOn: [],
    },
    {
      id: "nat-gateway/enable",
      apiVersion: API.core,
      kind: "ConfigMap",
      metadata: { name: "ovn-vpc-nat-gw-config", namespace: KUBE_SYSTEM },
      data: { "enable-vpc-nat-gw": "true" },
      patch: true,
      dependsOn: ["nat-gateway/config"],
    },
  ];
  return { objects, info: clusterInfo(f), facts: f };
}

/** A kube-ovn attachment in kube-system and its Subnet in the default VPC (formatSubnet's result for an OVN provider there). */
function apiServerObjects(net: Network): PlannedObject[] {
  const provider = kubeOvnProvider(API_ACCESS_NETWORK, KUBE_SYSTEM);
  const subnet = subnetObject("api-server-access/subnet", API_ACCESS_NETWORK, net, provider, [
    "api-server-access/attachment",
  ]);
  subnet.spec = { vpc: DEFAULT_VPC, ...subnet.spec, gatewayType: "distributed", enableLb: true };
  return [
    {
      id: "api-server-access/attachment",
      apiVersion: API.nad,
      kind: "NetworkAttachmentDefinition",
      metadata: { name: API_ACCESS_NETWORK, namespace: KUBE_SYSTEM, labels: labels() },
      spec: { config: JSON.stringify(kubeOvnAttachmentConfig(provider)) },
      dependsOn: [],
    },
    subnet,
  ];
}

/** The CNI config of a NetworkAttachmentDefinition whose NIC Kube-OVN serves from the Subnet with `provider`. */
export function kubeOvnAttachmentConfig(provider: string): { [k: string]: string } {
  return { cniVersion: "0.3.0", type: "kube-ovn", server_socket: "/run/openvswitch/kube-ovn-daemon.sock", provider };
}

function subnetObject(id: string, name: string, net: Network, provider: string, dependsOn: string[]): PlannedObject {
  return {
    id,
    apiVersion: API.kubeovn,
    kind: "Subnet",
    metadata: { name, labels: labels() },
    spec: {
      protocol: net.protocol,
      provider,
      cidrBlock: net.cidrBlock,
      gateway: net.gateway,
      excludeIps: net.excludeIps,
    },
    replaceOnChanges: ["spec.cidrBlock", "spec.provider", "spec.protocol"],
    dependsOn,
  };
}
