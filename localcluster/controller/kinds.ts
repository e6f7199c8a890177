// Names the stand-in shares with kube-ovn-controller v1.16.2 (pkg/util/const.go) and the
// resources it reads and writes.

/** pkg/util/const.go KubeOVNControllerFinalizer */
export const FINALIZER = "kubeovn.io/kube-ovn-controller";
/** pkg/util/const.go DeprecatedFinalizerName (releases before v1.13) */
export const LEGACY_FINALIZER = "kube-ovn-controller";

export const LABEL = {
    subnet: "ovn.kubernetes.io/subnet", // SubnetNameLabel
    nodeName: "ovn.kubernetes.io/node-name", // NodeNameLabel
    ipReserved: "ovn.kubernetes.io/ip_reserved", // IPReservedLabel
    eipV4: "ovn.kubernetes.io/eip_v4_ip", // EipV4IpLabel
    natGwName: "ovn.kubernetes.io/vpc-nat-gw-name", // VpcNatGatewayNameLabel
    dnatExternalPort: "ovn.kubernetes.io/vpc_dnat_eport", // VpcDnatEPortLabel
    qos: "ovn.kubernetes.io/qos", // QoSLabel
    vpc: "ovn.kubernetes.io/vpc", // VpcNameLabel
    vpcExternal: "ovn.kubernetes.io/vpc_external", // VpcExternalLabel
} as const;

export const ANNOTATION = {
    vpcEip: "ovn.kubernetes.io/vpc_eip", // VpcEipAnnotation
    logicalSwitch: "ovn.kubernetes.io/logical_switch", // LogicalSwitchAnnotation
    cidr: "ovn.kubernetes.io/cidr", // CidrAnnotation
    excludeIps: "ovn.kubernetes.io/exclude_ips", // ExcludeIpsAnnotation
    ipPool: "ovn.kubernetes.io/ip_pool", // IPPoolAnnotation
} as const;

/** Controller flags and environment at their v1.16.2 defaults (pkg/controller/config.go, install.sh, charts). */
export interface UpstreamConfig {
    /** --cluster-router */
    clusterRouter: string;
    /** --node-switch */
    nodeSwitch: string;
    /** --default-ls */
    defaultLogicalSwitch: string;
    /** --enable-lb (true in install.sh and both Helm charts) */
    enableLb: boolean;
    /** POD_NAMESPACE of the controller: where the NAT gateway ConfigMaps and StatefulSets live */
    podNamespace: string;
}

export const DEFAULT_CONFIG: UpstreamConfig = {
    clusterRouter: "ovn-cluster",
    nodeSwitch: "join",
    defaultLogicalSwitch: "ovn-default",
    enableLb: true,
    podNamespace: "kube-system",
};

/** pkg/util/net.go vpcExternalNet: the external subnet an IptablesEIP without externalSubnet uses. */
export const DEFAULT_EXTERNAL_NETWORK = "ovn-vpc-external-network";
/** pkg/util/const.go VpcNatGatewayConfig */
export const NAT_GW_CONFIGMAP = "ovn-vpc-nat-gw-config";

export interface Resource {
    group: string;
    version: string;
    plural: string;
    kind: string;
    namespaced: boolean;
    /** Whether the CRD has a status subresource (IP and Vip do not). */
    statusSubresource: boolean;
}

const kubeovn = (plural: string, kind: string, statusSubresource = true, namespaced = false): Resource => ({
    group: "kubeovn.io",
    version: "v1",
    plural,
    kind,
    namespaced,
    statusSubresource,
});

export const R = {
    vpc: kubeovn("vpcs", "Vpc"),
    subnet: kubeovn("subnets", "Subnet"),
    ip: kubeovn("ips", "IP", false),
    ippool: kubeovn("ippools", "IPPool"),
    vip: kubeovn("vips", "Vip", false),
    qos: kubeovn("qos-policies", "QoSPolicy"),
    natGw: kubeovn("vpc-nat-gateways", "VpcNatGateway"),
    eip: kubeovn("iptables-eips", "IptablesEIP"),
    fip: kubeovn("iptables-fip-rules", "IptablesFIPRule"),
    dnat: kubeovn("iptables-dnat-rules", "IptablesDnatRule"),
    snat: kubeovn("iptables-snat-rules", "IptablesSnatRule"),
    ovnEip: kubeovn("ovn-eips", "OvnEip"),
    ovnFip: kubeovn("ovn-fips", "OvnFip"),
    ovnSnat: kubeovn("ovn-snat-rules", "OvnSnatRule"),
    ovnDnat: kubeovn("ovn-dnat-rules", "OvnDnatRule"),
    egressGw: kubeovn("vpc-egress-gateways", "VpcEgressGateway", true, true),
    vlan: kubeovn("vlans", "Vlan"),
    namespace: { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, statusSubresource: true },
    configMap: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, statusSubresource: false },
    node: { group: "", version: "v1", plural: "nodes", kind: "Node", namespaced: false, statusSubresource: true },
} satisfies Record<string, Resource>;

export type ResourceKey = keyof typeof R;

/** Everything a healthy pass lists (ConfigMaps only in the controller's namespace). */
export const ALL_KEYS = Object.keys(R) as ResourceKey[];

/**
 * pkg/controller/init.go syncFinalizers: the kinds whose legacy finalizer is migrated when the
 * controller starts (Vpc and VpcEgressGateway are not in the list).
 */
export const MIGRATED_KINDS: ResourceKey[] = [
    "ip", "ippool", "ovnDnat", "ovnEip", "ovnFip", "ovnSnat", "qos", "subnet", "vip", "eip", "fip", "dnat", "snat",
];

/** A Kubernetes object as JSON. */
export interface KObject {
    apiVersion?: string;
    kind?: string;
    metadata: {
        name: string;
        namespace?: string;
        uid?: string;
        resourceVersion?: string;
        generation?: number;
        deletionTimestamp?: string;
        finalizers?: string[];
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        [k: string]: unknown;
    };
    spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    data?: Record<string, string>;
    [k: string]: unknown;
}

export const isDeleting = (o: KObject) => !!o.metadata.deletionTimestamp;
export const hasFinalizer = (o: KObject, f = FINALIZER) => (o.metadata.finalizers ?? []).includes(f);
