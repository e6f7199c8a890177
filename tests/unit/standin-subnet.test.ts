// The stand-in's Subnet rules against what kube-ovn-controller v1.16.2 does (pkg/controller/subnet.go
// formatSubnet, pkg/util/validator.go ValidateSubnet, pkg/controller/subnet_status.go).
import { strict as assert } from "node:assert";
import { SUBNET_SPEC, encodeStruct } from "../../localcluster/controller/gojson";
import { KObject } from "../../localcluster/controller/kinds";
import {
    appendGatewayByCidr, formatExcludeIPRanges, formatExcludeIPs, formatSubnet, isOvnProvider, validateSubnet,
} from "../../localcluster/controller/subnet-format";
import {
    Condition, applyPatchSubnetStatus, computeIPStatus, ensureStandardConditions, foldConditions, natOutgoingPolicyRulesStatus, readyToRemoveFinalizer,
    setCondition, subnetUsers, usingIPCount,
} from "../../localcluster/controller/subnet-status";

describe("stand-in: Subnet formatting (formatSubnet)", () => {
    it("normalises the CIDR, defaults gateway/protocol/provider/vpc/enableLb, adds the gateway to excludeIps", () => {
        const { spec } = formatSubnet("app", { cidrBlock: "10.0.1.7/24", vpc: "tenant-a" });
        assert.deepEqual(spec, {
            cidrBlock: "10.0.1.0/24",
            vpc: "tenant-a",
            gateway: "10.0.1.1",
            excludeIps: ["10.0.1.1"],
            protocol: "IPv4",
            provider: "ovn",
            enableLb: true,
        });
    });

    it("puts subnets without vpc into ovn-cluster with a distributed gateway; non-OVN providers get no vpc", () => {
        assert.equal(formatSubnet("a", { cidrBlock: "10.1.0.0/16" }).spec!.vpc, "ovn-cluster");
        assert.equal(formatSubnet("a", { cidrBlock: "10.1.0.0/16" }).spec!.gatewayType, "distributed");
        const ext = formatSubnet("ovn-vpc-external-network", { cidrBlock: "172.18.0.0/16", provider: "ovn-vpc-external-network.kube-system" }).spec!;
        assert.equal(ext.vpc, undefined);
        assert.equal(ext.gatewayType, undefined);
        assert.equal(ext.enableLb, true);
        assert.equal(isOvnProvider("net1.ns.ovn"), true);
        assert.equal(isOvnProvider("net1.ns"), false);
    });

    it("keeps a given gateway as written; a custom VPC gets no gatewayType", () => {
        const { spec } = formatSubnet("s", { cidrBlock: "10.0.0.0/24", gateway: "10.0.0.254", vpc: "t" });
        assert.equal(spec!.gateway, "10.0.0.254");
        assert.deepEqual(spec!.excludeIps, ["10.0.0.254"]);
        assert.equal(spec!.gatewayType, undefined);
    });

    it("dual stack: protocol Dual, one gateway per family, only completed when protocol: Dual was written", () => {
        const { spec } = formatSubnet("d", { cidrBlock: "10.0.0.0/24,fd00:10::/120", vpc: "t" });
        assert.equal(spec!.protocol, "Dual");
        assert.equal(spec!.gateway, "10.0.0.1,fd00:10::1");
        assert.deepEqual(spec!.excludeIps, ["10.0.0.1", "fd00:10::1"]);
        assert.equal(formatSubnet("d", { cidrBlock: "10.0.0.0/24,fd00:10::/120", gateway: "10.0.0.9" }).spec!.gateway, "10.0.0.9");
        assert.equal(formatSubnet("d", { cidrBlock: "10.0.0.0/24,fd00:10::/120", gateway: "10.0.0.9", protocol: "Dual" }).spec!.gateway, "10.0.0.9,fd00:10::1");
        // AppendGwByCidr keeps upstream's loop: a v6 gateway on "v4,v6" blocks comes out three times over
        assert.equal(appendGatewayByCidr("fd00:10::9", "10.0.0.0/24,fd00:10::/120"), "10.0.0.1,fd00:10::9,fd00:10::9");
    });

    it("/31 gateway is the network address", () => {
        assert.equal(formatSubnet("p", { cidrBlock: "10.0.0.0/31", vpc: "t" }).spec!.gateway, "10.0.0.0");
    });

    it("merges overlapping (not adjacent) exclude ranges, prints addresses canonically, sorts as strings", () => {
        assert.deepEqual(formatExcludeIPRanges(["10.0.0.20..10.0.0.30", "10.0.0.25..10.0.0.40", "10.0.0.9", "10.0.0.10"]), [
            "10.0.0.10", "10.0.0.20..10.0.0.40", "10.0.0.9",
        ]);
        assert.deepEqual(formatExcludeIPRanges(["10.0.0.2..10.0.0.5", "10.0.0.6..10.0.0.9"]), ["10.0.0.2..10.0.0.5", "10.0.0.6..10.0.0.9"]);
        assert.deepEqual(formatExcludeIPRanges(["10.0.0.5..10.0.0.5", "10.0.0.5"]), ["10.0.0.5"]);
        assert.deepEqual(formatExcludeIPRanges(["FD00::0001"]), ["fd00::1"]);
        assert.deepEqual(formatExcludeIPRanges(["10.0.0.3..10.0.0.8", "10.0.0.4"]), ["10.0.0.3..10.0.0.8"]);
    });

    it("appends the gateway unless an entry contains it; an adjacent range does not absorb it", () => {
        assert.deepEqual(formatExcludeIPs(["10.0.0.2..10.0.0.10"], "10.0.0.1"), ["10.0.0.1", "10.0.0.2..10.0.0.10"]);
        assert.deepEqual(formatExcludeIPs(["10.0.0.1..10.0.0.10"], "10.0.0.1"), ["10.0.0.1..10.0.0.10"]);
        assert.deepEqual(formatExcludeIPs(["10.0.0.100"], "10.0.0.1"), ["10.0.0.1", "10.0.0.100"]);
        assert.deepEqual(formatExcludeIPs([], "10.0.0.1"), ["10.0.0.1"]);
    });

    it("clears u2o fields that cannot apply (in two rounds, as upstream's order does) and keeps explicit enableLb", () => {
        const { spec } = formatSubnet("s", { cidrBlock: "10.0.0.0/24", vpc: "t", u2oInterconnection: true, u2oInterconnectionIP: "10.0.0.5", enableLb: false });
        assert.equal(spec!.u2oInterconnection, false); // no vlan
        assert.equal(spec!.u2oInterconnectionIP, "10.0.0.5"); // checked before u2oInterconnection was cleared
        assert.equal(formatSubnet("s", spec!).spec!.u2oInterconnectionIP, "");
        assert.equal(spec!.enableLb, false);
    });

    it("rejects an unparsable CIDR before anything else", () => {
        assert.equal(formatSubnet("bad", { cidrBlock: "10.0.0.0/33" }).error, "subnet bad cidr 10.0.0.0/33 is invalid");
    });

    it("is idempotent", () => {
        const once = formatSubnet("s", { cidrBlock: "10.0.1.7/24", vpc: "t", excludeIps: ["10.0.1.200..10.0.1.210", "10.0.1.205"] }).spec!;
        assert.deepEqual(formatSubnet("s", once).spec, once);
    });
});

describe("stand-in: the Go-typed write of a formatted Subnet", () => {
    it("writes non-omitempty zero fields, drops omitempty zero fields and unknown ones", () => {
        const { spec } = formatSubnet("app", { cidrBlock: "10.0.1.0/24", vpc: "t", enableDHCP: false, mtu: 0, namespaces: [], bogus: 1 });
        assert.deepEqual(encodeStruct(SUBNET_SPEC, spec), {
            default: false,
            vpc: "t",
            protocol: "IPv4",
            cidrBlock: "10.0.1.0/24",
            gateway: "10.0.1.1",
            excludeIps: ["10.0.1.1"],
            provider: "ovn",
            gatewayNode: "",
            natOutgoing: false,
            private: false,
            u2oFeatures: {},
            enableLb: true,
        });
    });
});

describe("stand-in: Subnet validation (ValidateSubnet)", () => {
    const ok = (spec: Record<string, unknown>) => validateSubnet("s", formatSubnet("s", spec).spec!);
    it("accepts a plain subnet and rejects what upstream rejects", () => {
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", vpc: "t" }), undefined);
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", gateway: "10.0.1.1" }), "gateway 10.0.1.1 is not in cidr 10.0.0.0/24");
        assert.match(ok({ cidrBlock: "10.0.0.0/24", gateway: "10.0.0.255" })!, /is the broadcast ip in cidr/);
        assert.match(ok({ cidrBlock: "127.0.0.0/24" })!, /conflict with v4 loopback/);
        assert.match(ok({ cidrBlock: "169.254.1.0/24" })!, /link local/);
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", vpc: "s" }), "subnet s and vpc s cannot have the same name");
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", gatewayType: "weird" }), "weird is not a valid gateway type");
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", excludeIps: ["10.0.0.9..10.0.0.3"] }), "10.0.0.9..10.0.0.3 in excludeIps is not a valid ip range");
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", natOutgoing: true, externalEgressGateway: "1.1.1.1" }), "conflict configuration: natOutgoing and externalEgressGateway");
    });
    it("accepts exclude entries outside the CIDR (they only stop counting)", () => {
        assert.equal(ok({ cidrBlock: "10.0.0.0/24", excludeIps: ["192.168.0.1"] }), undefined);
    });
});

describe("stand-in: Subnet status", () => {
    const ip = (name: string, subnet: string, v4: string): KObject => ({ metadata: { name, labels: { [subnet]: "" } }, spec: { v4IpAddress: v4 } });

    it("counts labelled IPs (minus those in non-gateway excludeIps) and EIPs, and prints the ranges", () => {
        const spec = formatSubnet("app", { cidrBlock: "10.0.1.0/24", vpc: "t", excludeIps: ["10.0.1.2..10.0.1.9"] }).spec!;
        const users = subnetUsers("app", {
            ips: [ip("a.ns", "app", "10.0.1.10"), ip("b.ns", "app", "10.0.1.5"), ip("c.ns", "other", "10.0.1.11"), { metadata: { name: "d.ns" }, spec: { v4IpAddress: "10.0.1.12" } }],
            vips: [],
            eips: [{ metadata: { name: "e", labels: { "ovn.kubernetes.io/subnet": "app" } }, status: { ip: "10.0.1.20" } }],
            ovnEips: [],
        });
        const using = usingIPCount(spec, users);
        assert.equal(using, 2); // a.ns and the EIP; b.ns sits in an excluded range
        const st = computeIPStatus(spec, using, ["10.0.1.10", "10.0.1.5", "10.0.1.20"]);
        assert.deepEqual(st, {
            v4availableIPs: 254 - 9 - 2, // 254 usable, 9 excluded (gateway + 2..9), 2 in use
            v4availableIPrange: "10.0.1.11-10.0.1.19,10.0.1.21-10.0.1.254",
            v4usingIPs: 2,
            v4usingIPrange: "10.0.1.10,10.0.1.20",
            v6availableIPs: 0, v6availableIPrange: "", v6usingIPs: 0, v6usingIPrange: "",
        });
    });

    it("dual stack counts every user once per family", () => {
        const spec = formatSubnet("d", { cidrBlock: "10.0.0.0/29,fd00::/125", vpc: "t" }).spec!;
        const st = computeIPStatus(spec, 1, ["10.0.0.2", "fd00::2"]);
        assert.equal(st.v4availableIPs, 6 - 1 - 1);
        assert.equal(st.v6availableIPs, 6 - 1 - 1);
        assert.equal(st.v4usingIPs, 1);
        assert.equal(st.v6usingIPs, 1);
        assert.equal(st.v6usingIPrange, "fd00::2");
    });

    it("readyToRemoveFinalizer only when deleting with nothing in use", () => {
        assert.equal(readyToRemoveFinalizer(false, { v4usingIPs: 0 }), false);
        assert.equal(readyToRemoveFinalizer(true, { v4usingIPs: 1 }), false);
        assert.equal(readyToRemoveFinalizer(true, { v4usingIPs: 0, v6usingIPs: 0 }), true);
    });

    it("conditions: success path ends Validated/Ready True with the ACL reason, Error Unknown", () => {
        const conds: Condition[] = [];
        applyPatchSubnetStatus(conds, "ValidateLogicalSwitchSuccess", "", "t1");
        ensureStandardConditions(conds, "t2");
        applyPatchSubnetStatus(conds, "ResetLogicalSwitchAclSuccess", "", "t3");
        assert.deepEqual(conds.map((c) => [c.type, c.status, c.reason, c.message]), [
            ["Validated", "True", "ResetLogicalSwitchAclSuccess", ""],
            ["Ready", "True", "ResetLogicalSwitchAclSuccess", ""],
            ["Error", "Unknown", "Init", "Not Observed"],
        ]);
        assert.equal(conds[1].lastTransitionTime, "t3");
    });

    it("conditions: a failed validation sets Validated/Ready False and Error True; the Error stays after recovery", () => {
        const conds: Condition[] = [];
        applyPatchSubnetStatus(conds, "ValidateLogicalSwitchFailed", "boom", "t1");
        assert.deepEqual(conds.map((c) => [c.type, c.status]), [["Error", "True"], ["Validated", "False"], ["Ready", "False"]]);
        applyPatchSubnetStatus(conds, "ValidateLogicalSwitchSuccess", "", "t2");
        applyPatchSubnetStatus(conds, "ResetLogicalSwitchAclSuccess", "", "t3");
        assert.deepEqual(conds.map((c) => [c.type, c.status]), [["Error", "True"], ["Validated", "True"], ["Ready", "True"]]);
    });

    it("a round that ends where it started keeps the timestamps (no rewrite on every poll)", () => {
        const before: Condition[] = [];
        applyPatchSubnetStatus(before, "ResetLogicalSwitchAclSuccess", "", "t1");
        const round: Condition[] = JSON.parse(JSON.stringify(before));
        applyPatchSubnetStatus(round, "ValidateLogicalSwitchSuccess", "", "t2");
        applyPatchSubnetStatus(round, "ResetLogicalSwitchAclSuccess", "", "t2");
        assert.equal(round[0].lastUpdateTime, "t2");
        assert.deepEqual(foldConditions(before, round), before);
    });

    it("setCondition leaves timestamps alone when nothing changed", () => {
        const conds: Condition[] = [];
        setCondition(conds, "Ready", "True", "r", "", "t1");
        setCondition(conds, "Ready", "True", "r", "", "t2");
        assert.equal(conds[0].lastUpdateTime, "t1");
    });

    it("NAT outgoing policy rule status", () => {
        assert.deepEqual(natOutgoingPolicyRulesStatus("s", { natOutgoing: false, natOutgoingPolicyRules: [{ action: "nat" }] }), []);
        const [r] = natOutgoingPolicyRulesStatus("s", { natOutgoing: true, natOutgoingPolicyRules: [{ match: { srcIPs: "10.0.0.0/24" }, action: "forward" }] }) as { ruleID: string }[];
        assert.match(r.ruleID, /^[0-9a-f]{12}$/);
    });
});
