// The kube-ovn-controller stand-in against a real kube-apiserver with the real Kube-OVN v1.16.2 CRDs:
// finalizers, spec rewriting and status as upstream leaves them, deletion guards, and dead mode.
import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { StandInController, startStandInController } from "../../localcluster/controller";
import { getCluster, kubeConfig } from "./support/cluster";

const G = { group: "kubeovn.io", version: "v1" };
const FIN = "kubeovn.io/kube-ovn-controller";
const PREFIX = "standin-";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

describe("kube-ovn-controller stand-in", function () {
    let ctl: StandInController;
    let crd: k8s.CustomObjectsApi;
    let core: k8s.CoreV1Api;
    const log: string[] = [];
    let createdNatConfig = false;

    const get = (plural: string, name: string): Promise<Obj | undefined> =>
        crd.getClusterCustomObject({ ...G, plural, name }).catch((e) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)));
    const create = (plural: string, kind: string, name: string, spec: Obj, extra: Obj = {}) =>
        crd.createClusterCustomObject({ ...G, plural, body: { apiVersion: "kubeovn.io/v1", kind, metadata: { name, ...extra }, spec } });
    const del = (plural: string, name: string) => crd.deleteClusterCustomObject({ ...G, plural, name });
    const settle = () => ctl.settled(30_000);

    before(async function () {
        const kc = kubeConfig();
        crd = kc.makeApiClient(k8s.CustomObjectsApi);
        core = kc.makeApiClient(k8s.CoreV1Api);
        ctl = await startStandInController({ kubeconfigPath: getCluster().kubeconfigPath, traceWrites: !!process.env.STANDIN_LOG, log: (l) => { log.push(l); if (process.env.STANDIN_LOG) process.stderr.write(`        [stand-in] ${l}\n`); } });
    });

    after(async function () {
        this.timeout(60_000);
        await ctl?.stop();
        await cleanUp(crd, core, createdNatConfig);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed") process.stderr.write(`      stand-in log:\n${log.map((l) => `        ${l}`).join("\n")}\n`);
    });

    it("finalizes, formats and reports a Vpc, a Subnet and an IP as upstream does", async () => {
        await core.createNamespace({ body: { metadata: { name: `${PREFIX}a` } } });
        await create("vpcs", "Vpc", `${PREFIX}vpc`, {
            namespaces: [`${PREFIX}a`],
            staticRoutes: [{ cidr: "0.0.0.0/0", nextHopIP: "10.77.1.254" }],
            policyRoutes: [{ priority: 10, match: "ip4.src==10.77.1.0/24", action: "allow", nextHopIP: "10.77.1.253" }],
        });
        await create("subnets", "Subnet", `${PREFIX}net`, {
            vpc: `${PREFIX}vpc`,
            cidrBlock: "10.77.1.9/24",
            namespaces: [`${PREFIX}a`],
            excludeIps: ["10.77.1.200..10.77.1.210", "10.77.1.205"],
            enableDHCP: false,
        });
        await create("ips", "IP", `pod1.${PREFIX}a`, { podName: "pod1", namespace: `${PREFIX}a`, subnet: `${PREFIX}net` });
        await settle();

        const vpc = await get("vpcs", `${PREFIX}vpc`);
        assert.deepEqual(vpc.metadata.finalizers, [FIN]);
        assert.deepEqual(vpc.spec.staticRoutes, [{ policy: "policyDst", cidr: "0.0.0.0/0", nextHopIP: "10.77.1.254", ecmpMode: "", bfdId: "", routeTable: "" }]);
        assert.deepEqual(vpc.spec.policyRoutes, [{ priority: 10, match: "ip4.src==10.77.1.0/24", action: "allow" }]);
        assert.equal(vpc.spec.bfdPort, undefined, "a null bfdPort is pruned by the API server");
        assert.equal(vpc.status.standby, true);
        assert.equal(vpc.status.router, `${PREFIX}vpc`);
        assert.deepEqual(vpc.status.subnets, [`${PREFIX}net`]);
        assert.equal(vpc.status.tcpLoadBalancer, `vpc-${PREFIX}vpc-tcp-load`);

        const subnet = await get("subnets", `${PREFIX}net`);
        assert.deepEqual(subnet.metadata.finalizers, [FIN]);
        assert.deepEqual(subnet.spec, {
            vpc: `${PREFIX}vpc`,
            cidrBlock: "10.77.1.0/24",
            namespaces: [`${PREFIX}a`],
            excludeIps: ["10.77.1.1", "10.77.1.200..10.77.1.210"],
            gateway: "10.77.1.1",
            protocol: "IPv4",
            provider: "ovn",
            enableLb: true,
            default: false,
            gatewayNode: "",
            natOutgoing: false,
            private: false,
            u2oFeatures: {},
        });
        const cond = (t: string) => subnet.status.conditions.find((c: Obj) => c.type === t);
        assert.deepEqual([cond("Ready").status, cond("Ready").reason], ["True", "ResetLogicalSwitchAclSuccess"]);
        assert.deepEqual([cond("Validated").status, cond("Validated").reason], ["True", "ResetLogicalSwitchAclSuccess"]);
        assert.deepEqual([cond("Error").status, cond("Error").reason], ["Unknown", "Init"]);
        assert.equal(subnet.status.v4usingIPs, 1);
        assert.equal(subnet.status.v4availableIPs, 254 - 12 - 1);
        assert.equal(subnet.status.v4usingIPrange, "10.77.1.2");
        assert.equal(subnet.status.v4availableIPrange, "10.77.1.3-10.77.1.199,10.77.1.211-10.77.1.254");
        assert.deepEqual(subnet.status.natOutgoingPolicyRules, []);

        const ip = await get("ips", `pod1.${PREFIX}a`);
        assert.deepEqual(ip.metadata.finalizers, [FIN]);
        assert.equal(ip.metadata.labels[`${PREFIX}net`], "");
        assert.equal(ip.metadata.labels["ovn.kubernetes.io/subnet"], `${PREFIX}net`);
        assert.equal(ip.metadata.labels["ovn.kubernetes.io/ip_reserved"], "true");
        assert.equal(ip.spec.v4IpAddress, "10.77.1.2");
        assert.equal(ip.spec.ipAddress, "10.77.1.2");
        assert.match(ip.spec.macAddress, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);

        const ns = await core.readNamespace({ name: `${PREFIX}a` });
        assert.equal(ns.metadata?.annotations?.["ovn.kubernetes.io/logical_switch"], `${PREFIX}net`);
        assert.equal(ns.metadata?.annotations?.["ovn.kubernetes.io/cidr"], "10.77.1.0/24");
        assert.equal(ns.metadata?.annotations?.["ovn.kubernetes.io/exclude_ips"], "10.77.1.1,10.77.1.200..10.77.1.210");

        // later passes (in a later second: timestamps must not churn) change nothing
        const rv = subnet.metadata.resourceVersion;
        await new Promise((r) => setTimeout(r, 1100));
        await settle();
        assert.equal((await get("subnets", `${PREFIX}net`)).metadata.resourceVersion, rv);
    });

    it("keeps a deleted Subnet Terminating while an IP of it exists, and lets it go after", async () => {
        await del("subnets", `${PREFIX}net`);
        await settle();
        const held = await get("subnets", `${PREFIX}net`);
        assert.ok(held?.metadata.deletionTimestamp, "subnet should still exist, Terminating");
        assert.deepEqual(held.metadata.finalizers, [FIN]);
        assert.equal(held.status.v4usingIPs, 1);
        // a Terminating subnet no longer holds its VPC (getVpcSubnets skips it)
        assert.deepEqual((await get("vpcs", `${PREFIX}vpc`)).status.subnets, []);

        await del("ips", `pod1.${PREFIX}a`);
        await settle();
        assert.equal(await get("ips", `pod1.${PREFIX}a`), undefined);
        assert.equal(await get("subnets", `${PREFIX}net`), undefined);
    });

    it("in dead mode does nothing: a deleted Subnet stays Terminating until the controller is back", async () => {
        await create("subnets", "Subnet", `${PREFIX}dead`, { vpc: `${PREFIX}vpc`, cidrBlock: "10.77.2.0/24" });
        await settle();
        assert.deepEqual((await get("subnets", `${PREFIX}dead`)).metadata.finalizers, [FIN]);

        ctl.setMode("dead");
        await del("subnets", `${PREFIX}dead`);
        await new Promise((r) => setTimeout(r, 1500));
        await settle();
        assert.ok((await get("subnets", `${PREFIX}dead`))?.metadata.deletionTimestamp, "dead controller: subnet hangs in Terminating");

        ctl.setMode("healthy");
        await settle();
        assert.equal(await get("subnets", `${PREFIX}dead`), undefined);
    });

    it("migrates the legacy finalizer when it starts again", async () => {
        ctl.setMode("dead");
        await create("subnets", "Subnet", `${PREFIX}legacy`, { vpc: `${PREFIX}vpc`, cidrBlock: "10.77.3.0/24" }, { finalizers: ["kube-ovn-controller"] });
        ctl.setMode("healthy");
        await settle();
        assert.deepEqual((await get("subnets", `${PREFIX}legacy`)).metadata.finalizers, [FIN]);
        await del("subnets", `${PREFIX}legacy`);
        await settle();
        assert.equal(await get("subnets", `${PREFIX}legacy`), undefined);
    });

    it("allocates an EIP, binds a FIP to it, and keeps the EIP while the FIP uses it", async () => {
        await core.createNamespacedConfigMap({ namespace: "kube-system", body: { metadata: { name: "ovn-vpc-nat-gw-config" }, data: { "enable-vpc-nat-gw": "true" } } })
            .then(() => (createdNatConfig = true))
            .catch((e) => ((e as { code?: number }).code === 409 ? undefined : Promise.reject(e)));
        await create("subnets", "Subnet", `${PREFIX}ext`, {
            cidrBlock: "172.31.0.0/24",
            gateway: "172.31.0.1",
            excludeIps: ["172.31.0.2..172.31.0.9"],
            provider: `${PREFIX}ext.kube-system`,
        });
        await create("subnets", "Subnet", `${PREFIX}lan`, { vpc: `${PREFIX}vpc`, cidrBlock: "10.77.4.0/24" });
        await create("vpc-nat-gateways", "VpcNatGateway", `${PREFIX}gw`, {
            vpc: `${PREFIX}vpc`, subnet: `${PREFIX}lan`, lanIp: "10.77.4.254", externalSubnets: [`${PREFIX}ext`],
        });
        await create("iptables-eips", "IptablesEIP", `${PREFIX}eip`, { natGwDp: `${PREFIX}gw`, externalSubnet: `${PREFIX}ext` });
        await create("iptables-fip-rules", "IptablesFIPRule", `${PREFIX}fip`, { eip: `${PREFIX}eip`, internalIp: "10.77.4.5" });
        await settle();

        const ext = await get("subnets", `${PREFIX}ext`);
        assert.equal(ext.spec.vpc, undefined, "a non-OVN subnet gets no vpc");
        assert.equal(ext.status.conditions.find((c: Obj) => c.type === "Ready").reason, "SetNonOvnSubnetSuccess");
        assert.equal(ext.status.v4usingIPs, 1, "the EIP counts in its subnet");

        const eip = await get("iptables-eips", `${PREFIX}eip`);
        assert.deepEqual(eip.metadata.finalizers, [FIN]);
        assert.deepEqual(eip.spec, {
            v4ip: "172.31.0.10", v6ip: "", macAddress: eip.spec.macAddress, natGwDp: `${PREFIX}gw`, qosPolicy: "", externalSubnet: `${PREFIX}ext`,
        });
        assert.equal(eip.metadata.labels["ovn.kubernetes.io/eip_v4_ip"], "172.31.0.10");
        assert.equal(eip.metadata.labels["ovn.kubernetes.io/vpc-nat-gw-name"], `${PREFIX}gw`);
        assert.deepEqual(eip.status, { ready: true, ip: "172.31.0.10", nat: "fip", redo: "", qosPolicy: "" });

        const fip = await get("iptables-fip-rules", `${PREFIX}fip`);
        assert.deepEqual(fip.metadata.finalizers, [FIN]);
        assert.deepEqual(fip.status, { ready: true, v4ip: "172.31.0.10", v6ip: "", natGwDp: `${PREFIX}gw`, redo: "", internalIp: "10.77.4.5" });
        assert.equal(fip.metadata.annotations["ovn.kubernetes.io/vpc_eip"], `${PREFIX}eip`);

        const gw = await get("vpc-nat-gateways", `${PREFIX}gw`);
        assert.deepEqual(gw.metadata.finalizers, undefined, "no finalizer on a VpcNatGateway in v1.16.2");
        assert.deepEqual(gw.status, { qosPolicy: "", externalSubnets: [`${PREFIX}ext`], affinity: {} });

        await del("iptables-eips", `${PREFIX}eip`);
        await settle();
        assert.ok((await get("iptables-eips", `${PREFIX}eip`))?.metadata.deletionTimestamp, "EIP in use by a FIP stays");
        await del("iptables-fip-rules", `${PREFIX}fip`);
        await settle();
        assert.equal(await get("iptables-fip-rules", `${PREFIX}fip`), undefined);
        assert.equal(await get("iptables-eips", `${PREFIX}eip`), undefined);
        assert.equal((await get("subnets", `${PREFIX}ext`)).status.v4usingIPs, 0);
    });

    it("releases a deleted Vpc once no live subnet names it", async () => {
        await del("vpc-nat-gateways", `${PREFIX}gw`);
        await del("subnets", `${PREFIX}lan`);
        await del("vpcs", `${PREFIX}vpc`);
        await settle();
        assert.equal(await get("subnets", `${PREFIX}lan`), undefined);
        assert.equal(await get("vpcs", `${PREFIX}vpc`), undefined);
    });

    it("once stopped, leaves deleted objects Terminating; a new instance picks them up", async () => {
        await create("vpcs", "Vpc", `${PREFIX}stop`, {});
        await settle();
        await ctl.stop();
        await ctl.stop(); // idempotent
        await ctl.settled(); // resolves at once when stopped
        await del("vpcs", `${PREFIX}stop`);
        await new Promise((r) => setTimeout(r, 1000));
        assert.ok((await get("vpcs", `${PREFIX}stop`))?.metadata.deletionTimestamp);
        ctl = await startStandInController({ kubeconfigPath: getCluster().kubeconfigPath, log: (l) => log.push(l) });
        await settle();
        assert.equal(await get("vpcs", `${PREFIX}stop`), undefined);
    });
});

/** Removes whatever this file created (finalizers first), so other e2e files share a clean cluster. */
async function cleanUp(crd: k8s.CustomObjectsApi, core: k8s.CoreV1Api, natConfig: boolean): Promise<void> {
    for (const plural of ["iptables-fip-rules", "iptables-eips", "vpc-nat-gateways", "ips", "subnets", "vpcs"]) {
        const list = (await crd.listClusterCustomObject({ ...G, plural })) as { items: Obj[] };
        for (const o of list.items.filter((x) => x.metadata.name.startsWith(PREFIX) || x.metadata.name.endsWith(`.${PREFIX}a`))) {
            const name = o.metadata.name;
            await crd.patchClusterCustomObject({ ...G, plural, name, body: { metadata: { finalizers: null } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)).catch(() => undefined);
            await crd.deleteClusterCustomObject({ ...G, plural, name }).catch(() => undefined);
        }
    }
    if (natConfig) await core.deleteNamespacedConfigMap({ name: "ovn-vpc-nat-gw-config", namespace: "kube-system" }).catch(() => undefined);
    const ns = await core.readNamespace({ name: `${PREFIX}a` }).catch(() => undefined);
    if (ns) {
        await core.deleteNamespacedConfigMap({ name: "leftover", namespace: `${PREFIX}a` }).catch(() => undefined);
        await core.deleteNamespace({ name: `${PREFIX}a` }).catch(() => undefined);
        const fresh = await core.readNamespace({ name: `${PREFIX}a` }).catch(() => undefined);
        if (fresh?.spec) await core.replaceNamespaceFinalize({ name: `${PREFIX}a`, body: { ...fresh, spec: { finalizers: [] } } }).catch(() => undefined);
    }
}
