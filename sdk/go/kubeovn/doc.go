// Pulumi components for tenant networks on Kube-OVN clusters: VPCs, subnets bound to namespaces, NAT gateways with EIPs, routes
package kubeovn
