import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as YAML from "yaml";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { pluginBin, repoRoot } from "../../provider/automation/env";
import {
  type ClusterNetworkSpec,
  type PlannedObject,
  SecurityGroupPolicy,
  SecurityGroupProtocol,
  type TenantSpec,
  planCluster,
  planFleet,
  withServiceIps,
} from "../../provider/core";
import { kubeConfig, kubeOvn } from "./support/cluster";
import { nbNames, routerRoutes } from "./support/kube-ovn-state";
import { type DemoStack, openProgramStack, ourObjects } from "./support/stack";

const demoCluster = () =>
  YAML.parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")).resources.cluster.properties;

const alpha: TenantSpec = {
  tenant: "alpha",
  apiServerAccess: true,
  namespaces: [{ name: "alpha-web" }],
  subnets: [{ name: "web", cidr: "10.10.1.0/24", namespaces: ["alpha-web"] }],
  securityGroups: [
    {
      name: "web",
      namespaces: ["alpha-web"],
      ingressRules: [
        {
          priority: 10,
          policy: SecurityGroupPolicy.Allow,
          protocol: SecurityGroupProtocol.Tcp,
          remoteAddress: "10.20.0.0/24",
          ports: "8080",
        },
      ],
      egressRules: [{ priority: 100, policy: SecurityGroupPolicy.Allow, remoteAddress: "0.0.0.0/0" }],
    },
  ],
  peerings: [{ tenant: "beta", localConnectIP: "169.254.0.1/30", remoteCidrs: ["10.20.0.0/24"] }],
  monitoring: { scraperNamespace: "alpha-metrics", cidr: "10.10.255.0/28", ports: ["9090"] },
};

const beta: TenantSpec = {
  tenant: "beta",
  namespaces: [{ name: "beta" }],
  subnets: [{ name: "main", cidr: "10.20.0.0/24", namespaces: ["beta"] }],
  securityGroups: [
    {
      name: "main",
      namespaces: ["beta"],
      allowSameGroupTraffic: true,
      ingressRules: [{ priority: 5, policy: SecurityGroupPolicy.Allow, remoteAddress: "10.10.1.0/24" }],
    },
  ],
  peerings: [{ tenant: "alpha", localConnectIP: "169.254.0.2/30", remoteCidrs: ["10.10.1.0/24"] }],
};

/** The cluster network with API-server access and two peered tenants, as a Pulumi YAML program. */
function program(cluster: ClusterNetworkSpec): any {
  const tenant = (t: TenantSpec) => ({
    type: "kubeovn:index:TenantNetwork",
    properties: { cluster: "${cluster.info}", ...t },
  });
  return {
    name: "kubeovn-access",
    runtime: "yaml",
    plugins: { providers: [{ name: "kubeovn", path: pluginBin }] },
    resources: {
      cluster: { type: "kubeovn:index:ClusterNetwork", properties: { ...cluster, teardown: { graceSeconds: 3 } } },
      alpha: { ...tenant(alpha), properties: { ...tenant(alpha).properties, teardown: { graceSeconds: 3 } } },
      beta: { ...tenant(beta), properties: { ...tenant(beta).properties, teardown: { graceSeconds: 3 } } },
    },
    outputs: { clusterInfo: "${cluster.info}" },
  };
}

/** The `kubernetes` Service a cluster has; created the way the API server's bootstrap controller would, when missing. */
async function kubernetesServiceIps(): Promise<string[]> {
  const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
  const existing = await core
    .readNamespacedService({ name: "kubernetes", namespace: "default" })
    .catch(() => undefined);
  process.stderr.write(`      [e2e] Service default/kubernetes ${existing ? "exists" : "is missing: creating it"}\n`);
  if (existing) return existing.spec?.clusterIPs ?? [existing.spec?.clusterIP as string];
  const created = await core.createNamespacedService({
    namespace: "default",
    body: {
      metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: {
        type: "ClusterIP",
        clusterIP: "10.96.0.1",
        ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 as any }],
      },
    },
  });
  return created.spec?.clusterIPs ?? [];
}

const PLURALS: { [kind: string]: string } = {
  Subnet: "subnets",
  Vpc: "vpcs",
  SecurityGroup: "security-groups",
  NetworkAttachmentDefinition: "network-attachment-definitions",
};

/** The object as the API server holds it. */
async function read(o: PlannedObject): Promise<any> {
  if (o.kind === "Namespace") return kubeConfig().makeApiClient(k8s.CoreV1Api).readNamespace({ name: o.metadata.name });
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const [group, version] = o.apiVersion.split("/");
  const plural = PLURALS[o.kind];
  return o.metadata.namespace
    ? api.getNamespacedCustomObject({ group, version, plural, namespace: o.metadata.namespace, name: o.metadata.name })
    : api.getClusterCustomObject({ group, version, plural, name: o.metadata.name });
}

/** Each planned field, as the API server holds it (a Subnet also carries the fields the controller adds). */
function pick(held: any, planned: { [k: string]: unknown } | undefined): { [k: string]: unknown } {
  return Object.fromEntries(Object.keys(planned ?? {}).map((k) => [k, held?.[k]]));
}

describe("API-server access, two peered tenants with security groups, a monitoring scraper", function () {
  let controller: KubeOvn;
  let s: DemoStack;
  let serviceIps: string[];
  const cluster: ClusterNetworkSpec = { ...demoCluster(), apiServerAccess: { cidr: "100.100.100.0/24" } };

  before(async function () {
    serviceIps = await kubernetesServiceIps();
    controller = kubeOvn();
    s = await openProgramStack("access", program(cluster));
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    s?.cleanup();
  });

  it("up: the objects in the API server equal the plan, with the Service address read from the cluster", async function () {
    const up = await s.stack.up({ onOutput: () => undefined });
    assert.deepEqual(up.outputs.clusterInfo.value.apiServerAccess.serviceIps, serviceIps);
    await controller.settled();

    const c = planCluster(cluster);
    const info = withServiceIps(c.info, serviceIps);
    const fleet = planFleet(cluster, [alpha, beta], {}, serviceIps);
    const planned = [
      ...c.objects.filter((o) => o.id.startsWith("api-server-access/")),
      ...fleet.tenants.flatMap((t) => t.objects),
    ];
    assert.deepEqual(info.apiServerAccess?.serviceIps, serviceIps);
    const kinds = new Set(planned.map((o) => o.kind));
    for (const k of ["NetworkAttachmentDefinition", "Subnet", "Vpc", "SecurityGroup", "Namespace"])
      assert.ok(kinds.has(k), `no ${k} planned`);
    for (const o of planned) {
      const held = await read(o);
      if (o.kind === "Namespace") {
        assert.deepEqual(pick(held.metadata.annotations, o.metadata.annotations), o.metadata.annotations ?? {}, o.id);
      } else {
        assert.deepEqual(pick(held.spec, o.spec), o.spec, o.id);
        assert.deepEqual(pick(held.metadata.labels, o.metadata.labels), o.metadata.labels, o.id);
      }
    }
    // The peered VPCs as the controller left them: each half with its router port and route.
    const vpc = await read({
      apiVersion: "kubeovn.io/v1",
      kind: "Vpc",
      metadata: { name: "alpha--vpc" },
    } as PlannedObject);
    assert.deepEqual(vpc.status.vpcPeerings, ["beta--vpc"]);
    const ns = await read({ apiVersion: "v1", kind: "Namespace", metadata: { name: "alpha-web" } } as PlannedObject);
    const defaults = JSON.parse(ns.metadata.annotations["pulumi-kubeovn/pod-defaults"]);
    assert.deepEqual(defaults.attachments, [
      {
        network: "kube-system/api-server-access",
        routes: serviceIps.map((ip) => ({ dst: `${ip}/32`, gw: "100.100.100.1" })),
      },
    ]);
    assert.deepEqual(defaults.securityGroups, ["alpha--web", "alpha--monitoring"]);

    // What the controller wrote to OVN: each security group's port group, and each half of the
    // peering as a static route on its VPC's router.
    const portGroups = await nbNames("Port_Group");
    for (const o of planned.filter((x) => x.kind === "SecurityGroup")) {
      const sg = await read(o);
      assert.ok(
        sg.status?.portGroup && portGroups.includes(sg.status.portGroup),
        `${o.metadata.name}: port group ${sg.status?.portGroup} not in OVN (${portGroups.join(", ")})`,
      );
    }
    for (const o of planned.filter((x) => x.kind === "Vpc")) {
      const routes = await routerRoutes(o.metadata.name);
      for (const r of (o.spec?.staticRoutes as { cidr: string; nextHopIP: string }[]) ?? []) {
        assert.ok(
          routes.some((line) => line.startsWith(`${r.cidr} ${r.nextHopIP} `)),
          `${o.metadata.name}: ${r.cidr} via ${r.nextHopIP} not in OVN:\n${routes.join("\n")}`,
        );
      }
    }
  });

  it("a second preview shows no changes", async function () {
    assert.deepEqual(await s.preview(), []);
  });

  it("destroy leaves nothing of ours", async function () {
    await s.stack.destroy({ onOutput: () => undefined });
    assert.deepEqual(await ourObjects(), []);
  });
});
