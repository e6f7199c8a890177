/** Cluster-level planning: the interconnect network, the real EIP pools, the NAT gateway settings. */
import { Problems } from "./errors";
import type { Address } from "./net";
import {
  API_ACCESS_NETWORK,
  DEFAULT_VPC,
  INTERCONNECT_SUBNET,
  KUBE_SYSTEM,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  kubeOvnProvider,
} from "./names";
import type { Network } from "./network";
import { checkClusterInfo, checkClusterSpec, checkServiceIps } from "./rules";
import { API, type PlannedObject } from "./plan";
import type { ClusterNetworkInfo, ClusterNetworkSpec, EipPoolInfo } from "./spec";

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
