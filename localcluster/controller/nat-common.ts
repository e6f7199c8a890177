// What the iptables NAT handlers share (pkg/controller/vpc_nat_gateway.go, vpc_nat_gw_eip.go,
// vpc_nat_gw_nat.go).
import { Ctx } from "./context";
import { DEFAULT_EXTERNAL_NETWORK, KObject, LABEL, NAT_GW_CONFIGMAP, R, ResourceKey } from "./kinds";
import { jsonEqual } from "./gojson";

/**
 * vpc_nat_gateway.go resyncVpcNatGwConfig: NAT gateways are enabled unless ConfigMap
 * ovn-vpc-nat-gw-config (in the controller's namespace) is missing or says
 * enable-vpc-nat-gw: "false". Every EIP/NAT rule/gateway handler refuses to work otherwise
 * ("iptables nat gw not enable").
 */
export function vpcNatEnabled(ctx: Ctx): boolean {
    const cm = ctx.snap.find("configMap", NAT_GW_CONFIGMAP, ctx.config.podNamespace);
    return !!cm && (cm.data ?? {})["enable-vpc-nat-gw"] !== "false";
}

/** util.GetExternalNetwork */
export const externalNetwork = (externalSubnet: string | undefined) => externalSubnet || DEFAULT_EXTERNAL_NETWORK;

/**
 * Stand-in for getNatGwPod (the gateway's StatefulSet pod must be Running): no pod ever runs
 * here, so the pod counts as running whenever its VpcNatGateway exists and upstream would have
 * created the StatefulSet for it (its Vpc and Subnet exist, NAT gateways enabled).
 */
export function natGwPodError(ctx: Ctx, gwName: string): string | undefined {
    const gw = ctx.snap.find("natGw", gwName);
    const pod = `vpc-nat-gw-${gwName}`;
    if (!gw || !vpcNatEnabled(ctx)) return `pod "${pod}" not found`;
    if (!ctx.snap.find("vpc", gw.spec?.vpc ?? "") || !ctx.snap.find("subnet", gw.spec?.subnet ?? "")) return `pod "${pod}" not found`;
    return undefined;
}

/** vpc_nat_gw_eip.go getIptablesEipNat: which NAT rule kinds carry label eip_v4_ip=<v4ip>, as "dnat,fip,snat". */
export function eipNat(ctx: Ctx, v4ip: string): string {
    const using = (key: ResourceKey) => ctx.snap.all(key).some((r) => (r.metadata.labels ?? {})[LABEL.eipV4] === v4ip);
    return [using("dnat") ? "dnat" : "", using("fip") ? "fip" : "", using("snat") ? "snat" : ""].filter((s) => s).join(",");
}

/** Merges `labels` and `annotations` into the object (upstream: JSON patches of the whole maps). */
export async function patchMeta(
    ctx: Ctx,
    key: ResourceKey,
    obj: KObject,
    labels: Record<string, string>,
    annotations: Record<string, string> = {},
): Promise<KObject> {
    const curL = obj.metadata.labels ?? {};
    const curA = obj.metadata.annotations ?? {};
    const needL = Object.entries(labels).some(([k, v]) => curL[k] !== v);
    const needA = Object.entries(annotations).some(([k, v]) => curA[k] !== v);
    if (!needL && !needA) return obj;
    const metadata: Record<string, unknown> = { resourceVersion: obj.metadata.resourceVersion };
    if (needL) metadata.labels = labels;
    if (needA) metadata.annotations = annotations;
    const out = await ctx.kube.patch(R[key], obj, { metadata });
    ctx.snap.put(key, out);
    return out;
}

/** Merge-patches `status` (the whole Go status struct, as upstream's Status.Bytes() sends it) when it differs. */
export async function patchStatus(ctx: Ctx, key: ResourceKey, obj: KObject, status: Record<string, unknown>): Promise<KObject> {
    const merged: Record<string, unknown> = { ...(obj.status ?? {}) };
    for (const [k, v] of Object.entries(status)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
    }
    if (jsonEqual(merged, obj.status ?? {})) return obj;
    const out = await ctx.kube.patch(R[key], obj, { metadata: { resourceVersion: obj.metadata.resourceVersion }, status }, "merge", "status");
    ctx.snap.put(key, out);
    return out;
}

