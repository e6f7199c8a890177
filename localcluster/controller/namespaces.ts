// Namespaces: one Kube-OVN rule (the annotations kube-ovn-controller writes), and, kept apart, a
// helper that stands in for kube-controller-manager's namespace finalizer.
import { Ctx, errorText, objKey } from "./context";
import { ANNOTATION, KObject, R, Resource } from "./kinds";
import { isNotFound } from "./kube";

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

// ---------------------------------------------------------------------------------------------
// NOT a Kube-OVN rule. No kube-controller-manager runs beside the local API server, so nothing
// would ever remove the "kubernetes" finalizer of a deleted Namespace. This helper does it once
// the namespace holds none of the kinds our product and its tests create (it does not delete
// them, unlike the real namespace controller: anything left behind keeps the namespace
// Terminating, which is how a test notices it).
// ---------------------------------------------------------------------------------------------

const core = (plural: string): Resource => ({ group: "", version: "v1", plural, kind: plural, namespaced: true, statusSubresource: false });
const api = (group: string, version: string, plural: string): Resource => ({ group, version, plural, kind: plural, namespaced: true, statusSubresource: false });

export const NAMESPACED_KINDS: Resource[] = [
    core("pods"), core("services"), core("configmaps"), core("secrets"), core("serviceaccounts"), core("persistentvolumeclaims"),
    api("apps", "v1", "deployments"), api("apps", "v1", "statefulsets"), api("apps", "v1", "daemonsets"), api("apps", "v1", "replicasets"),
    api("batch", "v1", "jobs"), api("batch", "v1", "cronjobs"), api("networking.k8s.io", "v1", "networkpolicies"),
    api("k8s.cni.cncf.io", "v1", "network-attachment-definitions"), api("kubeovn.io", "v1", "vpc-egress-gateways"),
];

/** The first kind that still has objects in the namespace, or undefined when it is empty. */
export async function leftoverKind(ctx: Ctx, ns: string): Promise<string | undefined> {
    for (const res of NAMESPACED_KINDS) {
        const items = await ctx.kube.list(res, ns);
        if (items && items.length > 0) return `${res.plural}/${items[0].metadata.name}`;
    }
    return undefined;
}

export async function finalizeTerminatingNamespaces(ctx: Ctx): Promise<void> {
    for (const ns of ctx.snap.all("namespace")) {
        if (!ns.metadata.deletionTimestamp) continue;
        if (!(ns.spec?.finalizers ?? []).includes("kubernetes")) {
            // Finalized but still there. A foreground deletion (pulumi-kubernetes deletes that way)
            // left `foregroundDeletion`, which the garbage collector removes once no object is
            // owned by the namespace (nothing is here); then, like the namespace controller, delete
            // it once more, which removes a namespace with no finalizers left.
            const id = `namespace-finalizer ${ns.metadata.name}`;
            try {
                const meta = ns.metadata.finalizers ?? [];
                if (meta.includes("foregroundDeletion")) {
                    const rest = meta.filter((f: string) => f !== "foregroundDeletion");
                    await ctx.kube.patch(R.namespace, ns, { metadata: { finalizers: rest, resourceVersion: ns.metadata.resourceVersion } });
                } else if (meta.length === 0) {
                    await ctx.kube.request("DELETE", `/api/v1/namespaces/${ns.metadata.name}`);
                }
            } catch (e) {
                if (!isNotFound(e)) ctx.report(id, errorText(e));
            }
            continue;
        }
        const id = `namespace-finalizer ${ns.metadata.name}`;
        try {
            const left = await leftoverKind(ctx, ns.metadata.name);
            if (left) {
                ctx.report(id, `namespace ${ns.metadata.name} still holds ${left}`);
                continue;
            }
            const body: KObject = { ...ns, spec: { ...ns.spec, finalizers: ns.spec.finalizers.filter((f: string) => f !== "kubernetes") } };
            await ctx.kube.finalizeNamespace(body);
            await ctx.kube.request("DELETE", `/api/v1/namespaces/${ns.metadata.name}`);
            ctx.report(id);
        } catch (e) {
            ctx.report(id, errorText(e));
        }
    }
}
