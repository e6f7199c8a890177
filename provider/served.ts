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
  return new ComponentProvider({ components: classes, dirname: root, name: "kubeovn", version: PACKAGE_VERSION });
}
