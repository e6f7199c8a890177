// IP objects created by users (reserved addresses): pkg/controller/ip.go handleAddReservedIP,
// createOrUpdateIPCR, handleUpdateIP (deletion). IPs of pods are created by upstream's pod
// handling, which the stand-in does not model (no pods run here).
import { Ctx, errorText, objKey } from "./context";
import { removeFinalizer } from "./finalizers";
import { IP_SPEC, encodeStruct } from "./gojson";
import { allocate, randomMac, subnetInIPAM } from "./ipam";
import { FINALIZER, KObject, LABEL, R, isDeleting } from "./kinds";
import { isConflict, isNotFound } from "./kube";
import { checkProtocol } from "./net";
import { isOvnProvider } from "./subnet-format";
import { heldAddresses, subnetUsers } from "./subnet-status";

/** pkg/ovs/util.go PodNameToPortName */
export const portName = (pod: string, namespace: string, provider: string) => (provider === "ovn" ? `${pod}.${namespace}` : `${pod}.${namespace}.${provider}`);

export async function reconcileIPs(ctx: Ctx): Promise<void> {
    for (const ip of ctx.snap.all("ip")) {
        const name = ip.metadata.name;
        // enqueueAddIP / enqueueDelIP skip the controller's own u2o and multicast-querier IPs
        if (name.startsWith("u2o-interconnection.") || name.startsWith("mcast-querier.")) continue;
        const id = objKey("IP", ip);
        try {
            if (isDeleting(ip)) {
                // handleUpdateIP: release the address (IPAM is rebuilt here) and drop the finalizer,
                // whether or not the subnet still exists
                await removeFinalizer(ctx, "ip", ip);
                ctx.report(id);
                continue;
            }
            ctx.report(id, await addReservedIP(ctx, ip));
        } catch (e) {
            if (isConflict(e) || isNotFound(e)) continue;
            ctx.report(id, errorText(e));
        }
    }
}

async function addReservedIP(ctx: Ctx, ip: KObject): Promise<string | undefined> {
    if ((ip.metadata.finalizers ?? []).length !== 0) return undefined; // "finalizer already added"
    const spec = ip.spec ?? {};
    if (!spec.subnet) return "subnet parameter cannot be empty";
    if (spec.podType && spec.podType !== "VirtualMachine" && spec.podType !== "StatefulSet") return `podType ${spec.podType} is not supported`;
    const subnet = ctx.snap.find("subnet", spec.subnet);
    if (!subnet) return `failed to get subnet ${spec.subnet}: subnets.kubeovn.io "${spec.subnet}" not found`;
    const provider: string = subnet.spec?.provider ?? "";
    // an IP whose name is not "<podName>.<namespace>[.<provider>]" is left alone: no finalizer, no labels
    if (portName(spec.podName ?? "", spec.namespace ?? "", provider) !== ip.metadata.name) return undefined;
    if (!subnetInIPAM(subnet.metadata.name, subnet.spec, ctx.config)) return `failed to acquire ip address: subnet ${subnet.metadata.name} not yet in IPAM`;
    if (/[A-Z]/.test(spec.v6IpAddress ?? "")) return `ip ${ip.metadata.name} v6 ip address ${spec.v6IpAddress} can not contain upper case`;

    // ipAcquireAddress: static when v4IpAddress/v6IpAddress are given, random otherwise
    const users = subnetUsers(subnet.metadata.name, {
        ips: ctx.snap.all("ip").filter((o) => o.metadata.name !== ip.metadata.name),
        vips: ctx.snap.all("vip"),
        eips: ctx.snap.all("eip"),
        ovnEips: ctx.snap.all("ovnEip"),
    });
    const statics = [spec.v4IpAddress, spec.v6IpAddress].filter((s: string | undefined) => !!s) as string[];
    const got = allocate(subnet.spec?.cidrBlock ?? "", subnet.spec?.excludeIps ?? [], heldAddresses(users), statics);
    if (got.error) return `failed to acquire ip address failed to ${statics.length ? "get static" : "get random"} address for ip ${ip.metadata.name}, ${got.error}`;
    const mac = isOvnProvider(provider) ? spec.macAddress || randomMac() : "";
    const ipStr = [got.v4, got.v6].filter((s) => s).join(",");

    // createOrUpdateIPCR (existing CR) + the ip_reserved label patch, written together
    const labels = { ...(ip.metadata.labels ?? {}) };
    labels[LABEL.subnet] = subnet.metadata.name;
    labels[LABEL.nodeName] = spec.nodeName ?? "";
    labels[subnet.metadata.name] = "";
    if (labels[LABEL.ipReserved] !== "false") labels[LABEL.ipReserved] = "true";
    const newSpec = encodeStruct(IP_SPEC, {
        ...spec,
        podName: spec.podName,
        namespace: spec.namespace,
        subnet: subnet.metadata.name,
        nodeName: spec.nodeName ?? "",
        ipAddress: ipStr,
        v4IpAddress: checkProtocol(got.v4) === "IPv4" ? got.v4 : "",
        v6IpAddress: got.v6,
        macAddress: mac,
        attachIps: [],
        attachMacs: [],
        attachSubnets: [],
        podType: spec.podType ?? "",
    });
    const out = await ctx.kube.replace(R.ip, {
        ...ip,
        metadata: { ...ip.metadata, labels, finalizers: [...(ip.metadata.finalizers ?? []), FINALIZER] },
        spec: newSpec,
    });
    ctx.snap.put("ip", out);
    return undefined;
}
