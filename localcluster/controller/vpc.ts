// Vpc reconcile (pkg/controller/vpc.go handleAddOrUpdateVpc, formatVpc, handleUpdateVpcStatus).
import { Ctx, errorText, objKey } from "./context";
import { VPC_SPEC, encodeStruct, jsonEqual } from "./gojson";
import { FINALIZER, KObject, LABEL, LEGACY_FINALIZER, R, isDeleting } from "./kinds";
import { isConflict, isNotFound } from "./kube";
import { computeVpcStatus, formatVpcSpec } from "./vpc-format";

export async function reconcileVpcs(ctx: Ctx): Promise<void> {
    for (const vpc of ctx.snap.all("vpc")) {
        // enqueueAddVpc / enqueueUpdateVpc: VPCs labelled ovn.kubernetes.io/vpc_external are not handled
        if (vpc.metadata.labels && LABEL.vpcExternal in vpc.metadata.labels) continue;
        const id = objKey("Vpc", vpc);
        try {
            const formatted = await formatVpc(ctx, vpc);
            if (!formatted) continue;
            await updateVpcStatus(ctx, formatted);
            ctx.report(id);
        } catch (e) {
            if (isConflict(e) || isNotFound(e)) continue; // next pass sees the new version
            ctx.report(id, errorText(e));
        }
    }
}

/**
 * formatVpc: spec rules, then the finalizer: added while the Vpc lives, removed once it is being
 * deleted and status.subnets (as last written) is empty. Any change makes upstream Update() the
 * whole Go object, so the spec is written in its Go-encoded form (static routes gain ecmpMode,
 * bfdId and routeTable "").
 */
async function formatVpc(ctx: Ctx, vpc: KObject): Promise<KObject | undefined> {
    const f = formatVpcSpec(vpc.spec);
    if (f.error) {
        ctx.report(objKey("Vpc", vpc), `failed to format vpc ${vpc.metadata.name}: ${f.error}`);
        return undefined;
    }
    let changed = !!f.changed;
    let finalizers = vpc.metadata.finalizers ?? [];
    if (!isDeleting(vpc) && !finalizers.includes(FINALIZER)) {
        finalizers = [...finalizers, FINALIZER];
        changed = true;
    }
    if (isDeleting(vpc) && (vpc.status?.subnets ?? []).length === 0) {
        // controllerutil.RemoveFinalizer, and `changed = true` even when it was not there
        finalizers = finalizers.filter((x) => x !== FINALIZER);
        changed = finalizers.length !== (vpc.metadata.finalizers ?? []).length || changed;
    }
    if (!changed) return vpc;
    const spec = encodeStruct(VPC_SPEC, f.spec);
    if (jsonEqual(spec, vpc.spec ?? {}) && jsonEqual(finalizers, vpc.metadata.finalizers ?? [])) return vpc;
    const out = await ctx.kube.replace(R.vpc, { ...vpc, metadata: { ...vpc.metadata, finalizers }, spec });
    ctx.snap.put("vpc", out);
    if (!out.metadata.finalizers?.some((x) => x === FINALIZER || x === LEGACY_FINALIZER) && isDeleting(out)) return undefined;
    return out;
}

/** The status part of handleAddOrUpdateVpc / handleUpdateVpcStatus, written with UpdateStatus. */
async function updateVpcStatus(ctx: Ctx, vpc: KObject): Promise<void> {
    const status = computeVpcStatus(vpc, ctx.snap.all("subnet"), ctx.config);
    if (jsonEqual(status, vpc.status ?? {})) return;
    const out = await ctx.kube.replace(R.vpc, { ...vpc, status }, "status");
    ctx.snap.put("vpc", out);
}
