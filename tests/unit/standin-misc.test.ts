// The stand-in's address arithmetic, IPAM, Vpc, NAT and QoS rules (pure parts).
import { strict as assert } from "node:assert";
import { EIP_SPEC, IP_SPEC, VPC_SPEC, encodeStruct } from "../../localcluster/controller/gojson";
import { allocate, randomMac } from "../../localcluster/controller/ipam";
import { KObject } from "../../localcluster/controller/kinds";
import { checkProtocol, formatIP, formatRangeList, parseCIDR, parseIP, subtractRanges } from "../../localcluster/controller/net";
import { natGwStatus } from "../../localcluster/controller/natgw";
import { readyStatus, validateRule } from "../../localcluster/controller/nat-rules";
import { validateQoSPolicy } from "../../localcluster/controller/qos";
import { computeVpcStatus, formatVpcSpec, vpcSubnets } from "../../localcluster/controller/vpc-format";
import { DEFAULT_CONFIG } from "../../localcluster/controller/kinds";

describe("stand-in: addresses in Go's text forms", () => {
    it("parses and prints like net.ParseIP / IP.String", () => {
        const f = (s: string) => formatIP(parseIP(s)!);
        assert.equal(f("10.0.0.1"), "10.0.0.1");
        assert.equal(f("FD00:0:0:0:0:0:0:1"), "fd00::1");
        assert.equal(f("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert.equal(f("::"), "::");
        assert.equal(f("1:0:1:0:1:0:1:0"), "1:0:1:0:1:0:1:0");
        assert.equal(f("::ffff:10.1.2.3"), "10.1.2.3");
        assert.equal(parseIP("010.0.0.1"), undefined);
        assert.equal(parseIP("10.0.0.256"), undefined);
        assert.equal(parseIP("1::2::3"), undefined);
    });
    it("CIDRs and protocols", () => {
        assert.deepEqual(parseCIDR("10.0.1.7/24"), { family: 4, network: 0x0a000100n, prefix: 24 });
        assert.equal(parseCIDR("10.0.0.0/33"), undefined);
        assert.equal(checkProtocol("10.0.0.0/24,fd00::/64"), "Dual");
        assert.equal(checkProtocol("10.0.0.0/24,10.1.0.0/24"), "");
        assert.equal(checkProtocol("fd00::1"), "IPv6");
    });
    it("range lists", () => {
        const r = (a: number, b: number) => ({ family: 4 as const, start: BigInt(a), end: BigInt(b) });
        assert.equal(formatRangeList(subtractRanges([r(1, 10)], [r(3, 4), r(10, 10)])), "0.0.0.1-0.0.0.2,0.0.0.5-0.0.0.9");
    });
});

describe("stand-in: IPAM", () => {
    it("random allocation takes the lowest address that is neither excluded nor held", () => {
        assert.deepEqual(allocate("172.18.0.0/24", ["172.18.0.1", "172.18.0.2..172.18.0.9"], ["172.18.0.10"]), { v4: "172.18.0.11", v6: "" });
    });
    it("static allocation: in range, not held; excluded addresses are accepted", () => {
        assert.deepEqual(allocate("172.18.0.0/24", ["172.18.0.1..172.18.0.20"], [], ["172.18.0.5"]), { v4: "172.18.0.5", v6: "" });
        assert.match(allocate("172.18.0.0/24", [], ["172.18.0.5"], ["172.18.0.5"]).error!, /has been allocated/);
        assert.match(allocate("172.18.0.0/24", [], [], ["172.18.1.5"]).error!, /out of range/);
        assert.match(allocate("172.18.0.0/24", [], [], ["172.18.0.255"]).error!, /out of range/);
    });
    it("dual stack fills the family without a static address", () => {
        assert.deepEqual(allocate("10.0.0.0/24,fd00::/120", ["10.0.0.1", "fd00::1"], [], ["10.0.0.7"]), { v4: "10.0.0.7", v6: "fd00::2" });
    });
    it("reports exhaustion", () => {
        assert.match(allocate("10.0.0.0/30", ["10.0.0.1"], ["10.0.0.2"]).error!, /no available ip/);
    });
    it("MACs are locally administered unicast", () => {
        const first = parseInt(randomMac().slice(0, 2), 16);
        assert.equal(first & 0x03, 0x02);
    });
});

describe("stand-in: Vpc (formatVpc, status)", () => {
    it("defaults static-route policy to policyDst and clears next hops of non-reroute policy routes", () => {
        const f = formatVpcSpec({
            staticRoutes: [{ cidr: "0.0.0.0/0", nextHopIP: "10.0.1.254" }],
            policyRoutes: [{ priority: 10, match: "ip4.src==10.0.1.0/24", action: "allow", nextHopIP: "10.0.1.1" }],
        });
        assert.equal(f.changed, true);
        assert.equal(f.spec!.staticRoutes[0].policy, "policyDst");
        assert.equal(f.spec!.policyRoutes[0].nextHopIP, "");
        // the Go-typed write adds ecmpMode/bfdId/routeTable and drops the empty nextHopIP
        assert.deepEqual(encodeStruct(VPC_SPEC, f.spec), {
            staticRoutes: [{ policy: "policyDst", cidr: "0.0.0.0/0", nextHopIP: "10.0.1.254", ecmpMode: "", bfdId: "", routeTable: "" }],
            policyRoutes: [{ priority: 10, match: "ip4.src==10.0.1.0/24", action: "allow" }],
        });
    });
    it("rejects what formatVpc rejects", () => {
        assert.equal(formatVpcSpec({ staticRoutes: [{ cidr: "0.0.0.0/0", nextHopIP: "x", policy: "policyDst" }] }).error, 'invalid next hop ip "x"');
        assert.equal(formatVpcSpec({ staticRoutes: [{ cidr: "1.2.3.0/24", nextHopIP: "1.1.1.1", policy: "bogus" }] }).error, 'unknown policy type: "bogus"');
        assert.match(formatVpcSpec({ policyRoutes: [{ action: "reroute", nextHopIP: "1.1.1.1,nope" }] }).error!, /invalid next hop ips/);
    });
    it("status.subnets: live OVN subnets of this VPC, sorted; terminating ones do not count", () => {
        const vpc: KObject = { metadata: { name: "t" }, spec: { namespaces: ["a"] } };
        const sub = (name: string, extra: Partial<KObject["metadata"]> = {}, spec: Record<string, unknown> = {}): KObject => ({ metadata: { name, ...extra }, spec: { vpc: "t", provider: "ovn", ...spec } });
        const subnets = [sub("z"), sub("b"), sub("gone", { deletionTimestamp: "2024-01-01T00:00:00Z" }), sub("ext", {}, { provider: "x.y" })];
        assert.deepEqual(vpcSubnets(vpc, subnets).subnets, ["b", "z"]);
        const st = computeVpcStatus(vpc, subnets, DEFAULT_CONFIG);
        assert.deepEqual(st, {
            standby: true, default: false, defaultLogicalSwitch: "", router: "t",
            tcpLoadBalancer: "vpc-t-tcp-load", udpLoadBalancer: "vpc-t-udp-load", sctpLoadBalancer: "vpc-t-sctp-load",
            tcpSessionLoadBalancer: "vpc-t-tcp-sess-load", udpSessionLoadBalancer: "vpc-t-udp-sess-load", sctpSessionLoadBalancer: "vpc-t-sctp-sess-load",
            subnets: ["b", "z"], enableExternal: false, enableBfd: false, bfdPort: {},
        });
    });
});

describe("stand-in: NAT", () => {
    const eip: KObject = { metadata: { name: "e1" }, spec: { v4ip: "172.18.0.10", v6ip: "", natGwDp: "gw1" }, status: { ip: "172.18.0.10", ready: true } };
    it("validates rules as upstream", () => {
        assert.equal(validateRule("fip", "f", { eip: "e1", internalIp: "10.0.1.5" }), undefined);
        assert.match(validateRule("fip", "f", { eip: "e1", internalIp: "fd00::5" })!, /must be IPv4/);
        assert.match(validateRule("dnat", "d", { eip: "e1", internalIp: "10.0.1.5", externalPort: "80", internalPort: "8080" })!, /invalid protocol/);
        assert.equal(validateRule("dnat", "d", { eip: "e1", internalIp: "10.0.1.5", externalPort: "80", internalPort: "8080", protocol: "TCP" }), undefined);
        assert.match(validateRule("snat", "s", { eip: "e1", internalCIDR: "10.0.1.0/24,10.0.2.0/24" })!, /multiple CIDRs/);
    });
    it("rule status copies the EIP's address and gateway", () => {
        const d: KObject = { metadata: { name: "d" }, spec: { eip: "e1", internalIp: "10.0.1.5", externalPort: "80", internalPort: "8080", protocol: "tcp" } };
        assert.deepEqual(readyStatus("dnat", d, eip), {
            ready: true, v4ip: "172.18.0.10", v6ip: "", natGwDp: "gw1", redo: "",
            protocol: "tcp", internalIp: "10.0.1.5", internalPort: "8080", externalPort: "80",
        });
        const s: KObject = { metadata: { name: "s" }, spec: { eip: "e1", internalCIDR: "10.0.1.0/24" } };
        assert.equal(readyStatus("snat", s, eip).internalCIDR, "10.0.1.0/24");
    });
    it("the EIP's Go-typed write carries all six spec fields", () => {
        assert.deepEqual(encodeStruct(EIP_SPEC, { natGwDp: "gw1", v4ip: "172.18.0.10" }), {
            v4ip: "172.18.0.10", v6ip: "", macAddress: "", natGwDp: "gw1", qosPolicy: "", externalSubnet: "",
        });
    });
    it("VpcNatGateway status mirrors the rollout fields", () => {
        const gw: KObject = { metadata: { name: "gw1" }, spec: { externalSubnets: ["ext"], selector: ["a: b"] } };
        assert.deepEqual(natGwStatus(gw), { qosPolicy: "", externalSubnets: ["ext"], selector: ["a: b"], tolerations: null, affinity: {} });
        assert.equal(natGwStatus({ ...gw, status: { externalSubnets: ["ext"], selector: ["a: b"], affinity: {} } }), undefined);
    });
});

describe("stand-in: IP and QoS", () => {
    it("the IP's Go-typed write", () => {
        assert.deepEqual(encodeStruct(IP_SPEC, { podName: "p", namespace: "n", subnet: "s", v4IpAddress: "10.0.0.2", attachIps: [] }), {
            podName: "p", namespace: "n", subnet: "s", nodeName: "", ipAddress: "", v4IpAddress: "10.0.0.2", v6IpAddress: "",
            attachIps: [], macAddress: "", containerID: "", podType: "",
        });
    });
    it("QoS validation", () => {
        assert.equal(validateQoSPolicy("q", { bindingType: "EIP", bandwidthLimitRules: [{ name: "r", rateMax: "10", direction: "ingress" }] }), undefined);
        assert.match(validateQoSPolicy("q", { bindingType: "NATGW", shared: false })!, /not shared, but binding to nat gateway/);
        assert.match(validateQoSPolicy("q", { bandwidthLimitRules: [{ name: "r", rateMax: "10; rm -rf" }] })!, /invalid rateMax/);
    });
});
