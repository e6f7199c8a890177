// Address allocation the way pkg/ipam/subnet.go hands addresses out, rebuilt from the cluster on
// every call (as upstream's IPAM is rebuilt from IP, EIP, VIP objects when the controller starts).
// Pure, except for the random MAC.
import { randomBytes } from "node:crypto";
import { IPRange, formatIP, parseCIDR, parseIP, subtractRanges } from "./net";
import { expandExcludeIPs } from "./subnet-status";
import { SUBNET_SPEC, encodeStruct, jsonEqual } from "./gojson";
import { UpstreamConfig } from "./kinds";
import { Spec, formatSubnet, usableRanges, validateSubnet } from "./subnet-format";

export interface Allocation {
    v4: string;
    v6: string;
    error?: string;
}

/**
 * Random allocation (Subnet.getV4RandomAddress / IPRangeList.Allocate): the lowest address in
 * [first usable .. last usable] that is neither excluded nor held. Static allocation
 * (Subnet.GetStaticAddress): the address must lie in that range (ErrOutOfRange) and not be held by
 * someone else (ErrConflict); an excluded address is accepted. In a dual-stack subnet a family
 * without a static address gets a random one (checkAndAppendIpsForDual).
 * Upstream's long-running IPAM does not hand a released address out again until its free list is
 * exhausted; a freshly started controller (and this stand-in) simply takes the lowest free one.
 */
export function allocate(cidrBlock: string, excludeIps: string[], held: string[], staticIPs: string[] = []): Allocation {
    const out: Allocation = { v4: "", v6: "" };
    const heldRanges: IPRange[] = held.map(parseIP).filter((a) => !!a).map((a) => ({ family: a!.family, start: a!.value, end: a!.value }));
    for (const ipText of staticIPs) {
        const a = parseIP(ipText);
        if (!a) return { ...out, error: `failed to parse ip ${ipText}` };
        const block = usableRanges(cidrBlock).find((r) => r.family === a.family);
        if (!block || a.value < block.start || a.value > block.end) return { ...out, error: `ip ${ipText} is out of range` };
        if (heldRanges.some((r) => r.family === a.family && r.start === a.value)) return { ...out, error: `ip ${ipText} has been allocated` };
        if (a.family === 4) out.v4 = formatIP(a);
        else out.v6 = formatIP(a);
    }
    for (const c of cidrBlock.split(",")) {
        const cidr = parseCIDR(c);
        if (!cidr) return { ...out, error: `invalid cidr ${c}` };
        const key = cidr.family === 4 ? "v4" : "v6";
        if (out[key]) continue;
        const free = subtractRanges(subtractRanges(usableRanges(c), expandExcludeIPs(excludeIps, c)), heldRanges.filter((r) => r.family === cidr.family));
        if (free.length === 0) return { ...out, error: `no available ip in subnet cidr ${c}` };
        out[key] = formatIP({ family: cidr.family, value: free[0].start });
    }
    return out;
}

/** pkg/util/net.go GenerateMac: 6 random bytes, locally administered, unicast. */
export function randomMac(): string {
    const b = randomBytes(6);
    b[0] = (b[0] | 0x02) & 0xfe;
    return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/**
 * Whether upstream's IPAM knows the subnet yet: handleAddOrUpdateSubnet registers it
 * (ipam.AddOrUpdateSubnet) only after formatSubnet and ValidateSubnet passed; before that an
 * allocation fails with ErrNoSubnet and is retried.
 */
export function subnetInIPAM(name: string, spec: Spec | undefined, config: UpstreamConfig): boolean {
    const f = formatSubnet(name, spec ?? {}, config);
    if (f.error || !jsonEqual(encodeStruct(SUBNET_SPEC, f.spec), encodeStruct(SUBNET_SPEC, spec))) return false;
    return validateSubnet(name, f.spec!) === undefined;
}
