/** Cluster-level planning: the interconnect network, the real EIP pools, the NAT gateway settings. */
import { Problems } from "./errors";
import { INTERCONNECT_SUBNET, MANAGED_BY, MANAGED_BY_LABEL, RESERVED_SUBNETS, dnsLabelProblem } from "./names";
import { Network, NetworkInput, networksOverlap, parseNetwork } from "./network";
import { API, PlannedObject } from "./plan";
import { ClusterNetworkInfo, ClusterNetworkSpec, EipPoolInfo, EipPoolSpec } from "./spec";

/** The parsed cluster facts the tenant planner works with. */
export interface ClusterFacts {
    interconnect: Network;
    pools: Map<string, Network>;
}

export interface ClusterPlan {
    objects: PlannedObject[];
    info: ClusterNetworkInfo;
    facts: ClusterFacts;
}

const KUBE_SYSTEM = "kube-system";

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
    return checkRanges(p, ic, spec.eipPools, at);
}

/** The interconnect range and the EIP pools: each valid, and all kept apart from one another. */
function checkRanges(p: Problems, ic: NetworkInput | undefined, eipPools: EipPoolSpec[] | undefined, at: (f: string) => string): ClusterFacts | undefined {
    const interconnect = ic ? parseNetwork(p, at("interconnect"), ic, true) : undefined;
    if (!ic) p.add(at("interconnect"), ic, "is required");

    const pools = new Map<string, Network>();
    if (!Array.isArray(eipPools) || eipPools.length === 0) {
        p.add(at("eipPools"), eipPools, "must list at least one real EIP pool");
    } else {
        eipPools.forEach((pool, i) => {
            const pp = at(`eipPools[${typeof pool?.name === "string" && pool.name ? pool.name : i}]`);
            const nameProblem = dnsLabelProblem(pool?.name);
            if (nameProblem) p.add(`${pp}.name`, pool?.name, nameProblem);
            else if (RESERVED_SUBNETS.has(pool.name)) p.add(`${pp}.name`, pool.name, "is a Subnet name Kube-OVN reserves");
            else if (pools.has(pool.name)) p.add(`${pp}.name`, pool.name, "is used by another pool");
            const net = pool ? parseNetwork(p, pp, pool, true) : undefined;
            if (!net) return;
            if (interconnect) {
                const hit = networksOverlap(net, interconnect);
                if (hit) p.add(`${pp}.cidr`, pool.cidr, `overlaps the interconnect network ${hit.text}; real EIPs and interconnect addresses must be kept apart`);
            }
            for (const [other, otherNet] of pools) {
                const hit = networksOverlap(net, otherNet);
                if (hit) p.add(`${pp}.cidr`, pool.cidr, `overlaps EIP pool ${other} (${hit.text})`);
            }
            if (!nameProblem && !pools.has(pool.name)) pools.set(pool.name, net);
        });
    }
    if (!interconnect) return undefined;
    return { interconnect, pools };
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
    };
}

/** Parses cluster facts handed over by a ClusterNetwork (possibly from another stack). */
export function checkClusterInfo(p: Problems, info: ClusterNetworkInfo, path = "cluster"): ClusterFacts | undefined {
    if (!info || typeof info !== "object") {
        p.add(path, info, "must be the `info` output of a ClusterNetwork");
        return undefined;
    }
    const ic = { cidr: info.interconnectCidr, gateway: info.interconnectGateway, excludeIps: info.interconnectExcludeIps };
    return checkRanges(p, ic, info.eipPools, (f) => `${path}.${f}`);
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
        ...[...f.pools.entries()].map(([name, net]) => subnetObject(`eip-pool/${name}`, name, net, `${name}.${KUBE_SYSTEM}`, [])),
        {
            id: "nat-gateway/config",
            apiVersion: API.core,
            kind: "ConfigMap",
            metadata: { name: "ovn-vpc-nat-config", namespace: KUBE_SYSTEM },
            data: { image: spec.natGateway.image, ...(spec.natGateway.bgpSpeakerImage ? { bgpSpeakerImage: spec.natGateway.bgpSpeakerImage } : {}) },
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
