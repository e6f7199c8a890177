import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveAccess, sameServer } from "../../provider/kube/credentials";

/** A kubeconfig with one context per server, the first current. */
const kubeconfig = (servers: { [context: string]: string }) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: Object.entries(servers).map(([c, server]) => ({ name: `cl-${c}`, cluster: { server } })),
    users: Object.keys(servers).map((c) => ({ name: `u-${c}`, user: { token: "t" } })),
    contexts: Object.keys(servers).map((c) => ({ name: c, context: { cluster: `cl-${c}`, user: `u-${c}` } })),
    "current-context": Object.keys(servers)[0],
  });

describe("cluster credentials, resolved as pulumi-kubernetes resolves them", () => {
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-creds-"));
    process.env.HOME = dir;
    delete process.env.KUBECONFIG;
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("kubeconfig content is used as is; a context picks another cluster", () => {
    const content = kubeconfig({ a: "https://a.example:6443", b: "https://b.example:6443" });
    assert.deepEqual(resolveAccess({ kubeconfig: content }, "p"), {
      kubeconfig: content,
      server: "https://a.example:6443",
    });
    const b = resolveAccess({ kubeconfig: content, context: "b" }, "p");
    assert.equal(b.server, "https://b.example:6443");
    assert.equal(JSON.parse(b.kubeconfig)["current-context"], "b", "the teardown later acts with that context too");
  });

  it("kubeconfig may be a path, ~ expanded; cluster overrides the context's cluster", () => {
    fs.mkdirSync(path.join(dir, "k"));
    fs.writeFileSync(path.join(dir, "k", "config"), kubeconfig({ a: "https://a.example", b: "https://b.example" }));
    assert.equal(resolveAccess({ kubeconfig: "~/k/config" }, "p").server, "https://a.example");
    assert.equal(
      resolveAccess({ kubeconfig: path.join(dir, "k", "config"), cluster: "cl-b" }, "p").server,
      "https://b.example",
    );
  });

  it("without a kubeconfig: $KUBECONFIG, a list merged (the first file's context), else ~/.kube/config", () => {
    fs.writeFileSync(path.join(dir, "one"), kubeconfig({ one: "https://one.example" }));
    fs.writeFileSync(path.join(dir, "two"), kubeconfig({ two: "https://two.example" }));
    process.env.KUBECONFIG = [path.join(dir, "one"), path.join(dir, "two")].join(path.delimiter);
    assert.equal(resolveAccess({}, "p").server, "https://one.example");
    assert.equal(resolveAccess({ context: "two" }, "p").server, "https://two.example");
    delete process.env.KUBECONFIG;
    fs.mkdirSync(path.join(dir, ".kube"));
    fs.writeFileSync(path.join(dir, ".kube", "config"), kubeconfig({ home: "https://home.example" }));
    assert.equal(resolveAccess({}, "p").server, "https://home.example");
  });

  it("refuses what it cannot resolve, naming the source and the setting", () => {
    assert.throws(
      () => resolveAccess({}, "the default Kubernetes provider"),
      /the default Kubernetes provider: cannot read its kubeconfig: no kubeconfig found/,
    );
    const content = kubeconfig({ a: "https://a.example" });
    assert.throws(
      () => resolveAccess({ kubeconfig: content, context: "nope" }, "the Kubernetes provider p"),
      /the Kubernetes provider p: context "nope" is not in its kubeconfig \(contexts: a\)/,
    );
    assert.throws(
      () => resolveAccess({ kubeconfig: content, cluster: "nope" }, "p"),
      /p: cluster "nope" is not in its kubeconfig/,
    );
  });

  it("compares API servers as endpoints", () => {
    assert.ok(sameServer("https://127.0.0.1:6443/", "https://127.0.0.1:6443"));
    assert.ok(!sameServer("https://127.0.0.1:6443", "https://127.0.0.1:6444"));
  });
});
