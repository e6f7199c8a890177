import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { Problems, planFleet } from "../../provider/core";
import { inputJsonSchema, nearestKey } from "../../provider/core/strict-keys";
import { parseFleet } from "../../provider/fleet/fleet-file";
import { INPUT_SCHEMA_FILE, inputKeys } from "../../provider/input-schema";
import { SCHEMA_FILE } from "../../provider/provider";
import { repoRoot } from "../support/demo";
import { problemsOf } from "../support/problems";

const example = () => YAML.parse(fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8"));
const lines = (e: { problems: { path: string; value: unknown; message: string }[] }) =>
  e.problems.map((p) => `${p.path} ${JSON.stringify(p.value)} ${p.message}`);

describe("strict input: unknown keys", () => {
  it("fleet.schema.json is what the component schema (provider/schema.json) gives (run `npm run schema`)", () => {
    const fresh = inputJsonSchema(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
    assert.deepEqual(JSON.parse(fs.readFileSync(INPUT_SCHEMA_FILE, "utf8")), fresh);
  });

  it("the fleet schema declares exactly the keys of the components' args, less what the fleet tool supplies", () => {
    const pulumi = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    const defs = JSON.parse(fs.readFileSync(INPUT_SCHEMA_FILE, "utf8")).definitions;
    const tenant = Object.keys(pulumi.resources["kubeovn:index:TenantNetwork"].inputProperties);
    assert.deepEqual(
      Object.keys(defs.TenantSpec.properties),
      tenant.filter((k) => k !== "cluster" && k !== "teardown"),
    );
    assert.deepEqual(Object.keys(defs.TenantNetworkArgs.properties), tenant);
    assert.deepEqual(
      Object.keys(defs.TenantSubnetSpec.properties),
      Object.keys(pulumi.types["kubeovn:index:TenantSubnetSpec"].properties),
    );
    assert.equal(defs.TenantSubnetSpec.additionalProperties, false);
    // Maps stay open: any label key is valid.
    assert.deepEqual(defs.TenantNamespaceSpec.properties.labels.additionalProperties, { type: "string" });
  });

  it("the example fleet file names the schema for editors, and the package ships it", () => {
    const first = fs.readFileSync(path.join(repoRoot, "examples", "fleet.yaml"), "utf8").split("\n")[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    assert.ok(m, first);
    assert.equal(path.resolve(repoRoot, "examples", m[1]), INPUT_SCHEMA_FILE);
    const { files } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
    assert.ok(files.includes(path.relative(repoRoot, INPUT_SCHEMA_FILE)), files.join(", "));
  });

  it("input.unknown-key: a fleet file: every unknown key at any depth, by path, with the nearest valid key", () => {
    const doc = example();
    doc.tenantz = [];
    doc.cluster.interconnect.gatway = "172.31.0.1";
    doc.tenants[0].subnets[1].gatway = "10.10.2.1";
    doc.tenants[0].namespaces[0].routes = [{ gw: "10.10.1.1", dest: "192.168.0.0/16" }];
    doc.tenants[1].securityGroups = [
      {
        name: "web",
        namespaces: ["globex"],
        tier: "front",
        ingressRules: [{ priority: 10, policy: "allow", remoteAdress: "10.0.0.0/8" }],
      },
    ];
    doc.tenants[2].peerings = [{ tenant: "acme", localConnectIp: "169.254.0.1/30", remoteCidrs: ["10.10.1.0/24"] }];
    const e = problemsOf(() => parseFleet(YAML.stringify(doc), "fleet.yaml"));
    const byPath = new Map(e.problems.map((p) => [p.path, p]));
    const expect = (p: string, value: unknown, suggestion: string | undefined) => {
      const x = byPath.get(p);
      assert.ok(x, `no problem at ${p}:\n${e.message}`);
      assert.deepEqual(x.value, value);
      if (suggestion) assert.match(x.message, new RegExp(`did you mean "${suggestion}"\\?`), x.message);
      else assert.doesNotMatch(x.message, /did you mean/, x.message);
    };
    expect("tenantz", [], "tenants");
    expect("cluster.interconnect.gatway", "172.31.0.1", "gateway");
    expect("tenants[acme].subnets[app].gatway", "10.10.2.1", "gateway");
    expect("tenants[acme].namespaces[acme-web].routes[0].dest", "192.168.0.0/16", "dst");
    expect("tenants[globex].securityGroups[web].tier", "front", undefined);
    expect("tenants[globex].securityGroups[web].ingressRules[0].remoteAdress", "10.0.0.0/8", "remoteAddress");
    expect("tenants[initech].peerings[acme].localConnectIp", "169.254.0.1/30", "localConnectIP");
    // The valid keys are listed where no near one exists.
    assert.match(byPath.get("tenants[globex].securityGroups[web].tier")?.message ?? "", /known: name, namespaces,/);
    assert.match(e.message, /tenants\[acme\]\.subnets\[app\]\.gatway: "10\.10\.2\.1" is not a known key here/);
  });

  it("component args of every language are checked against the same types (Inputs are not looked into)", () => {
    const p = new Problems();
    const output = { __pulumiOutput: true, resources: () => [], isKnown: Promise.resolve(true) };
    inputKeys().check(
      p,
      {
        tenant: "acme",
        cluster: output,
        teardown: { kubeconfig: output, graceSecond: 5 },
        namespaces: [{ name: "acme-web", labels: { "any/label": "x" } }],
        subnets: [{ name: "web", cidrs: "10.0.0.0/24", namespaces: [] }],
        monitoring: { scraperNamespace: "mon", cidr: "10.0.9.0/24", ports: ["9090"], adopted: true },
      },
      "TenantNetworkArgs",
    );
    assert.deepEqual(
      p.list.map((x) => [x.path, x.message.match(/did you mean "(\w+)"/)?.[1]]),
      [
        ["teardown.graceSecond", "graceSeconds"],
        ["subnets[web].cidrs", "cidr"],
        ["monitoring.adopted", "adopt"],
      ],
    );
    const w = new Problems();
    inputKeys().check(w, { replica: 3, failurePolicy: "Fail" }, "PodDefaultsWebhookArgs");
    assert.deepEqual(
      w.list.map((x) => x.path),
      ["replica"],
    );
    assert.match(w.list[0].message, /did you mean "replicas"/);
  });

  it("suggests a key only when it is a slip, not another word", () => {
    assert.equal(nearestKey("gatway", ["cidr", "gateway"]), "gateway");
    assert.equal(nearestKey("excludeIPs", ["excludeIps", "cidr"]), "excludeIps");
    assert.equal(nearestKey("tier", ["name", "namespaces", "ingressRules"]), undefined);
    assert.equal(nearestKey("tier", ["name", "cidr", "gateway"]), undefined);
    assert.equal(nearestKey("adopted", ["name", "adopt"]), "adopt");
    assert.equal(nearestKey("grace", ["graceSeconds", "kubeconfig"]), "graceSeconds");
    assert.equal(nearestKey("internalCIRD", ["name", "eip", "internalCIDR"]), "internalCIDR");
  });
});

describe("strict input: every problem at once", () => {
  it("a fleet file reports its own, the fleet's and each tenant's problems together", () => {
    const doc = example();
    doc.tenantz = [];
    doc.cluster.eipPools[0].gateway = "10.0.0.1"; // cluster level
    doc.tenants[2].namespaces.push({ name: "globex" }); // cross-tenant
    doc.tenants[2].subnets[0].namespaces.push("globex");
    doc.tenants[0].subnets[1].cidr = "10.10.2.1/24"; // one tenant's own
    doc.tenants[1].subnets[0].gatway = "10.20.1.1"; // unknown key
    const e = problemsOf(() => parseFleet(YAML.stringify(doc), "fleet.yaml"));
    const paths = e.problems.map((p) => p.path);
    for (const p of [
      "tenantz",
      "cluster.eipPools[public-a].gateway",
      "tenants[initech].namespaces[1].name",
      "tenants[acme].subnets[app].cidr",
      "tenants[globex].subnets[main].gatway",
    ])
      assert.ok(paths.includes(p), `${p} missing from:\n${e.message}`);
  });

  it("planFleet: a fleet-level problem does not hide a tenant's own, and a refused static address is said once", () => {
    const doc = example();
    doc.tenants[2].namespaces.push({ name: "globex" });
    doc.tenants[2].subnets[0].namespaces.push("globex");
    doc.tenants[1].eips[0].v4ip = doc.tenants[0].eips[0].v4ip ?? "203.0.113.10";
    doc.tenants[0].eips[0].v4ip = doc.tenants[1].eips[0].v4ip;
    doc.tenants[0].subnets[1].cidr = "10.10.2.1/24";
    const e = problemsOf(() => planFleet(doc.cluster, doc.tenants));
    const all = lines(e);
    assert.ok(
      all.some((l) => l.startsWith("tenants[initech].namespaces[1].name")),
      all.join("\n"),
    );
    assert.ok(
      all.some((l) => l.startsWith("tenants[acme].subnets[app].cidr")),
      all.join("\n"),
    );
    const eip = e.problems.filter((p) => /^tenants\[\w+\]\.eips\[\w+\]\.v4ip$/.test(p.path));
    assert.equal(eip.length, 1, all.join("\n"));
  });

  it("planFleet: a broken cluster spec does not hide the tenants' own problems", () => {
    const doc = example();
    doc.cluster.interconnect.cidr = "not-a-cidr";
    doc.tenants[0].subnets[1].cidr = "10.10.2.1/24";
    const e = problemsOf(() => planFleet(doc.cluster, doc.tenants));
    const paths = e.problems.map((p) => p.path);
    assert.ok(paths.includes("cluster.interconnect.cidr"), e.message);
    assert.ok(paths.includes("tenants[acme].subnets[app].cidr"), e.message);
  });
});
