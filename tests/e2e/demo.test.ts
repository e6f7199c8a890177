import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { describeChanges } from "../../provider/automation/changes";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { assertDemoObjects } from "./support/demo-objects";
import { gatewayCommands, natGatewayWiring, nbNames, routerRoutes } from "./support/kube-ovn-state";
import { type DemoStack, openDemoStack, ourObjects } from "./support/stack";
import { type NpmStart, loadDemo, npmStart, repoRoot } from "../support/demo";

describe("the demo on the real engine, API server and kube-ovn-controller", function () {
  let demo: DemoStack;
  let controller: KubeOvn;
  let outputs: { [k: string]: any };
  // Gateways of the same names may have lived in this cluster before (other tests): only this stack's calls count.
  let since: Date;

  before(async function () {
    controller = kubeOvn();
    since = new Date();
    demo = await openDemoStack("demo");
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    demo?.cleanup();
  });

  it("up creates exactly the planned objects, with the planned specs", async function () {
    const result = await demo.stack.up({ onOutput: () => undefined });
    assert.equal(result.summary.result, "succeeded");
    outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
    await assertDemoObjects(outputs, controller);
  });

  it("each NAT gateway's pod: eth0 routes stay inside the VPC, net1's default route is the interconnect gateway", async function () {
    const { cluster } = loadDemo();
    for (const [gateway, subnetGateway] of [
      ["acme--nat", "10.10.1.1"],
      ["globex--nat", "10.10.1.1"],
    ]) {
      const w = await natGatewayWiring(gateway);
      // Upstream hands VpcNatGateway.spec.routes to eth0: a default route there would send
      // translated traffic into the VPC (or, with a next hop outside it, be dropped by the CNI).
      assert.deepEqual(
        w.eth0Routes.filter((r) => r.dst === "0.0.0.0/0" || r.dst === "::/0"),
        [],
        `${gateway} eth0 routes: ${JSON.stringify(w.eth0Routes)}`,
      );
      assert.ok(
        w.eth0Routes.length > 0 && w.eth0Routes.every((r) => r.gw === subnetGateway),
        JSON.stringify(w.eth0Routes),
      );
      // noDefaultEIP: no address and no routes from IPAM on net1; its default route is the env's.
      assert.deepEqual(w.otherRoutes, {});
      assert.equal(w.env.GATEWAY_V4, cluster.interconnect.gateway);
    }
    // The controller's IPAM gave each gateway pod its lanIp in the tenant subnet (IP object <pod>.<namespace>).
    const ips = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    for (const [gateway, subnet] of [
      ["acme--nat", "acme--web"],
      ["globex--nat", "globex--main"],
    ]) {
      const ip: any = await ips.getClusterCustomObject({
        group: "kubeovn.io",
        version: "v1",
        plural: "ips",
        name: `vpc-nat-gw-${gateway}-0.kube-system`,
      });
      assert.deepEqual(
        [ip.spec.subnet, ip.spec.v4IpAddress, ip.spec.podName],
        [subnet, "10.10.1.254", `vpc-nat-gw-${gateway}-0`],
      );
      assert.ok(ip.metadata.finalizers?.includes("kubeovn.io/kube-ovn-controller"));
    }
  });

  it("each gateway pod was initialised, then given exactly its tenant's EIPs and rules", async function () {
    await controller.settled();
    const web = outputs.acmeEips.web;
    const acme = gatewayCommands("acme--nat", since);
    const rules = (cmds: string[]) => cmds.filter((c) => !/^(init|get-iptables-version)/.test(c));
    assert.equal(acme[0], "init", acme.join("\n"));
    assert.deepEqual(
      new Set(rules(acme)),
      new Set([
        `eip-add ${outputs.acmeInterconnectIp}/24`,
        "eip-add 203.0.113.10/24",
        `eip-add ${web}/24`,
        "snat-add 203.0.113.10,10.10.1.0/24,--random-fully",
        "snat-add 203.0.113.10,10.10.2.0/24,--random-fully",
        `dnat-add ${web},443,tcp,10.10.1.10,8443`,
        "subnet-route-add 10.10.2.0/24,10.10.1.1",
      ]),
      acme.join("\n"),
    );
    const globex = gatewayCommands("globex--nat", since);
    assert.equal(globex[0], "init", globex.join("\n"));
    const g = outputs.globexEips;
    assert.deepEqual(
      new Set(rules(globex)),
      new Set([
        `eip-add ${outputs.globexInterconnectIp}/24`,
        `eip-add ${g.out}/24`,
        `eip-add ${g.db}/24`,
        `snat-add ${g.out},10.10.1.0/24,--random-fully`,
        `floating-ip-add ${g.db},10.10.1.20`,
      ]),
      globex.join("\n"),
    );
  });

  it("OVN northbound: a logical router per VPC with its static routes, a logical switch per subnet", async function () {
    const routers = await nbNames("Logical_Router");
    for (const r of ["acme--vpc", "globex--vpc", "ovn-cluster"]) assert.ok(routers.includes(r), routers.join(", "));
    const switches = await nbNames("Logical_Switch");
    for (const s of ["acme--web", "acme--app", "globex--main", "join", "ovn-default"])
      assert.ok(switches.includes(s), switches.join(", "));
    // The VPC default route through the NAT gateway's LAN address, and globex's own static route.
    assert.ok((await routerRoutes("acme--vpc")).includes("0.0.0.0/0 10.10.1.254 dst-ip"));
    const globex = await routerRoutes("globex--vpc");
    assert.ok(
      globex.includes("0.0.0.0/0 10.10.1.254 dst-ip") && globex.includes("10.99.0.0/16 10.10.1.200 dst-ip"),
      globex.join("\n"),
    );
  });

  it("a preview after the controller rewrote the objects shows no changes", async function () {
    await controller.settled();
    const changes = await demo.preview();
    assert.deepEqual(describeChanges(changes), []);
  });

  it("adding a DNAT rule previews as exactly one create (and the teardown's inventory growing)", async function () {
    const acme = demo.program.resources.acme.properties;
    acme.dnatRules.push({
      name: "ssh",
      eip: "web",
      protocol: "tcp",
      externalPort: 2222,
      internalIp: "10.10.1.11",
      internalPort: 22,
    });
    demo.write();
    const changes = await demo.preview();
    assert.deepEqual(
      changes.map((c) => [c.op, c.name, c.type]),
      [
        ["create", "acme-dnat-ssh", "kubernetes:kubeovn.io/v1:IptablesDnatRule"],
        ["update", "acme-teardown", "kubeovn:index:Teardown"],
      ],
      describeChanges(changes).join("\n"),
    );
    acme.dnatRules.pop();
    demo.write();
  });

  it("changing a namespace route previews as exactly one update of that namespace's annotation", async function () {
    const acme = demo.program.resources.acme.properties;
    acme.namespaces[0].routes[0].gw = "10.10.1.252";
    demo.write();
    const changes = await demo.preview();
    assert.deepEqual(
      changes.map((c) => [c.op, c.name]),
      [["update", "acme-namespace-acme-web"]],
      describeChanges(changes).join("\n"),
    );
    const paths = Object.keys(changes[0].diffs);
    assert.ok(paths.length > 0 && paths.every((p) => p.startsWith("metadata.annotations")), paths.join(", "));
    acme.namespaces[0].routes[0].gw = "10.10.1.253";
    demo.write();
  });

  it("changing a NAT gateway's lanIp previews as a replacement, not a silent update", async function () {
    const globex = demo.program.resources.globex.properties;
    globex.natGateway.lanIp = "10.10.1.250";
    demo.write();
    const changes = await demo.preview();
    // The gateway is replaced; the VPC's default route follows the new lanIp; the teardown's
    // inventory is unchanged (same objects).
    assert.deepEqual(
      changes.map((c) => [c.op, c.name, Object.keys(c.diffs).join(",")]),
      [
        ["update", "globex-vpc", "spec.staticRoutes[1].nextHopIP"],
        ["replace", "globex-nat-gateway", "spec.lanIp"],
      ],
      describeChanges(changes).join("\n"),
    );
    globex.natGateway.lanIp = "10.10.1.254";
    demo.write();
  });

  it("destroy takes every rule and EIP out of the gateways, and leaves nothing of ours in the cluster or OVN", async function () {
    const destroyed = new Date();
    const result = await demo.stack.destroy({ onOutput: () => undefined });
    assert.equal(result.summary.result, "succeeded");
    assert.deepEqual(await ourObjects(), []);
    // The teardown takes rules, then EIPs, out while the gateway pod still runs: the -del twins. The
    // controller's resync of the VPC's subnet routes into the pod (subnet-route-add after a restart) may
    // land in the same window; it is routing housekeeping, not a rule or an EIP, so it is left out.
    const web = outputs.acmeEips.web;
    const ruleOrEip = (c: string) => !c.startsWith("subnet-route-");
    const acme = gatewayCommands("acme--nat", destroyed).filter(ruleOrEip);
    assert.deepEqual(
      new Set(acme),
      new Set([
        "snat-del 203.0.113.10,10.10.1.0/24",
        "snat-del 203.0.113.10,10.10.2.0/24",
        `dnat-del ${web},443,tcp`,
        `eip-del ${outputs.acmeInterconnectIp}/24`,
        "eip-del 203.0.113.10/24",
        `eip-del ${web}/24`,
      ]),
      acme.join("\n"),
    );
    const g = outputs.globexEips;
    const globex = gatewayCommands("globex--nat", destroyed).filter(ruleOrEip);
    assert.deepEqual(
      new Set(globex),
      new Set([
        `floating-ip-del ${g.db}`,
        `snat-del ${g.out},10.10.1.0/24`,
        `eip-del ${outputs.globexInterconnectIp}/24`,
        `eip-del ${g.out}/24`,
        `eip-del ${g.db}/24`,
      ]),
      globex.join("\n"),
    );
    await controller.settled();
    const routers = await nbNames("Logical_Router");
    assert.deepEqual(
      routers.filter((r) => r === "acme--vpc" || r === "globex--vpc"),
      [],
      routers.join(", "),
    );
  });
});

describe("npm start: what a first run shows", function () {
  // Its own stack and state, on the shared control plane (KUBECONFIG): the demo's "external cluster" path.
  const STACK = "npm-start";
  let dir: string;
  let out: string;
  let first: NpmStart;
  const start = (...args: string[]) => npmStart([...args, "--stack", STACK, "--state-dir", path.join(dir, "state")]);
  const steps = (text: string) => [...text.matchAll(/^\[(\d+)\/(\d+)\] /gm)].map((m) => `${m[1]}/${m[2]}`);
  const tail = (r: NpmStart) => `exit ${r.code}\n${r.stdout.slice(-6000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;
  // The engine's own text: its headers, resource rows and property dumps.
  const RAW = [/^Previewing update \(/m, /^Updating \(/m, /^Resources:$/m, /\[urn=urn:pulumi:/, /^\s+\+ kubernetes:/m];

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-npm-start-"));
    out = path.join(dir, "out");
  });

  after(async function () {
    // Whatever failed above, leave nothing deployed for the next test file.
    if ((await ourObjects()).length) await start("--destroy");
    fs.rmSync(path.join(repoRoot, `Pulumi.${STACK}.yaml`), { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("--help lists the flags, parsed by commander", async function () {
    const r = await npmStart(["--help"]);
    assert.equal(r.code, 0, tail(r));
    for (const flag of ["--destroy", "--verbose", "--stack <name>", "--state-dir <dir>", "--out <dir>"])
      assert.ok(r.stdout.includes(flag), `${flag}\n${tail(r)}`);
  });

  it("a first run: numbered steps, the report in network terms, the topology file, outputs; no raw engine output", async function () {
    first = await start("--out", out);
    const r = first;
    assert.equal(r.code, 0, tail(r));
    assert.deepEqual(steps(r.stdout), ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"], tail(r));
    assert.match(r.stdout, /^\[1\/6\] The toolchain: /m);
    assert.match(r.stdout, /^\[2\/6\] The cluster: the one in \$KUBECONFIG/m);
    for (const raw of RAW) assert.doesNotMatch(r.stdout, raw, tail(r));

    // The outputs, as printed.
    const output = (name: string) => JSON.parse(new RegExp(`^  ${name}: (.+)$`, "m").exec(r.stdout)?.[1] ?? "null");
    const acme = output("acmeEips");
    const globex = output("globexEips");
    assert.equal(acme?.egress, "203.0.113.10", tail(r));
    const acmeIc = output("acmeInterconnectIp");
    assert.match(acmeIc, /^172\.31\.0\.\d+$/);

    // The report kubeovn-tenants plan posts, in network terms, with the addresses up then gave.
    for (const line of [
      "## kubeovn-tenants plan: Pulumi.yaml",
      ":information_source: changes, none disruptive",
      "### Cluster network",
      "### Tenant `acme`",
      "### Tenant `globex`",
      "| create | VPC acme--vpc created | Vpc `acme--vpc` |",
      "| create | subnet acme--web 10.10.1.0/24 created for namespace acme-web | Subnet `acme--web` |",
      "| create | NAT gateway acme--nat created (LAN 10.10.1.254 in subnet acme--web) | VpcNatGateway `acme--nat` |",
      "| create | EIP 203.0.113.10 (acme--egress, pool public-a) allocated | IptablesEIP `acme--egress` |",
      `| create | interconnect address ${acmeIc} of NAT gateway acme--nat allocated | IptablesEIP \`acme--interconnect\` |`,
      "| create | SNAT 10.10.2.0/24 -> 203.0.113.10 added | IptablesSnatRule `acme--app-out` |",
      `| create | DNAT tcp ${acme.web}:443 -> 10.10.1.10:8443 added | IptablesDnatRule \`acme--https\` |`,
      `| create | floating IP ${globex.db} -> 10.10.1.20 added | IptablesFIPRule \`globex--db\` |`,
    ])
      assert.ok(r.stdout.includes(line), `missing: ${line}\n${tail(r)}`);

    // The topology file: where it says, with the Mermaid picture of both tenants.
    const file = /^ {2}The tenants' topology \(Mermaid diagram\) and this report: (.+)$/m.exec(r.stdout)?.[1];
    assert.equal(file, path.join(out, "demo-network.md"), tail(r));
    const md = fs.readFileSync(file as string, "utf8");
    const picture = /```mermaid\n(flowchart LR\n[^`]+)```/.exec(md)?.[1] ?? "";
    for (const node of [
      'vpc_acme__vpc[["+ VPC acme--vpc"]]',
      'subnet_acme__web["+ subnet acme--web<br/>10.10.1.0/24"]',
      'iptableseip_acme__egress(["+ EIP acme--egress<br/>203.0.113.10"])',
      `iptableseip_globex__db(["+ EIP globex--db<br/>${globex.db}"])`,
      "vpc_globex__vpc --> subnet_globex__main",
      "vpcnatgateway_acme__nat --> iptableseip_acme__egress",
    ])
      assert.ok(picture.includes(node), `${node}\n${md}`);
    assert.ok(md.includes("| create | VPC globex--vpc created | Vpc `globex--vpc` |"), md);

    // An image only when a renderer really ran; otherwise the reason.
    const image = /^ {2}The topology as an image: (.+)$/m.exec(r.stdout)?.[1];
    if (image) assert.match(fs.readFileSync(image, "utf8"), /^<svg/);
    else assert.match(r.stdout, /^ {2}No image: \S/m, tail(r));

    // How to look around and tear down; and the objects are there.
    for (const hint of ["export KUBECONFIG=", "kubectl get vpcs,subnets", "npm start -- --destroy"])
      assert.ok(r.stdout.includes(hint), `${hint}\n${tail(r)}`);
    const objects = await ourObjects();
    for (const o of [
      "Vpc/acme--vpc",
      "Vpc/globex--vpc",
      "VpcNatGateway/acme--nat",
      "IptablesEIP/acme--egress",
      "Namespace/acme-web",
    ])
      assert.ok(objects.includes(o), objects.join(", "));
  });

  it("--verbose adds the engine's own output; a second run reports no changes", async function () {
    assert.equal(first?.code, 0, "needs the first run");
    const r = await start("--verbose", "--out", out);
    assert.equal(r.code, 0, tail(r));
    for (const raw of RAW.slice(0, 3)) assert.match(r.stdout, raw, tail(r));
    assert.deepEqual(steps(r.stdout), ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"], tail(r));
    assert.ok(r.stdout.includes(":white_check_mark: no changes"), tail(r));
    assert.ok(r.stdout.includes("No changes: `cluster`, `acme`, `globex`."), tail(r));
    // The picture is still drawn, with nothing marked.
    const md = fs.readFileSync(path.join(out, "demo-network.md"), "utf8");
    assert.ok(md.includes('vpc_acme__vpc[["VPC acme--vpc"]]') && !md.includes("classDef create"), md);
  });

  it("--destroy says what it removed in network terms and leaves nothing", async function () {
    assert.equal(first?.code, 0, "needs the first run");
    const r = await start("--destroy");
    assert.equal(r.code, 0, tail(r));
    assert.deepEqual(steps(r.stdout), ["1/3", "2/3", "3/3"], tail(r));
    for (const raw of RAW) assert.doesNotMatch(r.stdout, raw, tail(r));
    for (const line of [
      "acme: VPC acme--vpc deleted: its subnets lose their router",
      "globex: NAT gateway globex--nat deleted",
    ])
      assert.ok(r.stdout.includes(line), `${line}\n${tail(r)}`);
    assert.deepEqual(await ourObjects(), []);
  });
});
