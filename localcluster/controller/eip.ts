// IptablesEIP: pkg/controller/vpc_nat_gw_eip.go handleAddIptablesEip, createOrUpdateEipCR,
// handleUpdateIptablesEip, handleResetIptablesEip (refresh of status.nat), finalizers.
import { Ctx, reconcileEach } from "./context";
import { addFinalizer, removeFinalizer } from "./finalizers";
import { EIP_SPEC, encodeStruct, jsonEqual } from "./gojson";
import { allocate, randomMac, subnetInIPAM } from "./ipam";
import { KObject, LABEL, LEGACY_FINALIZER, R, hasFinalizer, isDeleting } from "./kinds";
import { checkProtocol } from "./net";
import { eipNat, externalNetwork, natGwPodError, patchMeta, patchStatus, vpcNatEnabled } from "./nat-common";
import { touchQoSPolicy } from "./qos";
import { heldAddresses, subnetUsers } from "./subnet-status";

export function reconcileEips(ctx: Ctx): Promise<void> {
    return reconcileEach(ctx, "eip", "IptablesEIP", (eip) => (isDeleting(eip) ? deleteEip(ctx, eip) : addOrUpdateEip(ctx, eip)));
}

/** handleUpdateIptablesEip, deletion branch. */
async function deleteEip(ctx: Ctx, eip: KObject): Promise<string | undefined> {
    const subnetName = externalNetwork(eip.spec?.externalSubnet);
    const subnet = ctx.snap.find("subnet", subnetName);
    // the subnet is looked up first: an EIP whose external subnet is gone keeps its finalizer
    if (!subnet) return `failed to get subnet ${subnetName}: subnets.kubeovn.io "${subnetName}" not found`;
    if (!String(subnet.spec?.cidrBlock ?? "").split(",").some((c) => checkProtocol(c) === "IPv4")) return `subnet ${subnetName} does not support ipv4`;
    // getIptablesEipNat: kept while a FIP/DNAT/SNAT rule carries its address in label eip_v4_ip
    const nat = eipNat(ctx, eip.spec?.v4ip ?? "");
    if (nat) return undefined; // "still being used by NAT rules", waits without error
    // deleteEipInPod: skipped when the gateway is gone; the (simulated) pod is otherwise always there
    await removeFinalizer(ctx, "eip", eip);
    // the QoS policy it used is reconciled again (handleUpdateQoSPolicy), which adds its finalizer
    if (eip.status?.qosPolicy) await touchQoSPolicy(ctx, eip.status.qosPolicy);
    return undefined;
}

async function addOrUpdateEip(ctx: Ctx, cached: KObject): Promise<string | undefined> {
    if (!(cached.status?.ready && cached.status?.ip)) return addEip(ctx, cached);
    // handleUpdateIptablesEip, update branch
    let eip = cached;
    if (eip.status.ip !== eip.spec?.v4ip) return `not support eip change ip, old ip '${eip.status.ip}', new ip '${eip.spec?.v4ip ?? ""}'`;
    if (!vpcNatEnabled(ctx)) return "iptables nat gw not enable";
    const qos: string = eip.spec?.qosPolicy ?? "";
    if ((eip.status.qosPolicy ?? "") !== qos) {
        const qosError = checkQoS(ctx, eip);
        if (qosError) return qosError;
        eip = await patchMeta(ctx, "eip", eip, eipLabels(eip, true));
        eip = await patchStatus(ctx, "eip", eip, { qosPolicy: qos });
    }
    if (!hasFinalizer(eip) || hasFinalizer(eip, LEGACY_FINALIZER)) eip = (await addFinalizer(ctx, "eip", eip)) ?? eip;
    // handleResetIptablesEip after a NAT rule came or went: labels again, status.nat recomputed
    const nat = eipNat(ctx, eip.spec?.v4ip ?? "");
    if ((eip.status.nat ?? "") !== nat || eip.status.ready !== true) await patchStatus(ctx, "eip", eip, { ...fullStatus(eip), ready: true, nat });
    return undefined;
}

/** handleAddIptablesEip + createOrUpdateEipCR (the EIP exists: labels, spec, status, finalizer). */
async function addEip(ctx: Ctx, eip: KObject): Promise<string | undefined> {
    if (!vpcNatEnabled(ctx)) return "iptables nat gw not enable";
    const subnetName = externalNetwork(eip.spec?.externalSubnet);
    const subnet = ctx.snap.find("subnet", subnetName);
    if (!subnet) return `failed to get subnet ${subnetName}: subnets.kubeovn.io "${subnetName}" not found`;
    if (/[A-Z]/.test(eip.spec?.v6ip ?? "")) return `eip ${eip.metadata.name} v6 ip address ${eip.spec.v6ip} can not contain upper case`;
    const podError = natGwPodError(ctx, eip.spec?.natGwDp ?? "");
    if (podError) return podError;
    if (!subnetInIPAM(subnetName, subnet.spec, ctx.config)) return `failed to allocate eip, err: subnet ${subnetName} not yet in IPAM`;

    const users = subnetUsers(subnetName, {
        ips: ctx.snap.all("ip"),
        vips: ctx.snap.all("vip"),
        eips: ctx.snap.all("eip").filter((o) => o.metadata.name !== eip.metadata.name),
        ovnEips: ctx.snap.all("ovnEip"),
    });
    const statics = eip.spec?.v4ip ? [eip.spec.v4ip] : [];
    const got = allocate(subnet.spec?.cidrBlock ?? "", subnet.spec?.excludeIps ?? [], heldAddresses(users), statics);
    if (got.error) return statics.length ? `failed to acquire static eip, err: ${got.error}` : `failed to allocate eip, err: ${got.error}`;
    if (!got.v4) return `subnet ${subnetName} does not support ipv4`;
    if (eip.spec?.qosPolicy) {
        const qosError = checkQoS(ctx, eip);
        if (qosError) return qosError;
    }
    const natGwDp: string = eip.spec?.natGwDp ?? "";
    // createOrUpdateEipCR: labels, then Update() of the Go object (all six spec fields written)
    const labels: Record<string, string> = {
        ...(eip.metadata.labels ?? {}),
        [LABEL.subnet]: subnetName,
        [LABEL.natGwName]: natGwDp,
        [LABEL.eipV4]: got.v4,
    };
    if (eip.spec?.qosPolicy) labels[LABEL.qos] = eip.spec.qosPolicy;
    const spec = encodeStruct(EIP_SPEC, { ...eip.spec, v4ip: got.v4, v6ip: got.v6, natGwDp, macAddress: eip.spec?.macAddress || randomMac() });
    let out = eip;
    if (!jsonEqual(labels, eip.metadata.labels ?? {}) || !jsonEqual(spec, eip.spec ?? {})) {
        out = await ctx.kube.replace(R.eip, { ...eip, metadata: { ...eip.metadata, labels }, spec });
        ctx.snap.put("eip", out);
    }
    out = await patchStatus(ctx, "eip", out, { ...fullStatus(out), ip: out.status?.ip || got.v4, ready: true, qosPolicy: eip.spec?.qosPolicy ?? "" });
    await addFinalizer(ctx, "eip", out);
    return undefined;
}

/** IptablesEIPStatus as Status.Bytes() sends it (conditions omitted when empty). */
function fullStatus(eip: KObject): Record<string, unknown> {
    const s = eip.status ?? {};
    return { ready: s.ready ?? false, ip: s.ip ?? "", nat: s.nat ?? "", redo: s.redo ?? "", qosPolicy: s.qosPolicy ?? "" };
}

/** patchEipLabel: subnet, gateway, qos and address labels. */
function eipLabels(eip: KObject, withQoS: boolean): Record<string, string> {
    const labels: Record<string, string> = {
        ...(eip.metadata.labels ?? {}),
        [LABEL.subnet]: externalNetwork(eip.spec?.externalSubnet),
        [LABEL.natGwName]: eip.spec?.natGwDp ?? "",
        [LABEL.eipV4]: eip.spec?.v4ip ?? "",
    };
    if (withQoS) labels[LABEL.qos] = eip.spec?.qosPolicy ?? "";
    return labels;
}

/** addEipQoS: an unshared QoS policy may serve one EIP only (a missing policy is not an error). */
function checkQoS(ctx: Ctx, eip: KObject): string | undefined {
    const name: string = eip.spec?.qosPolicy ?? "";
    const policy = ctx.snap.find("qos", name);
    if (!name || !policy || policy.status?.shared) return undefined;
    const users = ctx.snap.all("eip").filter((o) => (o.metadata.labels ?? {})[LABEL.qos] === name);
    if (users.length > 0 && users[0].metadata.name !== eip.metadata.name) return `not support unshared qos policy ${name} to related to multiple eip`;
    return undefined;
}
