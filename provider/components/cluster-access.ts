/**
 * The cluster a component's Kubernetes objects go to, and the credentials they are created with:
 * the component's Kubernetes provider (`provider`/`providers` options, inherited from parents),
 * else the default provider's stack config (`kubernetes:kubeconfig`, `kubernetes:context`,
 * `kubernetes:cluster`, which ESC environments set too), else $KUBECONFIG / ~/.kube/config.
 * Address claims, namespace checks and the teardown act there, never on another cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ClusterAccess, type KubeSettings, resolveAccess } from "../kube/credentials";

/** Where the objects go, and which provider (or config) said so, for messages. */
export interface Target {
  access: ClusterAccess;
  source: string;
}

const SETTINGS = ["kubeconfig", "context", "cluster"] as const;

/** The settings an explicit provider was registered with, read back from the engine (its state holds its inputs). */
async function providerSettings(provider: pulumi.ProviderResource): Promise<KubeSettings | typeof pulumi.unknown> {
  // Output.promise is the SDK's own way to await a URN; not in its typings. In `construct` the
  // provider is a reference to the caller's provider, which the engine knows by this URN too.
  const urn: string = await (provider.urn as unknown as { promise(): Promise<string> }).promise();
  const res = await pulumi.runtime.invoke("pulumi:pulumi:getResource", { urn });
  const state = (res?.state ?? {}) as { [k: string]: unknown };
  const settings: KubeSettings = {};
  for (const k of SETTINGS) {
    const v = state[k];
    // Unknown at preview: the setting comes from a resource of this program not created yet.
    if (pulumi.containsUnknowns(v)) return pulumi.unknown;
    if (typeof v === "string" && v !== "") settings[k] = v;
  }
  return settings;
}

/** Where a component's objects go; `unknown` at preview while its provider's settings are. */
export async function objectsAccess(
  component: pulumi.Resource,
  label: string,
): Promise<Target | typeof pulumi.unknown> {
  const provider = component.getProvider("kubernetes::");
  if (provider) {
    const settings = await providerSettings(provider);
    if (pulumi.isUnknown(settings)) return pulumi.unknown;
    const urn: string = await (provider.urn as unknown as { promise(): Promise<string> }).promise();
    const source = `the Kubernetes provider ${urn.split("::").pop()}`;
    return { access: resolveAccess(settings, `${label}: ${source}`), source };
  }
  const config = new pulumi.Config("kubernetes");
  const settings: KubeSettings = {};
  for (const k of SETTINGS) {
    const v = config.get(k);
    if (v) settings[k] = v;
  }
  const source = settings.kubeconfig
    ? "the default Kubernetes provider (config kubernetes:kubeconfig)"
    : "the default Kubernetes provider ($KUBECONFIG or ~/.kube/config)";
  return { access: resolveAccess(settings, `${label}: ${source}`), source };
}
