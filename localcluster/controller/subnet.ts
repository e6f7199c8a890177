// Subnet reconcile: pkg/controller/subnet.go handleAddOrUpdateSubnet, in upstream's order, with the
// OVN work left out. Every status write upstream makes along the way is folded into one write of
// the final status (same end state; intermediate states are not reproduced).
import { Ctx, reconcileEach } from "./context";
import { addFinalizer, removeFinalizer } from "./finalizers";
import { SUBNET_SPEC, encodeStruct, jsonEqual } from "./gojson";
import { KObject, LEGACY_FINALIZER, R, hasFinalizer, isDeleting } from "./kinds";
import { parseIP } from "./net";
import { cidrOverlap, formatSubnet, isOvnProvider, validateSubnet } from "./subnet-format";
import {
    Condition, applyPatchSubnetStatus, computeIPStatus, ensureStandardConditions, foldConditions, heldAddresses, natOutgoingPolicyRulesStatus,
    readyToRemoveFinalizer, subnetUsers, usingIPCount,
} from "./subnet-status";

export function reconcileSubnets(ctx: Ctx): Promise<void> {
    return reconcileEach(ctx, "subnet", "Subnet", (subnet) => reconcileSubnet(ctx, subnet));
}

/** The non-omitempty string fields of SubnetStatus, which upstream's status patches always carry. */
const STATUS_STRINGS = [
    "activateGateway", "dhcpV4OptionsUUID", "dhcpV6OptionsUUID", "u2oInterconnectionIP", "u2oInterconnectionMAC",
    "u2oInterconnectionVPC", "mcastQuerierIP", "mcastQuerierMAC",
];

/** Returns the error upstream would log for this round, if any. */
async function reconcileSubnet(ctx: Ctx, cached: KObject): Promise<string | undefined> {
    const name = cached.metadata.name;
    // formatSubnet: written back only when the Go-typed spec changed
    const f = formatSubnet(name, cached.spec, ctx.config);
    if (f.error) return `failed to format subnet ${name}, ${f.error}`;
    let subnet = cached;
    const typed = encodeStruct(SUBNET_SPEC, f.spec);
    if (!jsonEqual(encodeStruct(SUBNET_SPEC, cached.spec), typed)) {
        subnet = await ctx.kube.replace(R.subnet, { ...cached, spec: typed });
        ctx.snap.put("subnet", subnet);
    }
    const spec = subnet.spec;
    const old = subnet.status ?? {};
    const status: Record<string, unknown> = { ...old };
    for (const k of STATUS_STRINGS) status[k] = old[k] ?? "";
    const conds: Condition[] = JSON.parse(JSON.stringify(old.conditions ?? []));
    const finish = async (error?: string) => {
        status.conditions = foldConditions(old.conditions ?? [], conds);
        await writeStatus(ctx, subnet, status);
        return error;
    };

    // validateSubnetVlan
    if (spec.vlan) {
        if (!ctx.snap.find("vlan", spec.vlan)) {
            const err = `failed to validate vlan for subnet ${name}, failed to get vlan ${spec.vlan}: vlans.kubeovn.io "${spec.vlan}" not found`;
            applyPatchSubnetStatus(conds, "ValidateSubnetVlanFailed", err);
            return finish(err);
        }
        return `subnet ${name}: the stand-in does not model Vlan/ProviderNetwork readiness; deferred as upstream defers an unprocessed vlan`;
    }
    // util.ValidateSubnet
    const invalid = validateSubnet(name, spec);
    if (invalid) {
        applyPatchSubnetStatus(conds, "ValidateLogicalSwitchFailed", invalid);
        return finish(invalid);
    }
    applyPatchSubnetStatus(conds, "ValidateLogicalSwitchSuccess", "");

    // calcSubnetStatusIP
    const users = subnetUsers(name, { ips: ctx.snap.all("ip"), vips: ctx.snap.all("vip"), eips: ctx.snap.all("eip"), ovnEips: ctx.snap.all("ovnEip") });
    Object.assign(status, computeIPStatus(spec, usingIPCount(spec, users), heldAddresses(users)));

    // handleSubnetFinalizer
    if (!isDeleting(subnet) && (!hasFinalizer(subnet) || hasFinalizer(subnet, LEGACY_FINALIZER))) {
        subnet = (await addFinalizer(ctx, "subnet", subnet)) ?? subnet;
    }
    if (readyToRemoveFinalizer(isDeleting(subnet), status)) {
        await finish();
        await removeFinalizer(ctx, "subnet", ctx.snap.find("subnet", name) ?? subnet);
        return undefined;
    }

    if (!isOvnProvider(spec.provider)) {
        applyPatchSubnetStatus(conds, "SetNonOvnSubnetSuccess", "");
        return finish();
    }

    const vpcError = validateVpcBySubnet(ctx, subnet);
    if (vpcError) return finish(vpcError);

    const conflict = checkSubnetConflict(ctx, subnet);
    if (conflict) {
        applyPatchSubnetStatus(conds, "ValidateLogicalSwitchFailed", conflict);
        return finish(conflict);
    }

    ensureStandardConditions(conds);
    const vpc = ctx.snap.find("vpc", spec.vpc);
    status.u2oInterconnectionVPC = spec.u2oInterconnection ? vpc?.status?.router ?? "" : "";
    status.natOutgoingPolicyRules = natOutgoingPolicyRulesStatus(name, spec);
    applyPatchSubnetStatus(conds, spec.private ? "SetPrivateLogicalSwitchSuccess" : "ResetLogicalSwitchAclSuccess", "");
    return finish();
}

async function writeStatus(ctx: Ctx, subnet: KObject, status: Record<string, unknown>): Promise<void> {
    const latest = ctx.snap.find("subnet", subnet.metadata.name) ?? subnet;
    if (jsonEqual(status, latest.status ?? {})) return;
    const out = await ctx.kube.patch(R.subnet, latest, { metadata: { resourceVersion: latest.metadata.resourceVersion }, status }, "merge", "status");
    ctx.snap.put("subnet", out);
}

/** pkg/controller/subnet.go validateVpcBySubnet */
function validateVpcBySubnet(ctx: Ctx, subnet: KObject): string | undefined {
    const vpcName: string = subnet.spec.vpc ?? "";
    const vpc = ctx.snap.find("vpc", vpcName);
    if (!vpc) return `failed to get subnet's vpc '${vpcName}', vpc.kubeovn.io "${vpcName}" not found`;
    if (!vpc.status?.standby) return `the vpc '${vpcName}' not standby yet`;
    const namespaces: string[] = subnet.spec.namespaces ?? [];
    if (!vpc.status?.default) {
        for (const ns of namespaces) {
            if (!(vpc.spec?.namespaces ?? []).includes(ns)) return `namespace '${ns}' is out of range to custom vpc '${vpcName}'`;
        }
        return undefined;
    }
    for (const other of ctx.snap.all("vpc")) {
        if (other.metadata.name === vpcName || other.status?.default) continue;
        if ((other.spec?.namespaces ?? []).some((ns: string) => namespaces.includes(ns))) {
            return `namespaces ${JSON.stringify(namespaces)} are overlap with vpc '${other.metadata.name}'`;
        }
    }
    return undefined;
}

/** pkg/controller/subnet.go checkSubnetConflict */
function checkSubnetConflict(ctx: Ctx, subnet: KObject): string | undefined {
    const s = subnet.spec;
    for (const other of ctx.snap.all("subnet")) {
        const o = other.spec ?? {};
        if ((o.vpc ?? "") !== (s.vpc ?? "") || (o.vlan ?? "") !== (s.vlan ?? "") || other.metadata.name === subnet.metadata.name) continue;
        if (cidrOverlap(o.cidrBlock ?? "", s.cidrBlock)) {
            return `subnet ${subnet.metadata.name} cidr ${s.cidrBlock} is conflict with subnet ${other.metadata.name} cidr ${o.cidrBlock}`;
        }
        if (s.externalEgressGateway && o.externalEgressGateway && (s.policyRoutingTableID ?? 0) === (o.policyRoutingTableID ?? 0)) {
            return `subnet ${subnet.metadata.name} policy routing table ID ${s.policyRoutingTableID ?? 0} is conflict with subnet ${other.metadata.name} policy routing table ID ${o.policyRoutingTableID ?? 0}`;
        }
    }
    if (!s.vlan && s.vpc === ctx.config.clusterRouter) {
        for (const node of ctx.snap.all("node")) {
            for (const addr of node.status?.addresses ?? []) {
                if (addr.type !== "InternalIP" || !parseIP(addr.address)) continue;
                if (s.cidrBlock.split(",").some((c: string) => cidrOverlap(c, `${addr.address}/${addr.address.includes(":") ? 128 : 32}`))) {
                    return `subnet ${subnet.metadata.name} cidr ${s.cidrBlock} conflict with node ${node.metadata.name} address ${addr.address}`;
                }
            }
        }
    }
    return undefined;
}

