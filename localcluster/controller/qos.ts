// QoSPolicy: pkg/controller/qos_policy.go handleAddQoSPolicy, handleUpdateQoSPolicy,
// handleAddQoSPolicyFinalizer, handleDelQoSPoliciesFinalizer.
//
// Upstream only adds the finalizer in handleUpdateQoSPolicy, which runs on an update whose status
// differs from the spec, on deletion, or when an EIP/NAT gateway that used the policy is deleted;
// and handleAddQoSPolicyFinalizer skips an object that already has *any* finalizer. A policy
// created and never changed therefore has no finalizer. The stand-in keeps that.
import { Ctx, reconcileEach } from "./context";
import { removeFinalizer } from "./finalizers";
import { jsonEqual } from "./gojson";
import { FINALIZER, KObject, LABEL, R, isDeleting } from "./kinds";
import { patchStatus } from "./nat-common";

interface Rule {
    name: string;
    interface?: string;
    rateMax?: string;
    burstMax?: string;
    direction?: string;
    matchType?: string;
    matchValue?: string;
    [k: string]: unknown;
}

const sortRules = (rules: Rule[] | undefined) => [...(rules ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** validateQosPolicy */
export function validateQoSPolicy(name: string, spec: { bandwidthLimitRules?: Rule[]; shared?: boolean; bindingType?: string }): string | undefined {
    for (const r of spec.bandwidthLimitRules ?? []) {
        for (const [field, v] of [["rateMax", r.rateMax], ["burstMax", r.burstMax]] as const) {
            if (v && !/^[0-9]+(\.[0-9]+)?$/.test(v)) return `invalid ${field} value "${v}": must be a positive number (e.g., 100 or 0.5)`;
        }
        if (r.interface && !/^[a-zA-Z0-9_-]{1,15}$/.test(r.interface)) return `invalid interface name "${r.interface}": must be 1-15 alphanumeric characters, underscores, or hyphens`;
        if (r.direction && r.direction !== "ingress" && r.direction !== "egress") return `invalid direction "${r.direction}": must be 'ingress' or 'egress'`;
        if (r.matchType === "ip") {
            const parts = String(r.matchValue ?? "").split(" ");
            if (parts.length !== 2 || !["src", "dst"].includes(parts[0]) || !/\//.test(parts[1])) return `invalid ip MatchValue ${r.matchValue ?? ""}`;
        }
    }
    if (!spec.shared && spec.bindingType === "NATGW") return `qos policy ${name} is not shared, but binding to nat gateway`;
    return undefined;
}

const statusMatches = (q: KObject) =>
    (q.status?.shared ?? false) === (q.spec?.shared ?? false) &&
    (q.status?.bindingType ?? "") === (q.spec?.bindingType ?? "") &&
    jsonEqual(sortRules(q.status?.bandwidthLimitRules), sortRules(q.spec?.bandwidthLimitRules));

export function reconcileQoSPolicies(ctx: Ctx): Promise<void> {
    return reconcileEach(ctx, "qos", "QoSPolicy", (q) => reconcileQoS(ctx, q));
}

async function reconcileQoS(ctx: Ctx, q: KObject): Promise<string | undefined> {
    const name = q.metadata.name;
    const spec = q.spec ?? {};
    if (isDeleting(q)) {
        const selector = (o: KObject) => (o.metadata.labels ?? {})[LABEL.qos] === name;
        const inUse = spec.bindingType === "EIP" ? ctx.snap.all("eip").some(selector) : spec.bindingType === "NATGW" ? ctx.snap.all("natGw").some(selector) : false;
        if (inUse) return undefined; // waits for the references to go
        await removeFinalizer(ctx, "qos", q);
        return undefined;
    }
    if (statusMatches(q)) return undefined;
    const invalid = validateQoSPolicy(name, spec);
    const written = q.status && "bindingType" in q.status;
    if (!written) {
        // handleAddQoSPolicy
        if (invalid) return invalid;
        await patchStatus(ctx, "qos", q, { bandwidthLimitRules: sortRules(spec.bandwidthLimitRules), shared: spec.shared ?? false, bindingType: spec.bindingType ?? "" });
        return undefined;
    }
    // handleUpdateQoSPolicy
    const withFinalizer = await touchQoSPolicy(ctx, name);
    const cur = withFinalizer ?? q;
    if ((cur.status?.shared ?? false) !== (spec.shared ?? false) || (cur.status?.bindingType ?? "") !== (spec.bindingType ?? "")) return `not support qos ${name} change shared`;
    if (invalid) return invalid;
    if (cur.status?.shared) return `not support shared qos ${name} change rule`;
    if (cur.status?.bindingType === "EIP") {
        const eips = ctx.snap.all("eip").filter((o) => (o.metadata.labels ?? {})[LABEL.qos] === name);
        if (eips.length > 1) return `not support qos ${name} change rule, related eip more than one`;
    }
    await patchStatus(ctx, "qos", cur, { bandwidthLimitRules: sortRules(spec.bandwidthLimitRules), shared: cur.status?.shared ?? false, bindingType: cur.status?.bindingType ?? "" });
    return undefined;
}

/**
 * handleAddQoSPolicyFinalizer, reached from handleUpdateQoSPolicy (also when an EIP that used the
 * policy is deleted): adds the finalizer unless the policy is being deleted or has any finalizer.
 */
export async function touchQoSPolicy(ctx: Ctx, name: string): Promise<KObject | undefined> {
    const q = ctx.snap.find("qos", name);
    if (!q || isDeleting(q) || (q.metadata.finalizers ?? []).length !== 0) return q;
    const out = await ctx.kube.patch(R.qos, q, { metadata: { finalizers: [FINALIZER], resourceVersion: q.metadata.resourceVersion } });
    ctx.snap.put("qos", out);
    return out;
}
