import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import fc from "fast-check";
import { podDefaultsTransform } from "../../provider/components/pod-defaults-transform";
import {
  type ClusterNetworkSpec,
  POD_DEFAULTS_ANNOTATION,
  type PodDefaults,
  PodSelectorOperator,
  type PodSelectorSpec,
  SecurityGroupPolicy,
  type TenantSpec,
  applyNamespaceDefaults,
  planCluster,
  planTenant,
  podDefaultsAnnotations,
  readPodDefaults,
  withServiceIps,
} from "../../provider/core";
import { matchesPodSelector, podSelectorProblems } from "../../provider/core/pod-selector";
import { invokeApplyPodDefaults } from "../../provider/pod-defaults-function";
import { type AdmissionReview, admitPod } from "../../provider/webhook/admission";
import { webhookBundle } from "../../provider/webhook/bundle";
import { clone, loadDemo } from "../support/demo";
import { problemsOf } from "../support/problems";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const SGS = "ovn.kubernetes.io/security_groups";
const API_ROUTES = "api-server-access.kube-system.ovn.kubernetes.io/routes";

const demo = loadDemo();
const cluster = (): ClusterNetworkSpec => ({ ...clone(demo.cluster), apiServerAccess: { cidr: "100.100.100.0/24" } });
const info = () => withServiceIps(planCluster(cluster()).info, ["10.96.0.1"]);
const ingress: PodSelectorSpec = { matchLabels: { "app.kubernetes.io/name": "ingress" } };

/** One namespace; the API-server access and the group `web` only for the pods `ingress` selects. */
function scoped(): TenantSpec {
  return {
    tenant: "acme",
    apiServerAccess: true,
    apiServerAccessPodSelector: ingress,
    namespaces: [{ name: "acme-web" }],
    subnets: [{ name: "web", cidr: "10.10.1.0/24", namespaces: ["acme-web"] }],
    securityGroups: [
      {
        name: "web",
        namespaces: ["acme-web"],
        podSelector: {
          matchExpressions: [{ key: "tier", operator: PodSelectorOperator.In, values: ["front", "edge"] }],
        },
        ingressRules: [{ priority: 10, policy: SecurityGroupPolicy.Allow, remoteAddress: "10.20.0.0/16" }],
      },
    ],
  };
}

describe("pod selectors: Kubernetes LabelSelector semantics", () => {
  const labels = { app: "web", tier: "front", "example.com/role": "" };
  const cases: [string, PodSelectorSpec, boolean][] = [
    ["an empty selector matches every pod", {}, true],
    ["matchLabels: every pair holds", { matchLabels: { app: "web", tier: "front" } }, true],
    ["matchLabels: a different value", { matchLabels: { app: "db" } }, false],
    ["matchLabels: a missing label", { matchLabels: { zone: "a" } }, false],
    ["matchLabels: an empty value matches an empty label", { matchLabels: { "example.com/role": "" } }, true],
    [
      "In: the value is listed",
      { matchExpressions: [{ key: "tier", operator: PodSelectorOperator.In, values: ["back", "front"] }] },
      true,
    ],
    [
      "In: the value is not listed",
      { matchExpressions: [{ key: "tier", operator: PodSelectorOperator.In, values: ["back"] }] },
      false,
    ],
    [
      "In: the label is missing",
      { matchExpressions: [{ key: "zone", operator: PodSelectorOperator.In, values: ["a"] }] },
      false,
    ],
    [
      "NotIn: the value is listed",
      { matchExpressions: [{ key: "tier", operator: PodSelectorOperator.NotIn, values: ["front"] }] },
      false,
    ],
    [
      "NotIn: the value is not listed",
      { matchExpressions: [{ key: "tier", operator: PodSelectorOperator.NotIn, values: ["back"] }] },
      true,
    ],
    [
      "NotIn: a missing label matches",
      { matchExpressions: [{ key: "zone", operator: PodSelectorOperator.NotIn, values: ["a"] }] },
      true,
    ],
    [
      "Exists: present",
      { matchExpressions: [{ key: "example.com/role", operator: PodSelectorOperator.Exists }] },
      true,
    ],
    ["Exists: missing", { matchExpressions: [{ key: "zone", operator: PodSelectorOperator.Exists }] }, false],
    [
      "DoesNotExist: missing",
      { matchExpressions: [{ key: "zone", operator: PodSelectorOperator.DoesNotExist }] },
      true,
    ],
    [
      "DoesNotExist: present",
      { matchExpressions: [{ key: "app", operator: PodSelectorOperator.DoesNotExist }] },
      false,
    ],
    [
      "matchLabels and matchExpressions are ANDed",
      {
        matchLabels: { app: "web" },
        matchExpressions: [{ key: "tier", operator: PodSelectorOperator.In, values: ["back"] }],
      },
      false,
    ],
  ];
  for (const [name, selector, expected] of cases)
    it(name, () => assert.equal(matchesPodSelector(selector, labels), expected));

  it("a pod without labels: only selectors that need no label match", () => {
    assert.equal(matchesPodSelector({}, undefined), true);
    assert.equal(
      matchesPodSelector({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["x"] }] }, undefined),
      true,
    );
    assert.equal(matchesPodSelector({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, {}), true);
    assert.equal(matchesPodSelector({ matchLabels: { a: "x" } }, undefined), false);
  });

  // Upstream's equivalences (LabelSelector's documentation): a matchLabels pair is an In requirement
  // with one value; NotIn is the negation of In on a pod that has the label; DoesNotExist of Exists.
  const key = fc.constantFrom("app", "tier", "example.com/role");
  const value = fc.constantFrom("web", "front", "db", "");
  const podLabels = fc.dictionary(key, value, { maxKeys: 3 });
  it("matchLabels {k: v} is {k In [v]}; NotIn negates In where the label is set; DoesNotExist negates Exists", () => {
    fc.assert(
      fc.property(podLabels, key, fc.array(value, { minLength: 1, maxLength: 3 }), (l, k, vs) => {
        const inReq = (op: string) => ({ matchExpressions: [{ key: k, operator: op, values: vs }] });
        assert.equal(
          matchesPodSelector({ matchLabels: { [k]: vs[0] } }, l),
          matchesPodSelector({ matchExpressions: [{ key: k, operator: "In", values: [vs[0]] }] }, l),
        );
        if (k in l) assert.equal(matchesPodSelector(inReq("NotIn"), l), !matchesPodSelector(inReq("In"), l));
        else assert.equal(matchesPodSelector(inReq("NotIn"), l), true);
        assert.equal(
          matchesPodSelector({ matchExpressions: [{ key: k, operator: "DoesNotExist" }] }, l),
          !matchesPodSelector({ matchExpressions: [{ key: k, operator: "Exists" }] }, l),
        );
      }),
    );
  });
});

describe("pod selectors: validated at preview", () => {
  const refused = (mutate: (t: TenantSpec) => void, path: string, value: unknown, message: RegExp) => {
    const t = scoped();
    mutate(t);
    const err = problemsOf(() => planTenant(t, info()));
    const hit = err.problems.find((p) => p.path === path);
    assert.ok(hit, `no problem at ${path}; got:\n${err.message}`);
    assert.deepEqual(hit.value, value);
    assert.match(hit.message, message);
  };
  const expr = (operator: unknown, values?: unknown): PodSelectorSpec =>
    ({ matchExpressions: [{ key: "tier", operator, ...(values === undefined ? {} : { values }) }] }) as PodSelectorSpec;

  it("an operator that is not In, NotIn, Exists or DoesNotExist", () =>
    refused(
      (t) => {
        t.apiServerAccessPodSelector = expr("Equals", ["a"]);
      },
      "apiServerAccessPodSelector.matchExpressions[0].operator",
      "Equals",
      /must be one of In, NotIn, Exists, DoesNotExist/,
    ));
  it("In and NotIn without values", () => {
    for (const op of ["In", "NotIn"])
      refused(
        (t) => {
          (t.securityGroups ?? [])[0].podSelector = expr(op, []);
        },
        "securityGroups[web].podSelector.matchExpressions[0].values",
        [],
        new RegExp(`at least one value with operator ${op}`),
      );
  });
  it("Exists and DoesNotExist with values", () => {
    for (const op of ["Exists", "DoesNotExist"])
      refused(
        (t) => {
          t.namespaces[0].apiServerAccessPodSelector = expr(op, ["x"]);
        },
        "namespaces[acme-web].apiServerAccessPodSelector.matchExpressions[0].values",
        ["x"],
        new RegExp(`must be empty with operator ${op}`),
      );
  });
  it("label keys and values Kubernetes refuses", () => {
    refused(
      (t) => {
        t.apiServerAccessPodSelector = { matchLabels: { "-app": "x" } };
      },
      "apiServerAccessPodSelector.matchLabels.-app",
      "-app",
      /is not a label key/,
    );
    refused(
      (t) => {
        t.apiServerAccessPodSelector = { matchLabels: { "Example.com/app": "x" } };
      },
      "apiServerAccessPodSelector.matchLabels.Example.com/app",
      "Example.com/app",
      /prefix "Example.com" must be a lowercase DNS subdomain/,
    );
    refused(
      (t) => {
        t.apiServerAccessPodSelector = { matchLabels: { app: "not ok" } };
      },
      "apiServerAccessPodSelector.matchLabels.app",
      "not ok",
      /is not a label value/,
    );
    refused(
      (t) => {
        t.apiServerAccessPodSelector = expr("In", ["x".repeat(64)]);
      },
      "apiServerAccessPodSelector.matchExpressions[0].values[0]",
      "x".repeat(64),
      /at most 63 characters/,
    );
    refused(
      (t) => {
        t.apiServerAccessPodSelector = { matchExpressions: [{ key: "a/b/c", operator: PodSelectorOperator.Exists }] };
      },
      "apiServerAccessPodSelector.matchExpressions[0].key",
      "a/b/c",
      /is not a label key/,
    );
  });
  it("a selector for API-server access the namespace or tenant does not have", () => {
    refused(
      (t) => {
        t.namespaces[0].apiServerAccess = false;
        t.namespaces[0].apiServerAccessPodSelector = ingress;
      },
      "namespaces[acme-web].apiServerAccessPodSelector",
      ingress,
      /needs apiServerAccess on this namespace/,
    );
    refused(
      (t) => {
        t.apiServerAccess = undefined;
      },
      "apiServerAccessPodSelector",
      ingress,
      /needs apiServerAccess on the tenant or one of its namespaces/,
    );
  });
  it("every problem at once", () => {
    const t = scoped();
    t.apiServerAccessPodSelector = expr("In", []);
    (t.securityGroups ?? [])[0].podSelector = expr("Exists", ["a"]);
    const paths = problemsOf(() => planTenant(t, info())).problems.map((p) => p.path);
    assert.deepEqual(paths.sort(), [
      "apiServerAccessPodSelector.matchExpressions[0].values",
      "securityGroups[web].podSelector.matchExpressions[0].values",
    ]);
  });
  it("a namespace annotation or function argument with a bad selector is refused, naming it", () => {
    const bad = { selected: [{ podSelector: expr("In", []), securityGroups: ["g"] }] };
    assert.match(
      readPodDefaults({ [POD_DEFAULTS_ANNOTATION]: JSON.stringify(bad) }).problem ?? "",
      /selected\[0\]\.podSelector\.matchExpressions\[0\]\.values \[\] that must name at least one value with operator In/,
    );
    const r = invokeApplyPodDefaults({ podDefaults: { ns: bad }, namespace: "ns" });
    assert.equal(r.failures?.[0].property, "podDefaults.ns");
    assert.match(r.failures?.[0].reason ?? "", /selected\[0\]\.podSelector/);
    // The annotation form takes no unknown keys either (the spec's are refused by the strict-input check).
    assert.equal(podSelectorProblems({ matchLabel: { a: "b" } })[0].path, "matchLabel");
  });
});

describe("pod selectors: what a tenant's pods inherit", () => {
  const plan = planTenant(scoped(), info());
  const defaults = plan.podDefaults["acme-web"];

  it("the namespace records the scoped parts under their selectors, nothing namespace-wide", () => {
    assert.deepEqual(defaults, {
      selected: [
        {
          podSelector: ingress,
          attachments: [
            { network: "kube-system/api-server-access", routes: [{ dst: "10.96.0.1/32", gw: "100.100.100.1" }] },
          ],
        },
        { podSelector: scoped().securityGroups?.[0].podSelector, securityGroups: ["acme--web"] },
      ],
    });
    const ns = plan.objects.find((o) => o.kind === "Namespace" && o.metadata.name === "acme-web");
    assert.deepEqual(ns?.metadata.annotations, podDefaultsAnnotations(defaults));
  });

  it("only matching pods get the NIC and route, or the group; the others keep none of them", () => {
    const get = (labels?: { [k: string]: string }) =>
      applyNamespaceDefaults(plan.podDefaults, "acme-web", undefined, labels).annotations ?? {};
    const ingressPod = get({ "app.kubernetes.io/name": "ingress" });
    assert.equal(ingressPod[NETWORKS], "kube-system/api-server-access");
    assert.deepEqual(JSON.parse(ingressPod[API_ROUTES]), [{ dst: "10.96.0.1/32", gw: "100.100.100.1" }]);
    assert.equal(ingressPod[SGS], undefined);
    const front = get({ tier: "front" });
    assert.deepEqual(front, { [SGS]: "acme--web" });
    assert.deepEqual(get({ "app.kubernetes.io/name": "ingress", tier: "edge" })[SGS], "acme--web");
    assert.deepEqual(get({ app: "db" }), {});
    assert.deepEqual(get(undefined), {});
  });

  it("a namespace's own selector overrides the tenant's; without any, every pod of the namespace has access", () => {
    const t = scoped();
    t.namespaces = [
      { name: "acme-web", apiServerAccessPodSelector: { matchLabels: { app: "operator" } } },
      { name: "acme-jobs" },
    ];
    t.subnets[0].namespaces = ["acme-web", "acme-jobs"];
    t.apiServerAccessPodSelector = undefined;
    const p = planTenant(t, info());
    const nets = (ns: string, labels: { [k: string]: string }) =>
      applyNamespaceDefaults(p.podDefaults, ns, undefined, labels).annotations?.[NETWORKS];
    assert.equal(nets("acme-web", { app: "operator" }), "kube-system/api-server-access");
    assert.equal(nets("acme-web", { "app.kubernetes.io/name": "ingress" }), undefined);
    assert.equal(nets("acme-jobs", {}), "kube-system/api-server-access");
  });

  it("monitoring: pods outside every scoped group stay open, pods in one are not", () => {
    const t = scoped();
    t.monitoring = { scraperNamespace: "acme-metrics", cidr: "10.10.255.0/28", ports: ["9090"] };
    const p = planTenant(t, info());
    assert.ok(p.objects.some((o) => o.id === "security-group/monitoring-open"));
    const groups = (labels: { [k: string]: string }) =>
      applyNamespaceDefaults(p.podDefaults, "acme-web", undefined, labels).annotations?.[SGS];
    assert.equal(groups({ tier: "front" }), "acme--monitoring,acme--web");
    assert.equal(groups({ app: "db" }), "acme--monitoring,acme--monitoring-open");
  });
});

/** The webhook's answer applied to the pod: its annotations after admission. */
async function admitted(
  defaults: PodDefaults,
  labels: { [k: string]: string } | undefined,
  annotations: { [k: string]: string } | undefined,
): Promise<{ [k: string]: string } | undefined> {
  const review: AdmissionReview = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "u",
      namespace: "acme-web",
      operation: "CREATE",
      object: {
        kind: "Pod",
        metadata: { generateName: "p-", ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
      },
    },
  };
  const out = await admitPod(review, async () => podDefaultsAnnotations(defaults));
  assert.equal(out.response?.allowed, true);
  if (!out.response?.patch) return annotations;
  const [op] = JSON.parse(Buffer.from(out.response.patch, "base64").toString());
  return op.value;
}

/** The TypeScript transform's pod-template annotations for a Deployment with these pod labels. */
async function transformed(
  defaults: PodDefaults,
  labels: { [k: string]: string } | undefined,
  annotations: { [k: string]: string } | undefined,
): Promise<{ [k: string]: string } | undefined> {
  const transform = podDefaultsTransform({ "acme-web": defaults });
  const r = await transform({
    type: "kubernetes:apps/v1:Deployment",
    name: "d",
    custom: true,
    props: {
      metadata: { namespace: "acme-web" },
      spec: { template: { metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } } },
    },
    opts: {},
  } as unknown as pulumiTypes.ResourceTransformArgs);
  const out = (r as any).props.spec.template.metadata.annotations as pulumiTypes.Output<{ [k: string]: string }>;
  return (out as any).promise();
}

describe("pod selectors: the webhook and the transforms give a pod the same", () => {
  const plan = planTenant(scoped(), info());
  const defaults = plan.podDefaults["acme-web"];
  const labels = fc.option(
    fc
      .dictionary(
        fc.constantFrom("app.kubernetes.io/name", "tier", "app"),
        fc.constantFrom("ingress", "front", "edge", "web"),
        {
          maxKeys: 3,
        },
      )
      .map((x) => ({ ...x })),
    { nil: undefined },
  );
  const annotations = fc.option(
    fc
      .record(
        {
          [SGS]: fc.constantFrom("own", "acme--web", "own,acme--web"),
          [NETWORKS]: fc.constantFrom("kube-system/api-server-access", "other/nad", "[oops"),
        },
        { requiredKeys: [] },
      )
      .map((x) => ({ ...x })), // plain objects, as JSON and the engine give them
    { nil: undefined },
  );

  it("generated pods: admission, the TypeScript transform and the SDKs' function agree", async () => {
    const seen = { attached: 0, grouped: 0, untouched: 0 };
    await fc.assert(
      fc.asyncProperty(labels, annotations, async (l, a) => {
        const byWebhook = await admitted(defaults, l, a);
        const byTransform = await transformed(defaults, l, a);
        const bySdks = invokeApplyPodDefaults({
          podDefaults: { "acme-web": defaults },
          namespace: "acme-web",
          annotations: a,
          labels: l,
        });
        assert.deepEqual(byTransform, byWebhook);
        assert.deepEqual(bySdks.outputs?.annotations, byWebhook);
        if (byWebhook?.[API_ROUTES]) seen.attached++;
        if (byWebhook?.[SGS]?.includes("acme--web") && !a?.[SGS]?.includes("acme--web")) seen.grouped++;
        if (JSON.stringify(byWebhook) === JSON.stringify(a)) seen.untouched++;
      }),
      { numRuns: 200 },
    );
    // Not vacuous: the runs covered pods that got each scoped part and pods that got nothing.
    assert.ok(seen.attached > 0 && seen.grouped > 0 && seen.untouched > 0, JSON.stringify(seen));
  });

  it("the webhook bundle a stock Node image runs applies selectors too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "webhook-bundle-"));
    try {
      for (const [f, js] of Object.entries(webhookBundle())) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), js);
      }
      const run = (l: { [k: string]: string }) => {
        const review = {
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          request: {
            uid: "u",
            namespace: "acme-web",
            operation: "CREATE",
            object: { kind: "Pod", metadata: { labels: l } },
          },
        };
        const script = `require(${JSON.stringify(path.join(dir, "webhook/admission.js"))}).admitPod(${JSON.stringify(review)}, async () => (${JSON.stringify(podDefaultsAnnotations(defaults))})).then((r) => process.stdout.write(JSON.stringify(r)))`;
        const out = JSON.parse(
          execFileSync(process.execPath, ["-e", script], {
            cwd: dir,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "" },
          }),
        );
        return out.response.patch
          ? JSON.parse(Buffer.from(out.response.patch, "base64").toString())[0].value
          : undefined;
      };
      assert.equal(run({ "app.kubernetes.io/name": "ingress" })[NETWORKS], "kube-system/api-server-access");
      assert.equal(run({ app: "web" }), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
