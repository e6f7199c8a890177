// VpcNatGateway: pkg/controller/vpc_nat_gateway.go handleAddOrUpdateVpcNatGw, patchNatGwStatus,
// updateCrdNatGwLabels, patchNatGwQoSStatus. No finalizer in v1.16.2. The StatefulSet
// vpc-nat-gw-<name> is not created (nothing could run it here) and spec.lanIp is not backfilled
// from the pod (backfillVpcNatGwLanIPFromPod needs a running pod).
import { Ctx, reconcileEach } from "./context";
import { jsonEqual } from "./gojson";
import { KObject, LABEL } from "./kinds";
import { patchMeta, patchStatus, vpcNatEnabled } from "./nat-common";

export function reconcileNatGateways(ctx: Ctx): Promise<void> {
    return reconcileEach(ctx, "natGw", "VpcNatGateway", (gw) => reconcileNatGateway(ctx, gw));
}

/** slices.Equal treats nil and empty alike; reflect.DeepEqual (tolerations, affinity) does not, but absent==absent here. */
const sameList = (a: unknown, b: unknown) => jsonEqual(a ?? [], b ?? []);

/** The status patchNatGwStatus writes: spec's externalSubnets/selector/tolerations/affinity copied over. */
export function natGwStatus(gw: KObject): Record<string, unknown> | undefined {
    const spec = gw.spec ?? {};
    const st = gw.status ?? {};
    const changed =
        !sameList(spec.externalSubnets, st.externalSubnets) ||
        !sameList(spec.selector, st.selector) ||
        !jsonEqual(spec.tolerations, st.tolerations) ||
        !jsonEqual(spec.affinity ?? {}, st.affinity ?? {});
    if (!changed) return undefined;
    // VpcNatGatewayStatus.Bytes(): nil slices are null (the merge patch removes them), affinity is a struct ({})
    return {
        qosPolicy: st.qosPolicy ?? "",
        externalSubnets: spec.externalSubnets ?? null,
        selector: spec.selector ?? null,
        tolerations: spec.tolerations ?? null,
        affinity: spec.affinity ?? {},
    };
}

async function reconcileNatGateway(ctx: Ctx, cached: KObject): Promise<string | undefined> {
    if (!vpcNatEnabled(ctx)) return "iptables nat gw not enable";
    const spec = cached.spec ?? {};
    if (!ctx.snap.find("vpc", spec.vpc ?? "")) return `failed to get vpc '${spec.vpc ?? ""}', err: vpcs.kubeovn.io "${spec.vpc ?? ""}" not found`;
    if (!ctx.snap.find("subnet", spec.subnet ?? "")) return `failed to get subnet '${spec.subnet ?? ""}', err: subnets.kubeovn.io "${spec.subnet ?? ""}" not found`;
    let gw = cached;
    const status = natGwStatus(gw);
    if (status) gw = await patchStatus(ctx, "natGw", gw, status);
    const qos: string = spec.qosPolicy ?? "";
    if ((gw.status?.qosPolicy ?? "") !== qos) {
        // updateCrdNatGwLabels + patchNatGwQoSStatus (execNatGwQoS in the pod is simulated)
        gw = await patchMeta(ctx, "natGw", gw, { ...(gw.metadata.labels ?? {}), [LABEL.subnet]: spec.subnet, [LABEL.vpc]: spec.vpc, [LABEL.qos]: qos });
        await patchStatus(ctx, "natGw", gw, { ...statusOf(gw), qosPolicy: qos });
    }
    return undefined;
}

function statusOf(gw: KObject): Record<string, unknown> {
    const st = gw.status ?? {};
    return {
        qosPolicy: st.qosPolicy ?? "",
        externalSubnets: st.externalSubnets ?? null,
        selector: st.selector ?? null,
        tolerations: st.tolerations ?? null,
        affinity: st.affinity ?? {},
    };
}
