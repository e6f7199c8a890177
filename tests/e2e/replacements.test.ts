/**
 * Changes the real kube-ovn-controller v1.16.2 freezes or ignores after creation, made one after
 * the other on one tenant: a static EIP address, an EIP's pool, the NAT gateway's LAN address, a
 * subnet's gateway, a subnet's CIDR. Each previews as a replacement of what it carries with it,
 * `up` completes, the controller's objects, OVN and the gateway pod show the new value, nothing is
 * left Terminating, and a second preview shows no change.
 */
import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import { ChangeCollector } from "../../provider/automation/changes";
import { ClusterNetwork, TenantNetwork } from "../../provider";
import { loadDemo } from "../support/demo";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { gatewayCommands, routerRoutes } from "./support/kube-ovn-state";
import { type InlineStack, PLURAL, getKubeOvn, openInlineStack, ourObjects } from "./support/stack";

/** What the steps change; the program reads it on every run. */
const v = {
  cidr: "10.74.1.0/24",
  gateway: undefined as string | undefined,
  lanIp: "10.74.1.254",
  pool: "public-a",
  eip: "203.0.113.50",
  internalIp: "10.74.1.10",
};

const tenantSpec = () => ({
  tenant: "swap",
  namespaces: [{ name: "swap-web" }],
  subnets: [{ name: "web", cidr: v.cidr, ...(v.gateway ? { gateway: v.gateway } : {}), namespaces: ["swap-web"] }],
  natGateway: { subnet: "web", lanIp: v.lanIp },
  eips: [{ name: "web", pool: v.pool, v4ip: v.eip }],
  dnatRules: [
    { name: "https", eip: "web", protocol: "tcp", externalPort: 443, internalIp: v.internalIp, internalPort: 8443 },
  ],
});

/** The object's logical name without the component prefix, e.g. `eip-web`. */
const shortName = (name: string) => name.replace(/^swap-/, "");

/** Every object of these kinds (ours or the controller's, e.g. the gateway pod's IP) being deleted, and pods too. */
async function terminating(): Promise<string[]> {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const out: string[] = [];
  for (const plural of [...Object.values(PLURAL), "ips"]) {
    const list: any = await api.listClusterCustomObject({ group: "kubeovn.io", version: "v1", plural });
    for (const o of list.items) if (o.metadata.deletionTimestamp) out.push(`${o.kind}/${o.metadata.name}`);
  }
  const pods = await kubeConfig().makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "kube-system" });
  for (const p of pods.items) if (p.metadata?.deletionTimestamp) out.push(`Pod/${p.metadata.name}`);
  return out;
}

/** The gateway pod's IP object (upstream names it <pod>.<namespace>). */
async function gatewayPodIp(): Promise<any> {
  return kubeConfig().makeApiClient(k8s.CustomObjectsApi).getClusterCustomObject({
    group: "kubeovn.io",
    version: "v1",
    plural: "ips",
    name: "vpc-nat-gw-swap--nat-0.kube-system",
  });
}

/** The tenant router's port into the subnet: its `networks` are `<gateway>/<prefix>`. */
async function routerPortNetworks(): Promise<string> {
  return (await kubeOvn().nbctl(["get", "Logical_Router_Port", "swap--vpc-swap--web", "networks"])).trim();
}

describe("changes upstream freezes replace what they carry with them, and complete", function () {
  let s: InlineStack;
  let deployed = false;

  /** Previews: the objects it replaces and updates, by short name. */
  async function preview(): Promise<{ replace: string[]; update: string[]; other: string[] }> {
    const c = new ChangeCollector();
    await s.stack.preview({ onEvent: c.onEvent, onOutput: () => undefined });
    const names = (op: string) =>
      c.resourceChanges
        .filter((x) => x.op === op)
        .map((x) => shortName(x.name))
        .sort();
    const other = c.resourceChanges.filter((x) => x.op !== "replace" && x.op !== "update");
    return { replace: names("replace"), update: names("update"), other: other.map((x) => `${x.op} ${x.name}`) };
  }

  /** Up, then the controller done, nothing being deleted, and no change left for a second preview. */
  async function upAndSettle(): Promise<Date> {
    const since = new Date();
    const result = await s.stack.up({ onOutput: () => undefined });
    assert.equal(result.summary.result, "succeeded");
    await kubeOvn().settled();
    assert.deepEqual(await terminating(), []);
    const again = await preview();
    assert.deepEqual(again, { replace: [], update: [], other: [] }, "a second preview shows no change");
    return since;
  }

  /** The gateway pod holds the EIP and its DNAT rule with the current values (commands since `since`). */
  function assertRuleApplied(since: Date, previous?: string): void {
    const calls = gatewayCommands("swap--nat", since);
    assert.ok(calls.includes(`eip-add ${v.eip}/24`), calls.join("\n"));
    assert.ok(calls.includes(`dnat-add ${v.eip},443,tcp,${v.internalIp},8443`), calls.join("\n"));
    if (previous) {
      assert.ok(calls.includes(`dnat-del ${previous},443,tcp`), calls.join("\n"));
      assert.ok(calls.includes(`eip-del ${previous}/24`), calls.join("\n"));
      // The rule left before its EIP, and the new EIP came before its rule.
      assert.ok(
        calls.indexOf(`dnat-del ${previous},443,tcp`) < calls.indexOf(`eip-del ${previous}/24`),
        calls.join("\n"),
      );
    }
    // A re-initialised pod may be sent the rule before its EIP (the controller's redo queues run side
    // by side); what counts is that the rule is sent again once the EIP is there.
    assert.ok(
      calls.indexOf(`eip-add ${v.eip}/24`) < calls.lastIndexOf(`dnat-add ${v.eip},443,tcp,${v.internalIp},8443`),
      calls.join("\n"),
    );
  }

  /** The EIP and the DNAT rule objects carry the current address, as the controller reports it. */
  async function assertEipObjects(): Promise<void> {
    const eip = await getKubeOvn("iptables-eips", "swap--web");
    assert.deepEqual(
      [eip.spec.v4ip, eip.spec.externalSubnet, eip.status?.ip, eip.status?.ready],
      [v.eip, v.pool, v.eip, true],
    );
    const dnat = await getKubeOvn("iptables-dnat-rules", "swap--https");
    assert.deepEqual(
      [
        dnat.status?.v4ip,
        dnat.metadata.labels["ovn.kubernetes.io/eip_v4_ip"],
        dnat.status?.internalIp,
        dnat.status?.ready,
      ],
      [v.eip, v.eip, v.internalIp, true],
    );
  }

  before(async function () {
    const demo = loadDemo();
    s = await openInlineStack("replacements", async () => {
      const cluster = new ClusterNetwork("cluster", demo.cluster);
      new TenantNetwork("swap", { ...tenantSpec(), cluster: cluster.info } as never);
    });
  });

  after(async function () {
    if (deployed) await s.stack.destroy({ onOutput: () => undefined }).catch(() => undefined);
    s?.cleanup();
  });

  it("up creates the tenant: the gateway pod holds the static EIP and its DNAT rule", async function () {
    deployed = true;
    const since = await upAndSettle();
    assertRuleApplied(since);
    await assertEipObjects();
  });

  it("a static EIP address: the EIP and the rule using it are replaced, the rule out first", async function () {
    const previous = v.eip;
    v.eip = "203.0.113.51";
    const p = await preview();
    assert.deepEqual(p.replace, ["dnat-https", "eip-web"], JSON.stringify(p));
    const since = await upAndSettle();
    assertRuleApplied(since, previous);
    await assertEipObjects();
  });

  it("an EIP's pool: the EIP and the rule using it are replaced, the address taken from the new pool", async function () {
    const previous = v.eip;
    v.pool = "public-b";
    v.eip = "198.51.100.30";
    const p = await preview();
    assert.deepEqual(p.replace, ["dnat-https", "eip-web"], JSON.stringify(p));
    const since = await upAndSettle();
    assertRuleApplied(since, previous);
    await assertEipObjects();
  });

  it("the NAT gateway's LAN address: the gateway is replaced, its new pod has the address and gets the EIP and rule again", async function () {
    v.lanIp = "10.74.1.253";
    const p = await preview();
    assert.deepEqual(p.replace, ["nat-gateway"], JSON.stringify(p));
    const since = await upAndSettle();
    const ip = await gatewayPodIp();
    assert.deepEqual([ip.spec.subnet, ip.spec.v4IpAddress], ["swap--web", v.lanIp]);
    assert.ok(
      (await routerRoutes("swap--vpc")).includes(`0.0.0.0/0 ${v.lanIp} dst-ip`),
      (await routerRoutes("swap--vpc")).join("\n"),
    );
    const calls = gatewayCommands("swap--nat", since);
    assert.equal(calls[0], "init", calls.join("\n"));
    assertRuleApplied(since);
  });

  it("a subnet's gateway: the subnet and the NAT gateway in it are replaced, OVN's router port has the new gateway", async function () {
    v.gateway = "10.74.1.126";
    const p = await preview();
    assert.deepEqual(p.replace, ["nat-gateway", "subnet-web"], JSON.stringify(p));
    const since = await upAndSettle();
    const subnet = await getKubeOvn("subnets", "swap--web");
    assert.equal(subnet.spec.gateway, v.gateway);
    assert.equal(await routerPortNetworks(), `["${v.gateway}/24"]`);
    assert.equal((await gatewayPodIp()).spec.v4IpAddress, v.lanIp);
    const calls = gatewayCommands("swap--nat", since);
    assert.equal(calls[0], "init", calls.join("\n"));
    assertRuleApplied(since);
  });

  it("a subnet's CIDR (with the addresses in it): the subnet and the NAT gateway are replaced, the rule follows its internal address", async function () {
    v.cidr = "10.74.5.0/24";
    v.gateway = undefined;
    v.lanIp = "10.74.5.254";
    v.internalIp = "10.74.5.10";
    const p = await preview();
    assert.deepEqual(p.replace, ["nat-gateway", "subnet-web"], JSON.stringify(p));
    const since = await upAndSettle();
    const subnet = await getKubeOvn("subnets", "swap--web");
    assert.deepEqual([subnet.spec.cidrBlock, subnet.spec.gateway], [v.cidr, "10.74.5.1"]);
    assert.equal(await routerPortNetworks(), `["10.74.5.1/24"]`);
    assert.equal((await gatewayPodIp()).spec.v4IpAddress, v.lanIp);
    assert.ok(
      (await routerRoutes("swap--vpc")).includes(`0.0.0.0/0 ${v.lanIp} dst-ip`),
      (await routerRoutes("swap--vpc")).join("\n"),
    );
    assertRuleApplied(since);
    await assertEipObjects();
  });

  it("a subnet's CIDR while a workload holds an address in it: refused at preview naming the pod, nothing changed", async function () {
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    const custom = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const ip = () =>
      custom
        .getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural: "ips", name: "shop.swap-web" })
        .catch(() => undefined);
    await core.createNamespacedPod({
      namespace: "swap-web",
      body: { metadata: { name: "shop" }, spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] } },
    });
    try {
      // The controller gives the pod its address in the subnet (an IP object), as for any pod.
      for (let i = 0; i < 120 && !(await ip()); i++) await new Promise((r) => setTimeout(r, 500));
      assert.ok(await ip(), "the controller gave pod shop no address in the subnet");
      const before = { ...v };
      Object.assign(v, { cidr: "10.74.6.0/24", lanIp: "10.74.6.254", internalIp: "10.74.6.10" });
      try {
        await assert.rejects(preview(), (e: Error) => {
          assert.match(
            e.message,
            /subnets\[web\]\.cidr: "10\.74\.6\.0\/24" changes 10\.74\.5\.0\/24 to 10\.74\.6\.0\/24, which replaces Subnet swap--web, but pods hold addresses in it \(swap-web\/shop\)/,
          );
          return true;
        });
      } finally {
        Object.assign(v, before);
      }
      assert.equal((await getKubeOvn("subnets", "swap--web")).spec.cidrBlock, "10.74.5.0/24");
    } finally {
      await core.deleteNamespacedPod({ namespace: "swap-web", name: "shop", gracePeriodSeconds: 0 });
      for (let i = 0; i < 120 && (await ip()); i++) await new Promise((r) => setTimeout(r, 500));
    }
  });

  it("destroy leaves nothing", async function () {
    await s.stack.destroy({ onOutput: () => undefined });
    deployed = false;
    assert.deepEqual(
      (await ourObjects()).filter((o) => /swap|ovn-vpc-external-network|public-/.test(o)),
      [],
    );
    assert.deepEqual(await terminating(), []);
  });
});
