// IptablesFIPRule / IptablesDnatRule / IptablesSnatRule: pkg/controller/vpc_nat_gw_nat.go
// handleAdd*, handleUpdate* (spec change, deletion), patch*Status, patch*Label, validate*Rule.
import { Ctx, reconcileEach } from "./context";
import { addFinalizer, removeFinalizer } from "./finalizers";
import { ANNOTATION, KObject, LABEL, LEGACY_FINALIZER, ResourceKey, hasFinalizer, isDeleting } from "./kinds";
import { checkProtocol, parseCIDR, parseIP } from "./net";
import { natGwPodError, patchMeta, patchStatus, vpcNatEnabled } from "./nat-common";

type RuleKind = "fip" | "dnat" | "snat";
const KIND: Record<RuleKind, string> = { fip: "IptablesFIPRule", dnat: "IptablesDnatRule", snat: "IptablesSnatRule" };

export async function reconcileNatRules(ctx: Ctx): Promise<void> {
    for (const kind of ["fip", "dnat", "snat"] as RuleKind[]) await reconcileEach(ctx, kind, KIND[kind], (rule) => reconcileRule(ctx, kind, rule));
}

const validPort = (p: unknown) => /^[0-9]+$/.test(String(p ?? "")) && Number(p) >= 1 && Number(p) <= 65535;

/** validateFipRule / validateDnatRule / validateSnatRule */
export function validateRule(kind: RuleKind, name: string, spec: Record<string, string> | undefined): string | undefined {
    const s = spec ?? {};
    if (!s.eip) return `${name}: eip cannot be empty`;
    if (kind === "dnat") {
        if (!validPort(s.externalPort)) return `${name}: invalid externalPort "${s.externalPort ?? ""}"`;
        if (!validPort(s.internalPort)) return `${name}: invalid internalPort "${s.internalPort ?? ""}"`;
    }
    if (kind === "fip" || kind === "dnat") {
        if (!s.internalIp) return `${name}: internalIP cannot be empty`;
        if (!parseIP(s.internalIp)) return `${name}: invalid internalIP "${s.internalIp}"`;
        if (checkProtocol(s.internalIp) !== "IPv4") return `${name}: internalIP "${s.internalIp}" must be IPv4, IPv6 is not supported`;
    }
    if (kind === "dnat" && !["tcp", "udp"].includes(String(s.protocol ?? "").toLowerCase())) return `${name}: invalid protocol "${s.protocol ?? ""}": must be tcp or udp`;
    if (kind === "snat") {
        const cidr = s.internalCIDR ?? "";
        if (!cidr) return `${name}: internalCIDR cannot be empty`;
        if ((cidr.match(/\//g) ?? []).length > 1) return `${name}: internalCIDR "${cidr}" contains multiple CIDRs, only single CIDR or IP is allowed`;
        if (cidr.includes("/") ? !cidr.split(",").every((c) => parseCIDR(c)) : !parseIP(cidr)) return `${name}: invalid internalCIDR "${cidr}"`;
        if (checkProtocol(cidr) !== "IPv4") return `${name}: internalCIDR "${cidr}" must be IPv4, IPv6 is not supported`;
    }
    return undefined;
}

/** The status patch*Status leaves when the rule is (re)applied: the EIP's address and gateway, the spec's rule fields. */
export function readyStatus(kind: RuleKind, rule: KObject, eip: KObject): Record<string, unknown> {
    const s = rule.status ?? {};
    const base = { ready: true, v4ip: eip.status.ip, v6ip: eip.spec?.v6ip ?? "", natGwDp: eip.spec?.natGwDp ?? "", redo: s.redo ?? "" };
    const spec = rule.spec ?? {};
    if (kind === "fip") return { ...base, internalIp: spec.internalIp || s.internalIp || "" };
    if (kind === "dnat") {
        return {
            ...base,
            protocol: spec.protocol || s.protocol || "",
            internalIp: spec.internalIp || s.internalIp || "",
            internalPort: spec.internalPort || s.internalPort || "",
            externalPort: spec.externalPort || s.externalPort || "",
        };
    }
    return { ...base, internalCIDR: String(spec.internalCIDR ?? "").split(",").find((c) => checkProtocol(c) === "IPv4") ?? s.internalCIDR ?? "" };
}

async function reconcileRule(ctx: Ctx, kind: RuleKind, cached: KObject): Promise<string | undefined> {
    const key: ResourceKey = kind;
    if (isDeleting(cached)) {
        // finalDelete*InPod (skipped when the gateway is gone; the simulated pod is otherwise there), then the finalizer
        await removeFinalizer(ctx, key, cached);
        return undefined;
    }
    if (!vpcNatEnabled(ctx)) return "iptables nat gw not enable";
    const name = cached.metadata.name;
    const invalid = validateRule(kind, name, cached.spec);
    if (invalid) return invalid;
    const eip = ctx.snap.find("eip", cached.spec.eip);
    if (!eip?.status?.ip) return `eip '${cached.spec.eip}' is not ready, has no v4ip`;
    const v4: string = eip.spec?.v4ip ?? "";
    if (kind === "fip") {
        // fipTryUseEip: one FIP per EIP
        const other = ctx.snap.all("fip").find((f) => f.metadata.name !== name && (f.metadata.labels ?? {})[LABEL.eipV4] === v4);
        if (other) return `${v4} is used by the other fip ${other.metadata.name}`;
    }
    if (kind === "dnat") {
        // isDnatDuplicated: same gateway + external port (by label), same EIP and protocol
        const dup = ctx.snap.all("dnat").find((d) => {
            const l = d.metadata.labels ?? {};
            return d.metadata.name !== name && l[LABEL.natGwName] === eip.spec?.natGwDp && l[LABEL.dnatExternalPort] === cached.spec.externalPort &&
                d.spec?.eip === cached.spec.eip && d.spec?.protocol === cached.spec.protocol;
        });
        if (dup) {
            return `failed to create dnat ${name}, duplicate, same eip ${cached.spec.eip}, same external port '${cached.spec.externalPort}', same protocol'${cached.spec.protocol}' is used by dnat ${dup.metadata.name}`;
        }
    }
    const s = cached.status ?? {};
    const applied = s.ready && s.v4ip;
    if (applied) {
        // update path: nothing to do unless the EIP's address or the rule's own fields moved
        if (!eip.spec?.natGwDp) return undefined;
        const want = readyStatus(kind, cached, eip);
        const moved = Object.entries(want).some(([k, v]) => k !== "ready" && k !== "redo" && (s[k] ?? "") !== v);
        let rule = cached;
        if (moved) rule = await applyRule(ctx, kind, rule, eip);
        if (!hasFinalizer(rule) || hasFinalizer(rule, LEGACY_FINALIZER)) await addFinalizer(ctx, key, rule);
        return undefined;
    }
    // add path: the finalizer goes on before the rule is created in the gateway pod
    const rule = (await addFinalizer(ctx, key, cached)) ?? cached;
    const podError = natGwPodError(ctx, eip.spec?.natGwDp ?? "");
    if (podError) return podError;
    await applyRule(ctx, kind, rule, eip);
    return undefined;
}

/** patch*Status (ready, addresses, rule fields) then patch*Label (gateway, address, DNAT port) and the vpc_eip annotation. */
async function applyRule(ctx: Ctx, kind: RuleKind, rule: KObject, eip: KObject): Promise<KObject> {
    let out = await patchStatus(ctx, kind, rule, readyStatus(kind, rule, eip));
    const labels: Record<string, string> = {
        ...(out.metadata.labels ?? {}),
        [LABEL.natGwName]: eip.spec?.natGwDp ?? "",
        [LABEL.eipV4]: eip.spec?.v4ip ?? "",
    };
    if (kind === "dnat") labels[LABEL.dnatExternalPort] = rule.spec?.externalPort ?? "";
    out = await patchMeta(ctx, kind, out, labels, { ...(out.metadata.annotations ?? {}), [ANNOTATION.vpcEip]: eip.metadata.name });
    return out;
}
