import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";
import { POD_METADATA_PATHS, applyNamespaceDefaults } from "../../provider/core";
import { makeProvider } from "../../provider/plugin";
import { APPLY_POD_DEFAULTS } from "../../provider/pod-defaults-function";

const ROUTES = "ovn.kubernetes.io/routes";
const SGS = "ovn.kubernetes.io/security_groups";
const podDefaults = {
  "acme-web": { routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }], securityGroups: ["sg-web"] },
};

describe("pod defaults for workloads of other languages: the provider function applyPodDefaults", () => {
  const provider = makeProvider();

  it("gives a workload in a tenant namespace what the namespace carries, its own values first", async () => {
    const r = await provider.invoke(APPLY_POD_DEFAULTS, {
      podDefaults,
      namespace: "acme-web",
      annotations: { [SGS]: "sg-own", team: "web" },
    });
    assert.deepEqual(r.failures, undefined);
    assert.deepEqual(r.outputs, {
      applied: true,
      annotations: {
        team: "web",
        [SGS]: "sg-own,sg-web",
        [ROUTES]: JSON.stringify([{ dst: "192.168.0.0/16", gw: "10.10.1.253" }]),
      },
      warnings: [],
    });
  });

  it("leaves a workload outside the tenant namespaces, or without a namespace, exactly as written", async () => {
    for (const namespace of ["default", undefined, "constructor"]) {
      const r = await provider.invoke(APPLY_POD_DEFAULTS, { podDefaults, namespace, annotations: { a: "b" } });
      assert.deepEqual(r.outputs, { applied: false, annotations: { a: "b" }, warnings: [] }, String(namespace));
    }
    const none = await provider.invoke(APPLY_POD_DEFAULTS, { podDefaults, namespace: "default" });
    assert.deepEqual(none.outputs, { applied: false, annotations: undefined, warnings: [] });
  });

  it("accepts unset members as SDKs send them (null) and reports a malformed pod annotation as a warning", async () => {
    const r = await provider.invoke(APPLY_POD_DEFAULTS, {
      podDefaults: { "acme-web": { routes: podDefaults["acme-web"].routes, attachments: null, portSecurity: null } },
      namespace: "acme-web",
      annotations: { [ROUTES]: "not json" },
    });
    assert.equal(r.outputs.applied, false);
    assert.deepEqual(r.outputs.annotations, { [ROUTES]: "not json" });
    assert.match(r.outputs.warnings[0], /ovn\.kubernetes\.io\/routes is not JSON/);
  });

  it("refuses malformed arguments, naming each", async () => {
    const r = await provider.invoke(APPLY_POD_DEFAULTS, {
      podDefaults: { "acme-web": { routes: [{ dst: "10.0.0.0/8" }] } },
      namespace: 7,
      annotations: { a: 1 },
    });
    assert.deepEqual(
      r.failures?.map((f) => f.property),
      ["podDefaults.acme-web", "namespace", "annotations"],
    );
    await assert.rejects(provider.invoke("kubeovn:index:nope", {}), /unknown function kubeovn:index:nope/);
  });

  it("is the merge the TypeScript transform applies (applyNamespaceDefaults)", async () => {
    const args = { namespace: "acme-web", annotations: { [ROUTES]: JSON.stringify([{ gw: "10.10.1.1" }]) } };
    const r = await provider.invoke(APPLY_POD_DEFAULTS, { podDefaults, ...args });
    assert.deepEqual(r.outputs, applyNamespaceDefaults(podDefaults, args.namespace, args.annotations, undefined));
  });

  it("the Python and Go SDK transforms know the same pod kinds and metadata paths as the TypeScript one", () => {
    const sdk = (...p: string[]) => fs.readFileSync(path.join(repoRoot, "sdk", ...p), "utf8");
    const python = sdk("python", "pulumi_kubeovn", "pod_defaults.py");
    const go = sdk("go", "kubeovn", "podDefaults.go");
    for (const [type, at] of Object.entries(POD_METADATA_PATHS)) {
      assert.ok(python.includes(`"${type}": ${JSON.stringify(at).replace(/,/g, ", ")}`), `python: ${type}`);
      assert.match(go, new RegExp(`"${type}":\\s+\\{${at.map((k) => `"${k}"`).join(", ")}\\}`), `go: ${type}`);
    }
    const count = (text: string) => (text.match(/"kubernetes:[a-z]+\/v1:[A-Za-z]+":/g) ?? []).length;
    assert.equal(count(python), Object.keys(POD_METADATA_PATHS).length);
    assert.equal(count(go), Object.keys(POD_METADATA_PATHS).length);
  });
});
