/**
 * The provider side of `kubeovn:index:Teardown`: a real provider resource whose delete takes a
 * tenant's (or the cluster network's) Kube-OVN objects apart safely. Because it is a provider resource, its delete runs
 * when a tenant is removed from the program, on `pulumi destroy` without the program, and from
 * every language. It depends on all of the tenant's objects, so the engine deletes it first; by the
 * time pulumi-kubernetes deletes each object, the object is already gone.
 */
import type * as provider from "@pulumi/pulumi/provider";
import type { ObjectRef } from "../core/teardown";
import type { Warn } from "./engine-log";

export const TEARDOWN_TYPE = "kubeovn:index:Teardown";

export interface TeardownProps {
  owner: string;
  objects: ObjectRef[];
  graceSeconds: number;
  kubeconfig: string;
}

/** Schema of the resource, added to the schema inferred from the components. */
export const teardownSchema = {
  types: {
    "kubeovn:index:ObjectRef": {
      description: "One Kubernetes object, addressed for teardown.",
      type: "object",
      properties: {
        apiVersion: { type: "string", description: "API version, e.g. `kubeovn.io/v1`." },
        kind: { type: "string", description: "Kind, e.g. `Subnet`." },
        name: { type: "string", description: "Object name." },
        namespace: { type: "string", description: "Namespace, for namespaced kinds." },
      },
      required: ["apiVersion", "kind", "name"],
    },
  },
  resource: {
    description:
      "Internal: declared by TenantNetwork and ClusterNetwork, not for direct use (its inputs may change in any release). " +
      "Removes Kube-OVN objects in the safe order when their tenant (or the cluster network) is destroyed, removing Kube-OVN finalizers itself (with a warning) when the controller does not release them within the grace period.",
    inputProperties: props(),
    requiredInputs: ["owner", "objects", "graceSeconds", "kubeconfig"],
    properties: props(),
    required: ["owner", "objects", "graceSeconds", "kubeconfig"],
  },
};

function props() {
  return {
    owner: { type: "string", description: "Whose objects these are: a tenant name, or `cluster`." },
    objects: {
      type: "array",
      items: { $ref: "#/types/kubeovn:index:ObjectRef" },
      description: "The Kube-OVN objects to take apart, in creation order.",
    },
    graceSeconds: {
      type: "number",
      description: "Seconds the Kube-OVN controller gets to release its finalizers before they are removed.",
    },
    kubeconfig: {
      type: "string",
      secret: true,
      description: "Kubeconfig the teardown acts with (least privilege: deploy/teardown-clusterrole.yaml).",
    },
  };
}

/** How the engine hands a provider a value unknown at preview (computed from a resource not created yet). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const key = (o: ObjectRef) => `${o.apiVersion}/${o.kind}/${o.namespace ?? ""}/${o.name}`;

// biome-ignore lint/suspicious/noExplicitAny: engine inputs, checked field by field here.
export function checkTeardown(news: any): provider.CheckResult {
  const failures: provider.CheckFailure[] = [];
  if (typeof news.owner !== "string" || news.owner === "")
    failures.push({ property: "owner", reason: "must name whose objects these are" });
  // Unknown at preview (the objects or credentials follow from what the cluster holds): checked at `up`.
  if (!Array.isArray(news.objects) && news.objects !== UNKNOWN)
    failures.push({ property: "objects", reason: "must be a list of objects" });
  if (typeof news.graceSeconds !== "number" || !(news.graceSeconds >= 0) || news.graceSeconds > 3600) {
    failures.push({
      property: "graceSeconds",
      reason: `must be a number of seconds from 0 to 3600, got ${JSON.stringify(news.graceSeconds)}`,
    });
  }
  if (news.kubeconfig !== UNKNOWN && (typeof news.kubeconfig !== "string" || news.kubeconfig === ""))
    failures.push({ property: "kubeconfig", reason: "must be a kubeconfig" });
  return { inputs: news, failures };
}

export function diffTeardown(olds: TeardownProps, news: TeardownProps): provider.DiffResult {
  const same =
    olds.owner === news.owner &&
    olds.graceSeconds === news.graceSeconds &&
    olds.kubeconfig === news.kubeconfig &&
    JSON.stringify(olds.objects) === JSON.stringify(news.objects);
  return { changes: !same, replaces: olds.owner !== news.owner ? ["owner"] : [] };
}

export async function runTeardown(urn: string, props: TeardownProps, objects: ObjectRef[], warn: Warn): Promise<void> {
  if (objects.length === 0) return;
  // The Kubernetes client is loaded here, not with the module: check and diff run in every preview
  // of every stack, and loading it costs more CPU than the rest of the plugin start.
  const { TeardownRunner } = await import("./teardown");
  const sent: Promise<void>[] = [];
  const t = new TeardownRunner({
    kubeconfig: props.kubeconfig,
    graceSeconds: props.graceSeconds,
    warn: (m) => sent.push(warn(urn, m)),
  });
  try {
    await t.run(objects);
  } finally {
    // Every warning reaches the engine before the operation returns.
    await Promise.all(sent);
  }
}

/** On update: the objects dropped from the tenant are taken apart now, safely, before the engine's own deletes. */
export function removedObjects(olds: TeardownProps, news: TeardownProps): ObjectRef[] {
  const kept = new Set(news.objects.map(key));
  return olds.objects.filter((o) => !kept.has(key(o)));
}
