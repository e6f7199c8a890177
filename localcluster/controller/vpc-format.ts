// Vpc spec rewriting and status as kube-ovn-controller v1.16.2 does it (pkg/controller/vpc.go). Pure.
import { KObject, UpstreamConfig } from "./kinds";
import { parseCIDR, parseIP } from "./net";
import { Spec, isOvnProvider } from "./subnet-format";

export interface VpcFormat {
    spec?: Spec;
    /** Whether formatVpc's own rules changed something (upstream then writes the whole object back). */
    changed?: boolean;
    error?: string;
}

/**
 * pkg/controller/vpc.go formatVpc (spec part): a static route without `policy` gets "policyDst";
 * a policy other than policyDst/policySrc, a bad cidr or a bad nextHopIP is an error (the Vpc is
 * then not processed at all: no finalizer, no status); a policy route whose action is not
 * "reroute" loses its nextHopIP; a reroute's comma-separated next hops must all be addresses.
 */
export function formatVpcSpec(input: Spec | undefined): VpcFormat {
    const spec: Spec = JSON.parse(JSON.stringify(input ?? {}));
    let changed = false;
    for (const route of spec.staticRoutes ?? []) {
        if (!route.policy) {
            route.policy = "policyDst";
            changed = true;
        }
        if (route.policy !== "policyDst" && route.policy !== "policySrc") return { error: `unknown policy type: "${route.policy}"` };
        const cidr: string = route.cidr ?? "";
        if (cidr.includes("/")) {
            if (!parseCIDR(cidr)) return { error: `invalid cidr "${cidr}"` };
        } else if (!parseIP(cidr)) return { error: `invalid ip "${cidr}"` };
        if (!parseIP(route.nextHopIP ?? "")) return { error: `invalid next hop ip "${route.nextHopIP ?? ""}"` };
    }
    for (const route of spec.policyRoutes ?? []) {
        if (route.action !== "reroute") {
            if (route.nextHopIP) {
                route.nextHopIP = "";
                changed = true;
            }
        } else {
            for (const ip of String(route.nextHopIP ?? "").split(",")) {
                if (!parseIP(ip)) return { error: `invalid next hop ips: ${route.nextHopIP ?? ""}` };
            }
        }
    }
    return { spec, changed };
}

/** pkg/controller/vpc.go getVpcSubnets: live (not terminating) OVN subnets naming this VPC, sorted; and the default one. */
export function vpcSubnets(vpc: KObject, subnets: KObject[]): { subnets: string[]; defaultSubnet: string } {
    const names: string[] = [];
    let defaultSubnet = "";
    for (const s of subnets) {
        if (s.spec?.vpc !== vpc.metadata.name || s.metadata.deletionTimestamp || !isOvnProvider(s.spec?.provider)) continue;
        names.push(s.metadata.name);
        if (s.spec?.default) defaultSubnet = s.metadata.name;
        if (vpc.metadata.name !== "ovn-cluster" && vpc.spec?.defaultSubnet && vpc.spec.defaultSubnet === s.metadata.name) defaultSubnet = vpc.spec.defaultSubnet;
    }
    return { subnets: names.sort(), defaultSubnet };
}

/**
 * The status handleAddOrUpdateVpc leaves (pkg/controller/vpc.go): subnets, defaultLogicalSwitch,
 * router = name, standby = true, vpcPeerings, the six load-balancer names when --enable-lb, and an
 * empty bfdPort unless spec.bfdPort.enabled; every other field keeps its value. Encoded as the Go
 * VpcStatus (no omitempty except conditions; nil slices pruned).
 */
export function computeVpcStatus(vpc: KObject, subnets: KObject[], config: UpstreamConfig): Record<string, unknown> {
    const old = vpc.status ?? {};
    const name = vpc.metadata.name;
    const { subnets: names, defaultSubnet } = vpcSubnets(vpc, subnets);
    const peers = (vpc.spec?.vpcPeerings ?? []).map((p: { remoteVpc?: string }) => p.remoteVpc ?? "");
    const lb = (proto: string, sess: boolean) =>
        name === config.clusterRouter ? old[`${proto}${sess ? "Session" : ""}LoadBalancer`] ?? "" : `vpc-${name}-${proto}${sess ? "-sess" : ""}-load`;
    const status: Record<string, unknown> = {
        ...(old.conditions ? { conditions: old.conditions } : {}),
        standby: true,
        default: old.default ?? false,
        defaultLogicalSwitch: defaultSubnet,
        router: name,
        tcpLoadBalancer: config.enableLb ? lb("tcp", false) : old.tcpLoadBalancer ?? "",
        udpLoadBalancer: config.enableLb ? lb("udp", false) : old.udpLoadBalancer ?? "",
        sctpLoadBalancer: config.enableLb ? lb("sctp", false) : old.sctpLoadBalancer ?? "",
        tcpSessionLoadBalancer: config.enableLb ? lb("tcp", true) : old.tcpSessionLoadBalancer ?? "",
        udpSessionLoadBalancer: config.enableLb ? lb("udp", true) : old.udpSessionLoadBalancer ?? "",
        sctpSessionLoadBalancer: config.enableLb ? lb("sctp", true) : old.sctpSessionLoadBalancer ?? "",
        subnets: names,
        enableExternal: old.enableExternal ?? false,
        enableBfd: old.enableBfd ?? false,
        bfdPort: vpc.spec?.bfdPort?.enabled ? old.bfdPort ?? {} : {},
    };
    if (peers.length > 0) status.vpcPeerings = peers;
    if (old.extraExternalSubnets) status.extraExternalSubnets = old.extraExternalSubnets;
    return status;
}
