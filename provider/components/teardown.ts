import * as pulumi from "@pulumi/pulumi";
import type { PlannedObject } from "../core";
import { type ObjectRef, teardownScope } from "../core/teardown";
import { ambientKubeconfig } from "../kube/credentials";
import { PACKAGE_VERSION } from "./version";

/** How objects are taken apart when they are destroyed or removed from the program. */
export interface TeardownSpec {
  /** Seconds the Kube-OVN controller gets to release its finalizers before the teardown removes them itself (default 10). */
  graceSeconds?: number;
  /** Kubeconfig the teardown acts with, ideally bound to the least-privilege role in deploy/teardown-clusterrole.yaml; default: the kubeconfig this program runs with. Kept as a secret. */
  kubeconfig?: pulumi.Input<string>;
}

const DEFAULT_GRACE_SECONDS = 10;
/** Client side of the provider's teardown resource (see provider/kube/teardown-resource.ts). */
class Teardown extends pulumi.CustomResource {
  constructor(
    name: string,
    args: { owner: string; objects: ObjectRef[]; graceSeconds: number; kubeconfig: pulumi.Input<string> },
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

/** Throws early, at construction, when no kubeconfig can be found for the teardown. */
export function teardownKubeconfig(component: string, spec: TeardownSpec | undefined): pulumi.Input<string> {
  const kubeconfig = spec?.kubeconfig ?? ambientKubeconfig();
  if (kubeconfig === undefined)
    throw new Error(
      `${component}: teardown.kubeconfig is not set and no kubeconfig was found ($KUBECONFIG or ~/.kube/config)`,
    );
  return kubeconfig;
}

/**
 * Declares the teardown for `objects` (and the address claims to release after them). It depends on every declared resource, so the engine
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
  claims: ObjectRef[] = [],
): void {
  new Teardown(
    `${name}-teardown`,
    {
      owner,
      objects: [...teardownScope(objects), ...claims],
      graceSeconds: spec?.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      kubeconfig,
    },
    { parent, dependsOn: declared, version: PACKAGE_VERSION },
  );
}
