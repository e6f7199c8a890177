// Namespaces: the annotations kube-ovn-controller writes on namespaces bound to subnets. Deleting
// namespaces is kube-controller-manager's job (the local control plane runs it).
import { Ctx, errorText, objKey } from "./context";
import { ANNOTATION, R } from "./kinds";

const selectorMatches = (sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }, labels: Record<string, string>) => {
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
        const has = e.key in labels;
        const inValues = (e.values ?? []).includes(labels[e.key]);
        if (e.operator === "In" && !(has && inValues)) return false;
        if (e.operator === "NotIn" && has && inValues) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
};

/**
 * Kube-OVN rule: pkg/controller/namespace.go handleAddNamespace. A namespace bound to subnets
 * (spec.namespaces or a namespaceSelector) gets ovn.kubernetes.io/logical_switch (names, ","),
 * ovn.kubernetes.io/cidr (";"), ovn.kubernetes.io/exclude_ips (";", each subnet's list joined by
 * ","), and ovn.kubernetes.io/ip_pool (IPPools naming it; removed when none). A custom VPC's
 * spec.defaultSubnet is put first for the VPC's namespaces. Subnets are taken in name order
 * (upstream: informer cache order). A namespace bound to no subnet gets the default VPC's default
 * subnet upstream; without that VPC/subnet (as here) upstream fails, and the stand-in skips it.
 */
export async function reconcileNamespaceAnnotations(ctx: Ctx): Promise<void> {
    const subnets = [...ctx.snap.all("subnet")].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    for (const ns of ctx.snap.all("namespace")) {
        const name = ns.metadata.name;
        const labels = ns.metadata.labels ?? {};
        let lss: string[] = [];
        const cidrs: string[] = [];
        const excludes: string[] = [];
        for (const s of subnets) {
            const bound = (s.spec?.namespaces ?? []).includes(name) || (s.spec?.namespaceSelectors ?? []).some((sel: never) => selectorMatches(sel, labels));
            if (bound && !lss.includes(s.metadata.name)) {
                lss.push(s.metadata.name);
                cidrs.push(s.spec?.cidrBlock ?? "");
                excludes.push((s.spec?.excludeIps ?? []).join(","));
            }
            const vpcName = s.spec?.vpc ?? "";
            if (vpcName && vpcName !== ctx.config.clusterRouter) {
                const vpc = ctx.snap.find("vpc", vpcName);
                if (vpc && s.metadata.name === vpc.spec?.defaultSubnet && (vpc.spec?.namespaces ?? []).includes(name) && name !== "kube-system") {
                    lss = [s.metadata.name, ...lss];
                }
            }
        }
        if (lss.length === 0) continue;
        const pools = ctx.snap.all("ippool").filter((p) => (p.spec?.namespaces ?? []).includes(name)).map((p) => p.metadata.name);
        const want: Record<string, string | null> = {
            [ANNOTATION.logicalSwitch]: lss.join(","),
            [ANNOTATION.cidr]: cidrs.join(";"),
            [ANNOTATION.excludeIps]: excludes.join(";"),
            [ANNOTATION.ipPool]: pools.length ? pools.join(",") : null,
        };
        const cur = ns.metadata.annotations ?? {};
        if (Object.entries(want).every(([k, v]) => (cur[k] ?? null) === v || (v === null && !(k in cur)))) continue;
        try {
            ctx.snap.put("namespace", await ctx.kube.patch(R.namespace, ns, { metadata: { annotations: want } }));
        } catch (e) {
            ctx.report(objKey("Namespace", ns), errorText(e));
        }
    }
}
