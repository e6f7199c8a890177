// Subnet status as kube-ovn-controller v1.16.2 computes it: conditions (pkg/apis/kubeovn/v1/subnet.go
// SubnetStatus helpers) and address usage (pkg/controller/subnet_status.go calcSubnetStatusIP,
// pkg/ipam/ipam.go GetSubnetIPRangeString). Pure.
import { createHash } from "node:crypto";
import { KObject, LABEL } from "./kinds";
import {
    IPRange, addressCount, cidrContains, formatRangeList, normaliseRanges, parseCIDR, parseIP, parseRange, rangeCount, subtractRanges,
} from "./net";
import { Spec, usableRanges } from "./subnet-format";

export interface Condition {
    type: string;
    status: "True" | "False" | "Unknown";
    reason?: string;
    message?: string;
    lastUpdateTime: string;
    lastTransitionTime: string;
    observedGeneration?: number;
}

/** metav1.Time in JSON: RFC 3339, whole seconds, UTC. */
export const kubeTime = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * SubnetStatus.setConditionValue: append a new condition, or update one whose status, reason or
 * message changed (lastTransitionTime only moves when the status does). Mutates `conds`.
 */
export function setCondition(conds: Condition[], type: string, status: Condition["status"], reason: string, message: string, now = kubeTime()): void {
    const c = conds.find((x) => x.type === type);
    if (!c) {
        conds.push({ type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now });
        return;
    }
    if (c.status === status && (c.reason ?? "") === reason && (c.message ?? "") === message) return;
    c.lastUpdateTime = now;
    if (c.status !== status) c.lastTransitionTime = now;
    c.status = status;
    c.reason = reason;
    c.message = message;
}

/** SubnetStatus.EnsureStandardConditions: Ready, Validated, Error as Unknown/"Init"/"Not Observed" when absent. */
export function ensureStandardConditions(conds: Condition[], now = kubeTime()): void {
    for (const t of ["Ready", "Validated", "Error"]) {
        if (!conds.some((c) => c.type === t)) conds.push({ type: t, status: "Unknown", reason: "Init", message: "Not Observed", lastUpdateTime: now, lastTransitionTime: now });
    }
}

/** pkg/controller/subnet_status.go patchSubnetStatus, applied to the conditions. */
export function applyPatchSubnetStatus(conds: Condition[], reason: string, err: string, now = kubeTime()): void {
    if (err) {
        setCondition(conds, "Error", "True", reason, err, now);
        if (reason === "ValidateLogicalSwitchFailed") setCondition(conds, "Validated", "False", reason, err, now);
        else setCondition(conds, "Validated", "True", reason, "", now);
        setCondition(conds, "Ready", "False", reason, err, now);
        return;
    }
    setCondition(conds, "Validated", "True", reason, "", now);
    if (["SetPrivateLogicalSwitchSuccess", "ResetLogicalSwitchAclSuccess", "ReconcileCentralizedGatewaySuccess", "SetNonOvnSubnetSuccess"].includes(reason)) {
        setCondition(conds, "Ready", "True", reason, "", now);
    }
}

const labelIs = (o: KObject, key: string, value: string) => (o.metadata.labels ?? {})[key] === value;

/** The objects whose addresses a subnet counts (pkg/controller/subnet_status.go calculateUsingIPs). */
export interface SubnetUsers {
    ips: KObject[];
    vips: KObject[];
    eips: KObject[];
    ovnEips: KObject[];
}

export function subnetUsers(name: string, all: SubnetUsers): SubnetUsers {
    return {
        ips: all.ips.filter((o) => labelIs(o, name, "")), // IP CRs carry the label "<subnet>": ""
        vips: all.vips.filter((o) => labelIs(o, LABEL.subnet, name) && labelIs(o, LABEL.ipReserved, "")),
        eips: all.eips.filter((o) => labelIs(o, LABEL.subnet, name)),
        ovnEips: all.ovnEips.filter((o) => labelIs(o, LABEL.subnet, name)),
    };
}

/** pkg/util/net.go ContainsIPs (a single entry matches as text) */
function excludeContains(entry: string, ip: string): boolean {
    if (!entry.includes("..")) return entry === ip;
    const r = parseRange(entry);
    const a = parseIP(ip);
    return !!r && !!a && r.family === a.family && r.start <= a.value && a.value <= r.end;
}

/** pkg/controller/subnet_status.go calculateUsingIPs */
export function usingIPCount(spec: Spec, users: SubnetUsers): number {
    const gws = String(spec.gateway ?? "").split(",");
    const noGw = (spec.excludeIps ?? []).filter((e: string) => !gws.includes(e));
    let n = users.ips.length;
    if (noGw.length > 0) {
        for (const ip of users.ips) {
            if (noGw.some((e: string) => excludeContains(e, ip.spec?.v4IpAddress ?? "") || excludeContains(e, ip.spec?.v6IpAddress ?? ""))) n--;
        }
    }
    return n + users.vips.length + users.eips.length + users.ovnEips.length;
}

/** Addresses the stand-in's IPAM holds for these users (what upstream's IPAM records for them). */
export function heldAddresses(users: SubnetUsers): string[] {
    const out: string[] = [];
    for (const ip of users.ips) out.push(ip.spec?.v4IpAddress ?? "", ip.spec?.v6IpAddress ?? "");
    for (const v of users.vips) out.push(v.spec?.v4ip ?? v.status?.v4ip ?? "", v.spec?.v6ip ?? v.status?.v6ip ?? "");
    for (const e of users.eips) out.push(e.status?.ip || e.spec?.v4ip || "", e.spec?.v6ip ?? "");
    for (const e of users.ovnEips) out.push(e.spec?.v4Ip ?? e.status?.v4Ip ?? "", e.spec?.v6Ip ?? e.status?.v6Ip ?? "");
    return out.filter((s) => s !== "");
}

/** pkg/util/net.go ExpandExcludeIPs: entries clipped to each block's usable range; network/broadcast singles dropped. */
export function expandExcludeIPs(excludeIps: string[], cidrBlock: string): IPRange[] {
    const out: IPRange[] = [];
    for (const e of excludeIps) {
        const r = parseRange(e);
        if (!r || r.start > r.end) continue;
        for (const block of usableRanges(cidrBlock)) {
            if (block.family !== r.family) continue;
            if (e.includes("..")) {
                const s = r.start < block.start ? block.start : r.start;
                const t = r.end > block.end ? block.end : r.end;
                if (s <= t) out.push({ family: r.family, start: s, end: t });
            } else if (r.start >= block.start && r.start <= block.end) {
                out.push(r);
                break;
            }
        }
    }
    return out;
}

export interface IPStatus {
    v4availableIPs: number;
    v4availableIPrange: string;
    v4usingIPs: number;
    v4usingIPrange: string;
    v6availableIPs: number;
    v6availableIPrange: string;
    v6usingIPs: number;
    v6usingIPrange: string;
}

/** pkg/controller/subnet_status.go calcSubnetStatusIP + pkg/ipam/ipam.go GetSubnetIPRangeString */
export function computeIPStatus(spec: Spec, usingIPs: number, held: string[]): IPStatus {
    const cidrBlock: string = spec.cidrBlock ?? "";
    const excludeIps: string[] = spec.excludeIps ?? [];
    const blocks = cidrBlock.split(",").map(parseCIDR);
    const out: IPStatus = {
        v4availableIPs: 0, v4availableIPrange: "", v4usingIPs: 0, v4usingIPrange: "",
        v6availableIPs: 0, v6availableIPrange: "", v6usingIPs: 0, v6usingIPrange: "",
    };
    const heldRanges = held.map(parseIP).filter((a) => !!a).map((a) => ({ family: a!.family, start: a!.value, end: a!.value }));
    for (const family of [4, 6] as const) {
        const cidr = blocks.find((b) => b?.family === family);
        if (!cidr) continue;
        const blockText = cidrBlock.split(",").find((c) => parseCIDR(c)?.family === family)!;
        const expanded = expandExcludeIPs(excludeIps, blockText);
        const available = addressCount(cidr) - rangeCount(expanded) - BigInt(usingIPs);
        const reserved = normaliseRanges(excludeIps.map(parseRange).filter((r): r is IPRange => !!r && r.family === family && r.start <= r.end));
        const mine = heldRanges.filter((r) => cidrContains(cidr, { family, value: r.start }));
        const using = subtractRanges(mine, reserved);
        const free = subtractRanges(subtractRanges(usableRanges(blockText), reserved), mine);
        const key = family === 4 ? "v4" : "v6";
        out[`${key}availableIPs`] = Number(available < 0n ? 0n : available);
        out[`${key}usingIPs`] = usingIPs;
        out[`${key}usingIPrange`] = formatRangeList(using);
        out[`${key}availableIPrange`] = formatRangeList(free);
    }
    return out;
}

/**
 * pkg/controller/subnet_status.go updateNatOutgoingPolicyRulesStatus: with natOutgoing, one entry
 * per rule with ruleID = first 12 hex digits of sha256(name + index + json(rule)); otherwise [].
 */
export function natOutgoingPolicyRulesStatus(name: string, spec: Spec): unknown[] {
    if (!spec.natOutgoing) return [];
    return (spec.natOutgoingPolicyRules ?? []).map((rule: { match?: { srcIPs?: string; dstIPs?: string }; action?: string }, i: number) => {
        const match: Record<string, string> = {};
        if (rule.match?.srcIPs) match.srcIPs = rule.match.srcIPs;
        if (rule.match?.dstIPs) match.dstIPs = rule.match.dstIPs;
        const json = JSON.stringify({ match, action: rule.action ?? "" });
        const ruleID = createHash("sha256").update(`${name}${i}${json}`).digest("hex").slice(0, 12);
        return { ruleID, match, action: rule.action ?? "" };
    });
}

/** pkg/controller/subnet.go readyToRemoveFinalizer, on a freshly computed status. */
export function readyToRemoveFinalizer(deleting: boolean, status: { v4usingIPs?: number; v6usingIPs?: number; u2oInterconnectionIP?: string }): boolean {
    if (!deleting) return false;
    const using = (status.v4usingIPs ?? 0) + (status.v6usingIPs ?? 0);
    if (using === 0) return true;
    if (status.u2oInterconnectionIP) return using === status.u2oInterconnectionIP.split(",").length;
    return false;
}

/**
 * Upstream patches the status several times in one round (Validated goes to
 * "ValidateLogicalSwitchSuccess" and then to the final reason), so every round moves
 * lastUpdateTime. The stand-in writes only the end state of a round: a condition whose
 * status/reason/message end where they started keeps its timestamps, so an unchanged subnet is
 * not rewritten on every poll.
 */
export function foldConditions(before: Condition[], after: Condition[]): Condition[] {
    return after.map((c) => {
        const old = before.find((o) => o.type === c.type);
        if (!old) return c;
        if (old.status === c.status && (old.reason ?? "") === (c.reason ?? "") && (old.message ?? "") === (c.message ?? "")) return old;
        return { ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : c.lastTransitionTime };
    });
}
