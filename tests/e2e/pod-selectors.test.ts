import { strict as assert } from "node:assert";
import * as k8s from "@kubernetes/client-node";
import * as k8sPulumi from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "../../localcluster/procs";
import { ChangeCollector } from "../../provider/automation/changes";
import { podDefaultsTransform } from "../../provider/components/pod-defaults-transform";
import {
  PodSelectorOperator,
  SecurityGroupPolicy,
  type TenantSpec,
  planCluster,
  planPodDefaultsWebhook,
  planTenant,
  withServiceIps,
} from "../../provider/core";
import { type WebhookServer, startWebhookServer } from "../../provider/webhook/server";
import { createCertificateAuthority, signServingCertificate } from "../../provider/webhook/tls";
import { clone, loadDemo } from "../support/demo";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { openInlineStack } from "./support/stack";

const NETWORKS = "k8s.v1.cni.cncf.io/networks";
const SGS = "ovn.kubernetes.io/security_groups";
const API_ROUTES = "api-server-access.kube-system.ovn.kubernetes.io/routes";
const REGISTRATION = "pulumi-kubeovn-pod-selectors";

/** One namespace: only the ingress controller reaches the API server, only `tier: front` pods are in group `web`. */
const tenant: TenantSpec = {
  tenant: "podsel",
  apiServerAccess: true,
  apiServerAccessPodSelector: { matchLabels: { "app.kubernetes.io/name": "ingress" } },
  namespaces: [{ name: "podsel-web" }],
  subnets: [{ name: "web", cidr: "10.77.1.0/24", namespaces: ["podsel-web"] }],
  securityGroups: [
    {
      name: "web",
      namespaces: ["podsel-web"],
      podSelector: { matchExpressions: [{ key: "tier", operator: PodSelectorOperator.In, values: ["front"] }] },
      ingressRules: [{ priority: 10, policy: SecurityGroupPolicy.Allow, remoteAddress: "10.77.0.0/16" }],
    },
  ],
};

/** The three pods: selected for API-server access, selected for the group, selected for nothing. */
const PODS: { [name: string]: { [k: string]: string } } = {
  ingress: { "app.kubernetes.io/name": "ingress" },
  front: { tier: "front" },
  plain: { app: "web" },
};

const pod = (name: string): k8s.V1Pod => ({
  metadata: { name, labels: PODS[name] },
  spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] },
});

describe("pod selectors: scoped API-server access and security groups on the real API server and controller", function () {
  const api = () => k8s.KubernetesObjectApi.makeApiClient(kubeConfig());
  let core: k8s.CoreV1Api;
  let server: WebhookServer | undefined;
  let plan: ReturnType<typeof planTenant>;
  /** The objects of the plan this test creates, in creation order. */
  let created: k8s.KubernetesObject[] = [];
  /** The pods as the API server stored them after admission. */
  const admitted: { [name: string]: k8s.V1Pod } = {};

  before(async function () {
    core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    // The cluster facts with API-server access, the Service address as the real API server has it.
    const svc = await core.readNamespacedService({ name: "kubernetes", namespace: "default" });
    const cluster = { ...clone(loadDemo().cluster), apiServerAccess: { cidr: "100.100.100.0/24" } };
    plan = planTenant(tenant, withServiceIps(planCluster(cluster).info, svc.spec?.clusterIPs ?? []));
    // The tenant's Vpc, Subnet, SecurityGroup and Namespace exactly as planned, for the controller to act on.
    created = plan.objects
      .filter((o) => ["Vpc", "Subnet", "SecurityGroup", "Namespace"].includes(o.kind))
      .map(({ id: _id, dependsOn: _d, replaceOnChanges: _r, patch: _p, ...o }) => o as k8s.KubernetesObject);
    for (const o of created) await api().create(o);

    // The webhook in this process, reading namespaces with the test's credentials, registered as planned
    // (url mode) under a name of its own.
    const ca = createCertificateAuthority(30);
    server = await startWebhookServer({
      host: "127.0.0.1",
      ...signServingCertificate(ca, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validityDays: 20 }),
      readNamespace: async (name) => {
        try {
          return (await core.readNamespace({ name })).metadata?.annotations ?? {};
        } catch (e) {
          if ((e as { code?: number }).code === 404) return undefined;
          throw e;
        }
      },
    });
    const registration = planPodDefaultsWebhook(
      { url: server.url, caBundle: ca.caCert },
      { caBundle: Buffer.from(ca.caCert).toString("base64") },
    ).objects.find((o) => o.id === "webhook-configuration");
    const { id: _id, ...manifest } = registration as { id: string; metadata: { name: string } };
    await api().create({ ...manifest, metadata: { ...manifest.metadata, name: REGISTRATION } } as k8s.KubernetesObject);

    for (const name of Object.keys(PODS))
      admitted[name] = await core.createNamespacedPod({ namespace: "podsel-web", body: pod(name) });
  });

  after(async function () {
    const adm = kubeConfig().makeApiClient(k8s.AdmissionregistrationV1Api);
    await adm.deleteMutatingWebhookConfiguration({ name: REGISTRATION }).catch(() => undefined);
    await server?.close();
    for (const name of Object.keys(PODS))
      await core.deleteNamespacedPod({ name, namespace: "podsel-web", gracePeriodSeconds: 0 }).catch(() => undefined);
    for (const o of [...created].reverse())
      await api()
        .delete(o)
        .catch(() => undefined);
  });

  it("the webhook gives the API-server NIC and route to the selected pod only", function () {
    const a = (name: string) => admitted[name].metadata?.annotations ?? {};
    assert.equal(a("ingress")[NETWORKS], "kube-system/api-server-access");
    assert.deepEqual(
      JSON.parse(a("ingress")[API_ROUTES]),
      (plan.podDefaults["podsel-web"].selected?.[0].attachments?.[0].routes ?? []).map((r) => ({
        dst: r.dst,
        gw: r.gw,
      })),
    );
    assert.equal(a("ingress")[SGS], undefined);
    for (const other of ["front", "plain"]) {
      assert.equal(a(other)[NETWORKS], undefined, `${other} has no API-server NIC`);
      assert.equal(a(other)[API_ROUTES], undefined, `${other} has no route to the API server`);
    }
  });

  it("the webhook binds the security group to the selected pod only; the other pods carry no group", function () {
    assert.equal(admitted.front.metadata?.annotations?.[SGS], "podsel--web");
    for (const other of ["ingress", "plain"])
      assert.equal(admitted[other].metadata?.annotations?.[SGS], undefined, `${other} is in no group`);
    assert.equal(admitted.plain.metadata?.annotations, undefined, "a pod selected by nothing is left as it was");
  });

  it("the controller puts only the selected pod's port into the group's port group", async function () {
    // The group's port group, as the controller reports it once it has made it.
    const portGroup = async () => {
      const sg = (await api().read({
        apiVersion: "kubeovn.io/v1",
        kind: "SecurityGroup",
        metadata: { name: "podsel--web" },
      })) as k8s.KubernetesObject & { status?: { portGroup?: string } };
      if (!sg.status?.portGroup) throw new Error("SecurityGroup podsel--web has no status.portGroup yet");
      return sg.status.portGroup;
    };
    const pg = await waitFor("the security group's port group", 60_000, portGroup);
    /** A column of one NB record, read from ovn-nbctl's plain listing (`name : value` lines). */
    const column = async (table: string, record: string, name: string) => {
      const out = await kubeOvn().nbctl(["list", table, record]);
      const line = out.split("\n").find((l) => l.split(":")[0].trim() === name);
      return (line ?? "")
        .slice(line?.indexOf(":") ?? 0)
        .replace(/^:\s*/, "")
        .trim();
    };
    /** The ports of the group's port group, by name. */
    const members = async () => {
      const uuids = (await column("Port_Group", pg, "ports"))
        .replace(/[[\]]/g, "")
        .split(/[\s,]+/)
        .filter(Boolean);
      const names: string[] = [];
      for (const u of uuids) names.push((await column("Logical_Switch_Port", u, "name")).replace(/"/g, ""));
      return names.sort();
    };
    // Kube-OVN names a pod's port <pod>.<namespace>; it adds it to the group once it has the pod's address.
    await waitFor("the front pod's port in the port group", 60_000, async () => {
      const m = await members();
      if (!m.includes("front.podsel-web")) throw new Error(`port group ${pg} holds ${JSON.stringify(m)}`);
      return m;
    });
    // Every pod has its port by now; the other two are not in the group.
    await waitFor("ports of all three pods", 60_000, async () => {
      const ports = await kubeOvn().nbctl(["--bare", "--columns=name", "list", "Logical_Switch_Port"]);
      for (const name of ["plain", "front"])
        if (!ports.includes(`${name}.podsel-web`)) throw new Error(`no port ${name}.podsel-web yet`);
      return ports;
    });
    assert.deepEqual(await members(), ["front.podsel-web"]);
  });

  it("the TypeScript transform gives the same pods, declared in a program, exactly what the webhook gave", async function () {
    const podDefaults = plan.podDefaults;
    const s = await openInlineStack("pod-selectors", async () => {
      pulumi.runtime.registerResourceTransform(podDefaultsTransform(podDefaults));
      for (const name of Object.keys(PODS))
        new k8sPulumi.core.v1.Pod(name, {
          ...pod(name),
          metadata: { ...pod(name).metadata, namespace: "podsel-web" },
        } as any);
    });
    try {
      const c = new ChangeCollector();
      await s.stack.preview({ onEvent: c.onEvent });
      for (const name of Object.keys(PODS)) {
        const planned = (
          c.resourceChanges.find((r) => r.type === "kubernetes:core/v1:Pod" && r.name === name)?.newInputs as any
        )?.metadata;
        assert.ok(planned, `pod ${name} is in the preview`);
        assert.deepEqual(planned.annotations, admitted[name].metadata?.annotations, `pod ${name}`);
      }
    } finally {
      s.cleanup();
    }
  });
});
