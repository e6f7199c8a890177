import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  type PodDefaults,
  type PodRouteSpec,
  mergePodDefaults,
  readPodDefaults,
  attachmentRoutesAnnotation,
  podDefaultsAnnotations,
} from "../../provider/core";

const ROUTES = "ovn.kubernetes.io/routes";
const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const SGS = "ovn.kubernetes.io/security_groups";
const PORT_SECURITY = "ovn.kubernetes.io/port_security";

describe("pod defaults: merging a namespace's defaults into a pod", () => {
  const defaults: PodDefaults = {
    routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }, { gw: "10.10.1.254" }],
    attachments: [{ network: "kube-system/api-ovn-nad", routes: [{ dst: "10.96.0.1/32", gw: "100.100.100.1" }] }],
    securityGroups: ["sg-web"],
    portSecurity: true,
  };

  it("gives a bare pod every default, in Kube-OVN's annotation keys", () => {
    const { annotations, warnings } = mergePodDefaults({}, defaults, "acme-web", undefined);
    assert.deepEqual(warnings, []);
    assert.deepEqual(annotations, {
      [ROUTES]: JSON.stringify([{ dst: "192.168.0.0/16", gw: "10.10.1.253" }, { gw: "10.10.1.254" }]),
      [NETWORKS]: "kube-system/api-ovn-nad",
      "api-ovn-nad.kube-system.ovn.kubernetes.io/routes": JSON.stringify([
        { dst: "10.96.0.1/32", gw: "100.100.100.1" },
      ]),
      [SGS]: "sg-web",
      [PORT_SECURITY]: "true",
    });
  });

  it("keeps the pod's own route for the same destination; a missing dst, an empty dst and 0.0.0.0/0 are the same default route", () => {
    for (const ownDefault of [
      { gw: "10.10.1.1" },
      { dst: "", gw: "10.10.1.1" },
      { dst: "0.0.0.0/0", gw: "10.10.1.1" },
    ]) {
      const own = [{ dst: "192.168.0.0/16", gw: "10.10.1.9" }, ownDefault];
      const { annotations } = mergePodDefaults({ [ROUTES]: JSON.stringify(own) }, defaults, "acme-web", undefined);
      assert.deepEqual(JSON.parse(annotations[ROUTES]), own);
    }
    // An IPv6 default route does not hide the IPv4 one.
    const v6 = [{ gw: "fd00::1" }];
    const { annotations } = mergePodDefaults(
      { [ROUTES]: JSON.stringify(v6) },
      { routes: [{ gw: "10.10.1.254" }] },
      "ns",
      undefined,
    );
    assert.deepEqual(JSON.parse(annotations[ROUTES]), [{ gw: "fd00::1" }, { gw: "10.10.1.254" }]);
  });

  it("adds attachments to a comma list without duplicating, whatever form the pod names them in", () => {
    for (const own of ["kube-system/api-ovn-nad", "kube-system/api-ovn-nad@net9", " kube-system/api-ovn-nad "]) {
      const { annotations } = mergePodDefaults({ [NETWORKS]: own }, defaults, "acme-web", undefined);
      assert.equal(annotations[NETWORKS], own, `${own} already names the network`);
    }
    const { annotations } = mergePodDefaults(
      { [NETWORKS]: "macvlan,other/ipvlan@eth5" },
      defaults,
      "acme-web",
      undefined,
    );
    assert.equal(annotations[NETWORKS], "macvlan,other/ipvlan@eth5,kube-system/api-ovn-nad");
    // A bare name is the pod's own namespace.
    const same = mergePodDefaults({ [NETWORKS]: "api-ovn-nad" }, defaults, "kube-system", undefined).annotations;
    assert.equal(same[NETWORKS], "api-ovn-nad");
  });

  it("adds attachments to a JSON list as JSON objects, keeping the pod's entries as they are", () => {
    const own = [{ name: "macvlan", interface: "eth9", ips: ["10.0.0.5"] }];
    const { annotations } = mergePodDefaults({ [NETWORKS]: JSON.stringify(own) }, defaults, "acme-web", undefined);
    assert.deepEqual(JSON.parse(annotations[NETWORKS]), [...own, { name: "api-ovn-nad", namespace: "kube-system" }]);
    const present = JSON.stringify([{ name: "api-ovn-nad", namespace: "kube-system", interface: "net1" }]);
    assert.equal(
      mergePodDefaults({ [NETWORKS]: present }, defaults, "acme-web", undefined).annotations[NETWORKS],
      present,
    );
  });

  it("unions security groups and leaves the pod's port security alone", () => {
    const { annotations } = mergePodDefaults(
      { [SGS]: "sg-db, sg-web", [PORT_SECURITY]: "false" },
      defaults,
      "acme-web",
      undefined,
    );
    assert.equal(annotations[SGS], "sg-db, sg-web", "nothing to add: the pod's string is untouched");
    assert.equal(annotations[PORT_SECURITY], "false");
    assert.equal(
      mergePodDefaults({ [SGS]: "sg-db" }, defaults, "acme-web", undefined).annotations[SGS],
      "sg-db,sg-web",
    );
  });

  it("keeps a malformed pod value, reports why and still applies the other defaults", () => {
    const pod = { [ROUTES]: "[{dst: oops", [NETWORKS]: "[not json", other: "x" };
    const { annotations, warnings } = mergePodDefaults(pod, defaults, "acme-web", undefined);
    assert.equal(annotations[ROUTES], pod[ROUTES]);
    assert.equal(annotations[NETWORKS], pod[NETWORKS]);
    assert.equal(
      annotations["api-ovn-nad.kube-system.ovn.kubernetes.io/routes"],
      undefined,
      "no routes for an attachment that was not added",
    );
    assert.equal(annotations[SGS], "sg-web");
    assert.equal(annotations.other, "x");
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /ovn\.kubernetes\.io\/routes is not JSON/);
    assert.match(warnings[1], /k8s\.v1\.cni\.cncf\.io\/networks is not JSON/);
    const wrongShape = mergePodDefaults({ [ROUTES]: JSON.stringify({ gw: "1.2.3.4" }) }, defaults, "ns", undefined);
    assert.match(wrongShape.warnings[0], /is not a list of \{dst\?, gw\}/);
  });

  it("names attachment route keys after the NAD's Kube-OVN provider <name>.<namespace>.ovn", () => {
    assert.equal(
      attachmentRoutesAnnotation("kube-system/api-ovn-nad"),
      "api-ovn-nad.kube-system.ovn.kubernetes.io/routes",
    );
  });

  it("reads the namespace annotation back, and says what is wrong with a bad one", () => {
    const written = podDefaultsAnnotations(defaults);
    assert.deepEqual(readPodDefaults(written).defaults, defaults);
    assert.deepEqual(podDefaultsAnnotations({ routes: [], securityGroups: [] }), {});
    assert.deepEqual(readPodDefaults({}), {});
    assert.match(readPodDefaults({ "pulumi-kubeovn/pod-defaults": "{" }).problem ?? "", /is not JSON/);
    assert.match(
      readPodDefaults({ "pulumi-kubeovn/pod-defaults": '{"attachments":[{"network":"nad"}]}' }).problem ?? "",
      /network is not "<namespace>\/<name>": "nad"/,
    );
    assert.match(
      readPodDefaults({ "pulumi-kubeovn/pod-defaults": '{"portSecurity":"yes"}' }).problem ?? "",
      /portSecurity that is not a boolean/,
    );
  });
});

describe("pod defaults: properties of the merge", () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const ip = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
  const route: fc.Arbitrary<PodRouteSpec> = fc
    .record({
      dst: fc.option(
        fc.tuple(ip, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`),
        { nil: undefined },
      ),
      gw: ip,
    })
    .map((r) => (r.dst === undefined ? { gw: r.gw } : { dst: r.dst, gw: r.gw }));
  const name = fc.constantFrom("a", "b", "nad", "api-ovn-nad");
  const ns = fc.constantFrom("kube-system", "acme-web", "other");
  const network = fc.tuple(ns, name).map(([n, m]) => `${n}/${m}`);
  const defaultsArb: fc.Arbitrary<PodDefaults> = fc.record(
    {
      routes: fc.array(route, { maxLength: 4 }),
      attachments: fc.array(
        fc.record({ network, routes: fc.option(fc.array(route, { maxLength: 2 }), { nil: undefined }) }),
        { maxLength: 3 },
      ),
      securityGroups: fc.array(fc.constantFrom("sg-a", "sg-b", "sg-c"), { maxLength: 3 }),
      portSecurity: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const commaEntry = fc.oneof(
    name,
    network,
    fc.tuple(network, fc.constantFrom("eth1", "net5")).map(([n, i]) => `${n}@${i}`),
  );
  const networksValue = fc.oneof(
    fc.array(commaEntry, { maxLength: 3 }).map((l) => l.join(",")),
    fc
      .array(fc.record({ name, namespace: fc.option(ns, { nil: undefined }) }), { maxLength: 3 })
      .map((l) => JSON.stringify(l)),
    fc.constant("[broken"),
  );
  const podArb = fc.record(
    {
      [ROUTES]: fc.oneof(
        fc.array(route, { maxLength: 3 }).map((r) => JSON.stringify(r)),
        fc.constant("{not json"),
      ),
      [NETWORKS]: networksValue,
      [SGS]: fc.array(fc.constantFrom("sg-a", "sg-x"), { maxLength: 2 }).map((l) => l.join(",")),
      [PORT_SECURITY]: fc.constantFrom("true", "false"),
      "app.kubernetes.io/name": fc.string(),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<{ [k: string]: string }>;
  const key = (r: PodRouteSpec) => (r.dst && r.dst !== "0.0.0.0/0" ? r.dst : "default");

  it("never drops or changes a pod annotation it cannot improve, and keeps every pod route", () => {
    fc.assert(
      fc.property(podArb, defaultsArb, ns, (pod, d, podNs) => {
        const { annotations } = mergePodDefaults(pod, d, podNs, undefined);
        for (const k of Object.keys(pod)) assert.ok(k in annotations, `${k} kept`);
        if (pod[PORT_SECURITY] !== undefined) assert.equal(annotations[PORT_SECURITY], pod[PORT_SECURITY]);
        let own: PodRouteSpec[] | undefined;
        try {
          own = pod[ROUTES] === undefined ? undefined : JSON.parse(pod[ROUTES]);
        } catch {
          assert.equal(annotations[ROUTES], pod[ROUTES], "unreadable routes stay as they are");
        }
        if (own)
          assert.deepEqual(
            JSON.parse(annotations[ROUTES]).slice(0, own.length),
            own,
            "the pod's routes come first, unchanged",
          );
        for (const g of (pod[SGS] ?? "").split(",").filter(Boolean)) assert.ok(annotations[SGS].split(",").includes(g));
        if (pod[NETWORKS] !== undefined && !pod[NETWORKS].startsWith("["))
          assert.ok(annotations[NETWORKS].startsWith(pod[NETWORKS]), "the pod's networks come first");
      }),
      { numRuns: 300 },
    );
  });

  it("gives every destination exactly one route, the pod's when it has one", () => {
    fc.assert(
      fc.property(fc.array(route, { maxLength: 4 }), fc.array(route, { maxLength: 4 }), (own, inherited) => {
        const pod: { [k: string]: string } = own.length ? { [ROUTES]: JSON.stringify(own) } : {};
        const merged: PodRouteSpec[] = JSON.parse(
          mergePodDefaults(pod, { routes: inherited }, "ns", undefined).annotations[ROUTES] ?? "[]",
        );
        const ownKeys = new Set(own.map(key));
        const added = merged.slice(own.length);
        assert.equal(new Set(added.map(key)).size, added.length, "no destination added twice");
        for (const r of added) assert.ok(!ownKeys.has(key(r)), `${key(r)} was the pod's`);
        for (const r of inherited)
          assert.ok(
            merged.some((m) => key(m) === key(r)),
            `${key(r)} is routed`,
          );
      }),
      { numRuns: 300 },
    );
  });

  it("is idempotent and never lists a network twice", () => {
    fc.assert(
      fc.property(podArb, defaultsArb, ns, (pod, d, podNs) => {
        const once = mergePodDefaults(pod, d, podNs, undefined).annotations;
        assert.deepEqual(mergePodDefaults(once, d, podNs, undefined).annotations, once);
        const nets = once[NETWORKS];
        if (nets !== undefined && nets !== pod[NETWORKS] && !nets.startsWith("[")) {
          const refs = nets
            .split(",")
            .map((e) => e.split("@")[0])
            .map((r) => (r.includes("/") ? r : `${podNs}/${r}`));
          const added = refs.slice((pod[NETWORKS] ?? "").split(",").filter(Boolean).length);
          for (const a of added) assert.equal(refs.filter((r) => r === a).length, 1, `${a} once`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
