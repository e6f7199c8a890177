// Finalizer handling shared by every kind, the start-up migration of the legacy finalizer, and the
// kinds the stand-in only finalizes (it does not model what else upstream does to them).
import { Ctx, errorText, objKey } from "./context";
import { FINALIZER, KObject, LABEL, LEGACY_FINALIZER, MIGRATED_KINDS, R, ResourceKey, hasFinalizer, isDeleting } from "./kinds";
import { isConflict, isNotFound } from "./kube";

/**
 * Writes a new finalizer list with a merge patch that carries the resourceVersion, so a stale
 * view never overwrites someone else's change (409 -> the next pass retries). Upstream sends the
 * same merge patch (util.GenerateMergePatchPayload), without the version guard.
 */
async function writeFinalizers(ctx: Ctx, key: ResourceKey, obj: KObject, finalizers: string[]): Promise<KObject | undefined> {
    try {
        const out = await ctx.kube.patch(R[key], obj, { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
        ctx.snap.put(key, out);
        return out;
    } catch (e) {
        if (isConflict(e) || isNotFound(e)) return undefined;
        throw e;
    }
}

/** controllerutil.RemoveFinalizer(legacy) + AddFinalizer(current), as every handle*Finalizer upstream does. */
export async function addFinalizer(ctx: Ctx, key: ResourceKey, obj: KObject): Promise<KObject | undefined> {
    const current = obj.metadata.finalizers ?? [];
    if (current.includes(FINALIZER) && !current.includes(LEGACY_FINALIZER)) return obj;
    return writeFinalizers(ctx, key, obj, [...current.filter((f) => f !== LEGACY_FINALIZER && f !== FINALIZER), FINALIZER]);
}

/** Removes the current and the legacy finalizer; other owners' finalizers stay. */
export async function removeFinalizer(ctx: Ctx, key: ResourceKey, obj: KObject): Promise<KObject | undefined> {
    const current = obj.metadata.finalizers ?? [];
    if (!current.includes(FINALIZER) && !current.includes(LEGACY_FINALIZER)) return obj;
    return writeFinalizers(ctx, key, obj, current.filter((f) => f !== LEGACY_FINALIZER && f !== FINALIZER));
}

/**
 * pkg/controller/init.go syncFinalizers / migrateFinalizers, run when the controller starts:
 * objects of the migrated kinds that carry "kube-ovn-controller" lose it and, unless they are
 * being deleted, get "kubeovn.io/kube-ovn-controller".
 */
export async function migrateLegacyFinalizers(ctx: Ctx): Promise<void> {
    for (const key of MIGRATED_KINDS) {
        for (const obj of ctx.snap.all(key)) {
            const current = obj.metadata.finalizers ?? [];
            if (!current.includes(LEGACY_FINALIZER)) continue;
            const next = current.filter((f) => f !== LEGACY_FINALIZER);
            if (!isDeleting(obj) && !next.includes(FINALIZER)) next.push(FINALIZER);
            await writeFinalizers(ctx, key, obj, next);
        }
    }
}

/**
 * Kinds our product does not create; the stand-in gives them only the finalizer lifecycle:
 * - IPPool: pkg/controller/ippool.go handleAddOrUpdateIPPool / handleDeleteIPPool
 * - Vip: pkg/controller/vip.go handleUpdateVirtualIP (add; remove when deleting)
 * - OvnFip/OvnSnatRule/OvnDnatRule: pkg/controller/ovn_fip.go, ovn_snat.go, ovn_dnat.go handle*Finalizer
 * - OvnEip: pkg/controller/ovn_eip.go handleUpdateOvnEip (kept while an OVN NAT rule carries its
 *   v4 address in label ovn.kubernetes.io/eip_v4_ip, getOvnEipNat)
 * - VpcEgressGateway: pkg/controller/vpc_egress_gateway.go handleAddOrUpdateVpcEgressGateway /
 *   handleDelVpcEgressGateway
 */
export async function reconcileFinalizerOnlyKinds(ctx: Ctx): Promise<void> {
    for (const key of ["ippool", "vip", "ovnFip", "ovnSnat", "ovnDnat", "ovnEip", "egressGw"] as ResourceKey[]) {
        for (const obj of ctx.snap.all(key)) {
            const id = objKey(R[key].kind, obj);
            try {
                if (!isDeleting(obj)) {
                    if (!hasFinalizer(obj) || hasFinalizer(obj, LEGACY_FINALIZER)) await addFinalizer(ctx, key, obj);
                    continue;
                }
                if (key === "ovnEip") {
                    const v4 = obj.spec?.v4Ip ?? "";
                    const users = (["ovnFip", "ovnSnat", "ovnDnat"] as ResourceKey[]).filter((k) =>
                        ctx.snap.all(k).some((r) => (r.metadata.labels ?? {})[LABEL.eipV4] === v4),
                    );
                    if (users.length > 0) {
                        ctx.report(id, `ovn eip ${obj.metadata.name} is still being used by NAT rules`);
                        continue;
                    }
                }
                await removeFinalizer(ctx, key, obj);
                ctx.report(id);
            } catch (e) {
                ctx.report(id, errorText(e));
            }
        }
    }
}
