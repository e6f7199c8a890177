/**
 * pulumi-kubeovn: tenant networks on Kube-OVN clusters as Pulumi components.
 * This entry point is what the provider serves and what the schema is inferred from.
 */
export { ClusterNetwork, ClusterNetworkArgs } from "./components/ClusterNetwork";
export { TenantNetwork, TenantNetworkArgs } from "./components/TenantNetwork";
