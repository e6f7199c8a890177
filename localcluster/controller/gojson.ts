// When kube-ovn-controller rewrites an object with Update(), it sends its Go struct through
// encoding/json: fields it does not know are dropped, `omitempty` fields holding a zero value are
// dropped, and fields without `omitempty` are written even when zero ("natOutgoing": false). A nil
// pointer, slice or map without `omitempty` becomes null, which the API server prunes from a CRD
// object (non-nullable field). This module reproduces that shape so the stand-in leaves objects
// exactly as upstream leaves them. Shapes follow pkg/apis/kubeovn/v1 at v1.16.2. Pure.

type GoType = "string" | "bool" | "int" | { slice: GoType } | { struct: Shape } | { ptr: GoType } | { map: true };
/** json name -> [type, omitempty] */
export type Shape = Record<string, [GoType, boolean]>;

const isZero = (t: GoType, v: unknown): boolean => {
    if (typeof t === "object" && "struct" in t) return false; // encoding/json never omits a struct
    if (v === undefined || v === null) return true;
    if (t === "string") return v === "";
    if (t === "bool") return v === false;
    if (t === "int") return v === 0;
    if (typeof t === "object" && ("slice" in t || "map" in t)) {
        return Array.isArray(v) ? v.length === 0 : typeof v === "object" && Object.keys(v as object).length === 0;
    }
    return false; // a non-nil pointer is not empty
};

function encode(t: GoType, v: unknown): unknown {
    if (t === "string") return typeof v === "string" ? v : "";
    if (t === "bool") return typeof v === "boolean" ? v : false;
    if (t === "int") return typeof v === "number" ? v : 0;
    if ("struct" in t) return encodeStruct(t.struct, (v ?? {}) as Record<string, unknown>);
    if ("ptr" in t) return v === undefined || v === null ? undefined : encode(t.ptr, v);
    if ("slice" in t) return Array.isArray(v) ? v.map((x) => encode(t.slice, x)) : undefined;
    return v === undefined || v === null ? undefined : { ...(v as object) };
}

/** The JSON a Go struct of this shape produces after decoding `value`, with nulls pruned. */
export function encodeStruct(shape: Shape, value: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const v = value ?? {};
    for (const [name, [t, omitempty]] of Object.entries(shape)) {
        if (omitempty && isZero(t, v[name])) continue;
        const enc = encode(t, v[name]);
        if (enc !== undefined) out[name] = enc; // undefined here = Go null, pruned by the API server
    }
    return out;
}

const str: [GoType, boolean] = ["string", false];
const strO: [GoType, boolean] = ["string", true];
const boolF: [GoType, boolean] = ["bool", false];
const boolO: [GoType, boolean] = ["bool", true];
const intO: [GoType, boolean] = ["int", true];
const strsO: [GoType, boolean] = [{ slice: "string" }, true];
const strs: [GoType, boolean] = [{ slice: "string" }, false];

/** metav1.LabelSelector */
const labelSelector: Shape = {
    matchLabels: [{ map: true }, true],
    matchExpressions: [{ slice: { struct: { key: str, operator: str, values: strsO } } }, true],
};

/** pkg/apis/kubeovn/v1/subnet.go SubnetSpec */
export const SUBNET_SPEC: Shape = {
    default: boolF,
    vpc: strO,
    protocol: strO,
    namespaces: strsO,
    cidrBlock: str,
    gateway: str,
    excludeIps: strsO,
    provider: strO,
    gatewayType: strO,
    gatewayNode: str,
    gatewayNodeSelectors: [{ slice: { struct: labelSelector } }, true],
    natOutgoing: boolF,
    externalEgressGateway: strO,
    policyRoutingPriority: intO,
    policyRoutingTableID: intO,
    mtu: intO,
    private: boolF,
    allowSubnets: strsO,
    vlan: strO,
    vips: strsO,
    logicalGateway: boolO,
    disableGatewayCheck: boolO,
    disableInterConnection: boolO,
    enableDHCP: boolO,
    dhcpV4Options: strO,
    dhcpV6Options: strO,
    enableIPv6RA: boolO,
    ipv6RAConfigs: strO,
    acls: [{ slice: { struct: { direction: strO, priority: intO, match: strO, action: strO } } }, true],
    allowEWTraffic: boolO,
    natOutgoingPolicyRules: [{ slice: { struct: { match: [{ struct: { srcIPs: strO, dstIPs: strO } }, false], action: str } } }, true],
    u2oInterconnectionIP: strO,
    u2oInterconnection: boolO,
    // a struct: `omitempty` has no effect, so "u2oFeatures": {} is always written
    u2oFeatures: [{ struct: { overlayOnlyRouting: boolO } }, true],
    enableLb: [{ ptr: "bool" }, true],
    enableEcmp: boolO,
    enableMulticastSnoop: boolO,
    enableExternalLBAddress: boolO,
    routeTable: strO,
    namespaceSelectors: [{ slice: { struct: labelSelector } }, true],
    nodeNetwork: strO,
};

/** pkg/apis/kubeovn/v1/vpc.go VpcSpec */
export const VPC_SPEC: Shape = {
    defaultSubnet: strO,
    namespaces: strsO,
    staticRoutes: [{ slice: { struct: { policy: strO, cidr: str, nextHopIP: str, ecmpMode: str, bfdId: str, routeTable: str } } }, true],
    policyRoutes: [{ slice: { struct: { priority: intO, match: strO, action: strO, nextHopIP: strO } } }, true],
    vpcPeerings: [{ slice: { struct: { remoteVpc: strO, localConnectIP: strO } } }, true],
    enableExternal: boolO,
    extraExternalSubnets: strsO,
    enableBfd: boolO,
    bfdPort: [{ ptr: { struct: { enabled: boolF, ip: strO, nodeSelector: [{ ptr: { struct: labelSelector } }, true] } } }, false],
};

/** pkg/apis/kubeovn/v1/iptables-eip.go IptablesEIPSpec */
export const EIP_SPEC: Shape = {
    v4ip: str,
    v6ip: str,
    macAddress: str,
    natGwDp: str,
    qosPolicy: str,
    externalSubnet: str,
};

/** pkg/apis/kubeovn/v1/ip.go IPSpec */
export const IP_SPEC: Shape = {
    podName: str,
    namespace: str,
    subnet: str,
    attachSubnets: strs,
    nodeName: str,
    ipAddress: str,
    v4IpAddress: str,
    v6IpAddress: str,
    attachIps: strs,
    macAddress: str,
    attachMacs: strs,
    containerID: str,
    podType: str,
};

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
        const bb = b as unknown[];
        return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
    }
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
