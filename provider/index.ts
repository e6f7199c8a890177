/**
 * pulumi-kubeovn: tenant networks on Kube-OVN clusters as Pulumi components.
 * This entry point is what the provider serves and what the schema is inferred from.
 */
export { ClusterNetwork, ClusterNetworkArgs } from "./components/ClusterNetwork";
export { TenantNetwork, TenantNetworkArgs } from "./components/TenantNetwork";
export { PodDefaultsWebhook, PodDefaultsWebhookArgs } from "./components/PodDefaultsWebhook";
/** Applies the namespaces' pod defaults to Pods and pod templates declared in the same program. */
export { podDefaultsTransform } from "./components/pod-defaults-transform";
