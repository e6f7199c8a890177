/**
 * What the provider plugin serves: the component classes and Pulumi's component provider built
 * from them. Loading this pulls in every component with its dependencies (Kubernetes client,
 * pulumi-kubernetes, the TypeScript-based schema inference), so the plugin loads it only when a
 * component is constructed.
 */
import { ComponentProvider, type ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { ClusterNetwork, PodDefaultsWebhook, TenantNetwork } from "./index";
import { PACKAGE_VERSION } from "./provider";
import { packageRoot } from "./package-root";

// Schema inference reads the TypeScript sources, also when the plugin runs from the compiled build.
const root = packageRoot;
export const classes: ComponentResourceConstructor[] = [ClusterNetwork, TenantNetwork, PodDefaultsWebhook];

export function componentProvider(): ComponentProvider {
  const p = new ComponentProvider({ components: classes, dirname: root, name: "kubeovn", version: PACKAGE_VERSION });
  // The analyzer finds the entry point from package.json (`main`, .js read as .ts); ours names the
  // compiled build (what the published package runs), so point it at the sources it analyses.
  const manifest = (p as unknown as { packageJSON: { main?: string; exports?: unknown } }).packageJSON;
  manifest.main = "provider/index.ts";
  delete manifest.exports;
  return p;
}
