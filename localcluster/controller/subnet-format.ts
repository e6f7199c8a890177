// Subnet spec rewriting and validation as kube-ovn-controller v1.16.2 does it. Pure.
import { DEFAULT_CONFIG, UpstreamConfig } from "./kinds";
import {
    Cidr, IPRange, Protocol, checkProtocol, cidrContains, firstIP, formatCIDR, formatIP, formatRange, lastIP, parseCIDR, parseIP, parseRange,
} from "./net";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Spec = Record<string, any>;

/** pkg/util/subnet.go IsOvnProvider: "", "ovn", or "<nad>.<ns>.ovn". */
export function isOvnProvider(provider: string | undefined): boolean {
    if (!provider || provider === "ovn") return true;
    const f = provider.split(".");
    return f.length === 3 && f[2] === "ovn";
}

const firstIPText = (c: Cidr) => formatIP({ family: c.family, value: firstIP(c) });

/** pkg/util/net.go GetGwByCidr: the first usable address of each block. */
export function gatewayByCidr(cidrBlock: string): string {
    return cidrBlock
        .split(",")
        .map((c) => {
            const cidr = parseCIDR(c);
            if (!cidr) throw new Error(`${c} is not a valid cidr`);
            return firstIPText(cidr);
        })
        .join(",");
}

/** pkg/util/net.go AppendGwByCidr, loop and all (a v6 gateway on "v4,v6" blocks comes out with three entries, as upstream). */
export function appendGatewayByCidr(gateway: string, cidrBlock: string): string {
    let gws: string[] = [];
    for (const c of cidrBlock.split(",")) {
        if (checkProtocol(gateway) === checkProtocol(c)) {
            gws.push(gateway);
            continue;
        }
        const cidr = parseCIDR(c);
        if (!cidr) throw new Error(`${c} is not a valid cidr`);
        const gw = firstIPText(cidr);
        gws = checkProtocol(gateway) === "IPv4" ? [gateway, gw] : [gw, gateway];
    }
    return gws.join(",");
}

/** pkg/util/net.go ContainsIPs: a range contains the address numerically; a single entry must match as text. */
function containsIP(excludeIP: string, ip: string): boolean {
    if (excludeIP.includes("..")) {
        const r = parseRange(excludeIP);
        const a = parseIP(ip);
        return !!r && !!a && r.family === a.family && r.start <= a.value && a.value <= r.end;
    }
    return excludeIP === ip;
}

/**
 * pkg/controller/subnet.go formatExcludeIPRanges + filterRepeatIPRange: duplicates dropped,
 * *overlapping* ranges merged (adjacent ones are not), addresses re-printed in Go's canonical
 * form, the list sorted as strings. Entries that do not parse are kept as written (upstream
 * prints them as "<nil>"; ValidateSubnet rejects them right after).
 */
export function formatExcludeIPRanges(excludeIps: string[]): string[] {
    const unparsed: string[] = [];
    let ranges: IPRange[] = [];
    for (const text of new Set(excludeIps)) {
        const r = parseRange(text);
        if (r && r.start <= r.end) ranges.push(r);
        else unparsed.push(text);
    }
    // union of overlapping ranges until none overlap
    let merged = true;
    while (merged) {
        merged = false;
        outer: for (let i = 0; i < ranges.length; i++) {
            for (let j = i + 1; j < ranges.length; j++) {
                const a = ranges[i];
                const b = ranges[j];
                if (a.family !== b.family || b.end < a.start || b.start > a.end) continue;
                const u = { family: a.family, start: a.start < b.start ? a.start : b.start, end: a.end > b.end ? a.end : b.end };
                ranges = [...ranges.filter((_, k) => k !== i && k !== j), u];
                merged = true;
                break outer;
            }
        }
    }
    return [...ranges.map(formatRange), ...unparsed].sort();
}

/** pkg/controller/subnet.go formatExcludeIPs: ranges formatted, then each gateway appended unless an entry contains it. */
export function formatExcludeIPs(excludeIps: string[] | undefined, gateway: string): string[] {
    const gateways = gateway.split(",").sort();
    if (!excludeIps || excludeIps.length === 0) return gateways;
    const out = formatExcludeIPRanges(excludeIps);
    for (const gw of gateways) {
        if (!out.some((e) => containsIP(e, gw))) {
            out.push(gw);
            out.sort();
        }
    }
    return out;
}

export interface FormatResult {
    spec?: Spec;
    error?: string;
}

/**
 * pkg/controller/subnet.go formatSubnet (with formatAddress, formatCIDR, formatGateway,
 * formatExcludeIPs). Returns the rewritten spec; the caller writes it only when the Go-typed
 * form differs (see gojson.ts), as upstream's `changed := !reflect.DeepEqual(...)` does.
 */
export function formatSubnet(name: string, input: Spec, config: UpstreamConfig = DEFAULT_CONFIG): FormatResult {
    const spec: Spec = JSON.parse(JSON.stringify(input ?? {}));
    // formatCIDR
    const blocks: string[] = [];
    for (const c of String(spec.cidrBlock ?? "").split(",")) {
        const cidr = parseCIDR(c);
        if (!cidr) return { error: `subnet ${name} cidr ${c} is invalid` };
        blocks.push(formatCIDR(cidr));
    }
    spec.cidrBlock = blocks.join(",");
    // formatGateway: note it compares against the protocol the user wrote, before it is recomputed below
    const gateway: string = spec.gateway ?? "";
    if (gateway === "") spec.gateway = gatewayByCidr(spec.cidrBlock);
    else if (spec.protocol === "Dual" && checkProtocol(gateway) !== checkProtocol(spec.cidrBlock)) {
        spec.gateway = appendGatewayByCidr(gateway, spec.cidrBlock);
    }
    spec.excludeIps = formatExcludeIPs(spec.excludeIps, spec.gateway);
    spec.protocol = checkProtocol(spec.cidrBlock);

    if (!spec.provider) spec.provider = "ovn";
    if (!spec.vpc && isOvnProvider(spec.provider)) spec.vpc = config.clusterRouter;
    if (spec.vpc === config.clusterRouter && name !== config.nodeSwitch) {
        if (!spec.gatewayType) spec.gatewayType = "distributed";
        if (spec.default && name !== config.defaultLogicalSwitch) spec.default = false;
    }
    if ((spec.enableLb === undefined || spec.enableLb === null) && name !== config.nodeSwitch) spec.enableLb = config.enableLb;
    if (spec.enableLb !== undefined && spec.enableLb !== null && name === config.nodeSwitch) delete spec.enableLb;
    if (spec.u2oInterconnectionIP && !spec.u2oInterconnection) spec.u2oInterconnectionIP = "";
    if (!spec.vlan && spec.u2oInterconnection) spec.u2oInterconnection = false;
    return { spec };
}

/** pkg/util/net.go CIDRContainIP */
function cidrContainIP(cidrStr: string, ipStr: string): boolean {
    if (!cidrStr) return false;
    const cidrs = cidrStr.split(",");
    const ips = ipStr.split(",");
    if (cidrs.length === 1 && ips.some((ip) => checkProtocol(cidrStr) !== checkProtocol(ip))) return false;
    for (const c of cidrs) {
        const cidr = parseCIDR(c);
        if (!cidr) return false;
        for (const ip of ips) {
            if (checkProtocol(c) !== checkProtocol(ip)) continue;
            const a = parseIP(ip);
            if (!a || !cidrContains(cidr, a)) return false;
        }
    }
    return true;
}

/** pkg/util/net.go CIDROverlap (compares each block's written address against the other's network). */
export function cidrOverlap(a: string, b: string): boolean {
    for (const x of a.split(",")) {
        for (const y of b.split(",")) {
            if (checkProtocol(x) !== checkProtocol(y)) continue;
            const [cx, cy] = [parseCIDR(x), parseCIDR(y)];
            const [ax, ay] = [parseIP(x.split("/")[0]), parseIP(y.split("/")[0])];
            if (!cx || !cy || !ax || !ay) return false;
            if (cidrContains(cx, ay) || cidrContains(cy, ax)) return true;
        }
    }
    return false;
}

const SPECIAL: [string, string][] = [
    ["255.255.255.255/32", "v4 broadcast"], ["224.0.0.0/4", "v4 multicast"], ["127.0.0.1/8", "v4 loopback"],
    ["0.0.0.0/32", "v4 localnet"], ["169.254.0.0/16", "v4 link local"], ["::/128", "v6 unspecified"],
    ["::1/128", "v6 loopback"], ["ff00::/8", "v6 multicast"], ["FE80::/10", "v6 link local"],
];
const upper = (s: string) => /[A-Z]/.test(s);

/** pkg/util/validator.go ValidateSubnet (the checks that do not depend on the controller's environment). */
export function validateSubnet(name: string, spec: Spec): string | undefined {
    const cidrBlock: string = spec.cidrBlock ?? "";
    const gateway: string = spec.gateway ?? "";
    if (gateway !== "") {
        if (upper(gateway)) return `subnet gateway ${gateway} v6 ip address can not contain upper case`;
        if (!cidrContainIP(cidrBlock, gateway)) return `gateway ${gateway} is not in cidr ${cidrBlock}`;
        for (const c of cidrBlock.split(",")) {
            const cidr = parseCIDR(c)!;
            for (const ip of gateway.split(",")) {
                if (checkProtocol(c) !== checkProtocol(ip)) continue;
                if (cidr.prefix === (cidr.family === 4 ? 32 : 128)) return `validate gateway ${gateway} for cidr ${cidrBlock} failed: subnet ${c} is configured with /32 or /128 netmask`;
                const a = parseIP(ip)!;
                const onlink = cidr.prefix + 1 === (cidr.family === 4 ? 32 : 128);
                if (!onlink && a.value === cidr.network + (1n << BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix)) - 1n) {
                    return `validate gateway ${gateway} for cidr ${cidrBlock} failed: ${formatIP(a)} is the broadcast ip in cidr ${c}`;
                }
                if (!onlink && a.value === cidr.network) return `validate gateway ${gateway} for cidr ${cidrBlock} failed: ${formatIP(a)} is the network number ip in cidr ${c}`;
            }
        }
    }
    for (const [special, what] of SPECIAL) {
        for (const c of cidrBlock.split(",")) if (cidrOverlap(c, special)) return `${cidrBlock} conflict with ${what} cidr ${special}`;
    }
    if (checkProtocol(cidrBlock) === "") return `CIDRBlock: "${cidrBlock}" format error`;
    for (const ipr of spec.excludeIps ?? []) {
        if (upper(ipr)) return `subnet exclude ip ${ipr} can not contain upper case`;
        const ips = String(ipr).split("..");
        if (ips.length > 2) return `${ipr} in excludeIps is not a valid ip range`;
        for (const ip of ips) if (!parseIP(ip)) return `ip ${ip} in excludeIps is not a valid address`;
        if (ips.length === 2 && parseIP(ips[0])!.value > parseIP(ips[1])!.value) return `${ipr} in excludeIps is not a valid ip range`;
    }
    for (const c of cidrBlock.split(",")) {
        if (upper(cidrBlock)) return `subnet cidr block ${cidrBlock} v6 ip address can not contain upper case`;
        if (c.startsWith("0.0.0.0")) return `invalid zero cidr "${c}"`;
        if (c.includes("255.255.255.255")) return `invalid broadcast cidr "${c}"`;
        const cidr = parseCIDR(c);
        if (!cidr) return `subnet ${name} cidr ${c} is invalid`;
        if (cidr.prefix === (cidr.family === 4 ? 32 : 128)) return `subnet ${name} cidr ${c} mask is invalid, due to invalid network mask ${cidr.prefix}`;
    }
    for (const c of spec.allowSubnets ?? []) {
        if (upper(c)) return `subnet ${name} allow subnet ${c} v6 ip address can not contain upper case`;
        if (!parseCIDR(c)) return `${c} in allowSubnets is not a valid address`;
    }
    if (spec.gatewayType && spec.gatewayType !== "distributed" && spec.gatewayType !== "centralized") return `${spec.gatewayType} is not a valid gateway type`;
    if (spec.protocol && !["IPv4", "IPv6", "Dual"].includes(spec.protocol)) return `${spec.protocol} is not a valid protocol type`;
    if (spec.vpc === name) return `subnet ${name} and vpc ${spec.vpc} cannot have the same name`;
    const egw: string = spec.externalEgressGateway ?? "";
    if (egw) {
        if (spec.natOutgoing) return "conflict configuration: natOutgoing and externalEgressGateway";
        if (upper(egw)) return `subnet ${name} external egress gateway ${egw} v6 ip address can not contain upper case`;
        const ips = egw.split(",");
        if (ips.length > 2) return "invalid external egress gateway configuration";
        for (const ip of ips) if (!parseIP(ip)) return `IP ${ip} in externalEgressGateway is not a valid address`;
        const p: Protocol = checkProtocol(cidrBlock);
        if (checkProtocol(egw) !== p && p !== "Dual") return "invalid external egress gateway configuration: address family is conflict with CIDR";
    }
    for (const vip of spec.vips ?? []) {
        if (upper(vip)) return `subnet ${name} vips ${vip} v6 ip address can not contain upper case`;
        if (!cidrContainIP(cidrBlock, vip)) return `vip ${vip} conflicts with subnet ${name} cidr ${cidrBlock}`;
    }
    if (spec.logicalGateway && spec.u2oInterconnection) return "logicalGateway and u2oInterconnection can't be opened at the same time";
    if (spec.u2oFeatures?.overlayOnlyRouting) {
        if (!spec.u2oInterconnection) return "u2oFeatures.overlayOnlyRouting can only be enabled when u2oInterconnection is true";
        if (!spec.vlan) return "u2oFeatures.overlayOnlyRouting can only be enabled on underlay subnets (vlan must be set)";
    }
    if (spec.u2oInterconnectionIP) {
        if (upper(spec.u2oInterconnectionIP)) return `subnet ${name} U2O interconnection ip ${spec.u2oInterconnectionIP} v6 ip address can not contain upper case`;
        if (!cidrContainIP(cidrBlock, spec.u2oInterconnectionIP)) return `u2oInterconnectionIP ${spec.u2oInterconnectionIP} is not in subnet ${name} cidr ${cidrBlock}`;
    }
    return undefined;
}

/** Address ranges of a (formatted) cidrBlock: [first..last] per block, as pkg/ipam/subnet.go NewSubnet builds its pool. */
export function usableRanges(cidrBlock: string): IPRange[] {
    const out: IPRange[] = [];
    for (const c of cidrBlock.split(",")) {
        const cidr = parseCIDR(c);
        if (cidr) out.push({ family: cidr.family, start: firstIP(cidr), end: lastIP(cidr) });
    }
    return out;
}
