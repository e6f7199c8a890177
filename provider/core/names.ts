/** Kubernetes naming rules and the names our objects get in the cluster. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not a DNS-1123 label, or undefined when it is one. */
export function dnsLabelProblem(name: unknown, maxLength = 63): string | undefined {
  if (typeof name !== "string" || name === "") return "must be a non-empty string";
  if (name.length > maxLength) return `is ${name.length} characters long; at most ${maxLength} are allowed`;
  if (!DNS1123_LABEL.test(name)) {
    return "is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)";
  }
  return undefined;
}

/** Label on every object we create, so teardown and status find exactly ours. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "pulumi-kubeovn";
export const TENANT_LABEL = "pulumi-kubeovn/tenant";
/** pulumi-kubernetes waits for the condition named here before it reports the object created. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/** Cluster-wide names Kube-OVN itself uses; tenants may not take them. */
export const INTERCONNECT_SUBNET = "ovn-vpc-external-network";
/** Kube-OVN's default VPC (`--cluster-router`). */
export const DEFAULT_VPC = "ovn-cluster";
export const RESERVED_VPCS = new Set([DEFAULT_VPC]);
export const KUBE_SYSTEM = "kube-system";
/**
 * Where address claims live (provider/core/claims.ts): a namespace of their own, so the identity
 * that makes and releases them needs no rights in kube-system, where control-plane leader election is.
 */
export const CLAIM_NAMESPACE = "pulumi-kubeovn-claims";
/** NetworkAttachmentDefinition (kube-system) and Subnet of the API-server attachment network. */
export const API_ACCESS_NETWORK = "api-server-access";

/** Kube-OVN's provider name for a Subnet serving the NICs of attachment `<namespace>/<nad>` (util.IsOvnProvider form). */
export function kubeOvnProvider(nad: string, namespace: string): string {
  return `${nad}.${namespace}.ovn`;
}
export const RESERVED_SUBNETS = new Set(["ovn-default", "join", INTERCONNECT_SUBNET]);

export const TENANT_NAME_MAX = 30;
/** The NAT gateway's StatefulSet is `vpc-nat-gw-<name>`; longer names break it upstream. */
export const NAT_GATEWAY_NAME_MAX = 41;

/** Cluster object names of a tenant's objects. Kube-OVN objects are cluster-scoped, hence the prefix. */
export const objectNames = {
  vpc: (tenant: string) => tenant,
  subnet: (tenant: string, subnet: string) => `${tenant}-${subnet}`,
  natGateway: (tenant: string) => tenant,
  interconnectEip: (tenant: string) => `${tenant}-interconnect`,
  eip: (tenant: string, eip: string) => `${tenant}-${eip}`,
  snat: (tenant: string, rule: string) => `${tenant}-snat-${rule}`,
  dnat: (tenant: string, rule: string) => `${tenant}-dnat-${rule}`,
  fip: (tenant: string, rule: string) => `${tenant}-fip-${rule}`,
  securityGroup: (tenant: string, group: string) => `${tenant}-${group}`,
  /** The scrapers' attachment (NetworkAttachmentDefinition and Subnet) into the tenant's VPC. */
  monitoring: (tenant: string) => `${tenant}-monitoring`,
};
