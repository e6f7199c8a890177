import * as pulumi from "@pulumi/pulumi";
import type { PlannedObject } from "../core";
import { type ObjectRef, teardownScope } from "../core/teardown";
import { apiServerOf, sameServer } from "../kube/credentials";
import type { Target } from "./cluster-access";
import { PACKAGE_VERSION } from "./version";

/** How objects are taken apart when they are destroyed or removed from the program. */
export interface TeardownSpec {
  /** Seconds the Kube-OVN controller gets to release its finalizers before the teardown removes them itself (default 10). */
  graceSeconds?: number;
  /** Kubeconfig (content) the teardown acts with, ideally bound to the least-privilege role in deploy/teardown-clusterrole.yaml; it must point at the API server the objects' Kubernetes provider points at. Default: that provider's own credentials. Kept as a secret. */
  kubeconfig?: pulumi.Input<string>;
}

const DEFAULT_GRACE_SECONDS = 10;
/** Client side of the provider's teardown resource (see provider/kube/teardown-resource.ts). */
class Teardown extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { owner: string; objects: pulumi.Input<ObjectRef[]>; graceSeconds: number; kubeconfig: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(
      "kubeovn:index:Teardown",
      name,
      { ...args, kubeconfig: pulumi.secret(args.kubeconfig) },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
    );
  }
}

/**
 * Refuses a teardown kubeconfig that points at another API server than the objects' provider: the
 * teardown would take apart objects on a cluster they are not on. Returns the kubeconfig.
 */
export function checkTeardownKubeconfig(component: string, kubeconfig: string, target: Target): string {
  let server: string | undefined;
  try {
    server = apiServerOf(kubeconfig);
  } catch (err) {
    throw new Error(`${component}: teardown.kubeconfig is not a kubeconfig: ${(err as Error).message}`);
  }
  if (!server) throw new Error(`${component}: teardown.kubeconfig names no API server in its current context`);
  if (!sameServer(server, target.access.server))
    throw new Error(
      `${component}: teardown.kubeconfig points at API server ${server}, but the objects go to ${target.access.server} (${target.source}); give the teardown credentials for that cluster`,
    );
  return kubeconfig;
}

/**
 * The kubeconfig the teardown acts with: `teardown.kubeconfig` when given (checked against the
 * objects' cluster), else the objects' own credentials; unknown while either is (a preview).
 */
export function teardownKubeconfig(
  component: string,
  spec: TeardownSpec | undefined,
  target: Promise<Target | typeof pulumi.unknown>,
): pulumi.Output<string> {
  const resolved = pulumi.output(target);
  if (spec?.kubeconfig === undefined) return resolved.apply((t) => (t as Target).access.kubeconfig);
  return pulumi
    .all([pulumi.output(spec.kubeconfig), resolved])
    .apply(([kc, t]) => checkTeardownKubeconfig(component, kc, t as Target));
}

/**
 * Declares the teardown for `objects` (and the address claims to release after them; unknown at a preview that could not read them). It depends on every declared resource, so the engine
 * deletes it first: its delete takes the objects apart safely, and pulumi-kubernetes then finds
 * each one already gone.
 */
export function declareTeardown(
  parent: pulumi.ComponentResource,
  name: string,
  owner: string,
  objects: PlannedObject[],
  declared: pulumi.Resource[],
  spec: TeardownSpec | undefined,
  kubeconfig: pulumi.Input<string>,
  claims: ObjectRef[] | typeof pulumi.unknown = [],
): void {
  new Teardown(
    `${name}-teardown`,
    {
      owner,
      // Claims unknown (a preview that could not read them): which objects it will release is too.
      objects: pulumi.isUnknown(claims)
        ? (pulumi.output(pulumi.unknown) as pulumi.Output<ObjectRef[]>)
        : [...teardownScope(objects), ...(claims as ObjectRef[])],
      graceSeconds: spec?.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      kubeconfig,
    },
    { parent, dependsOn: declared, version: PACKAGE_VERSION },
  );
}
