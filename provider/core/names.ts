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
/** A Kubernetes object name we make: a DNS-1123 label (Kube-OVN also puts these names in label values). */
export const OBJECT_NAME_MAX = 63;
/**
 * The NAT gateway's StatefulSet is `vpc-nat-gw-<name>` and may have at most 52 characters (upstream's
 * NatGwStatefulSetNameMaxLength: 63 less the StatefulSet controller's revision-hash suffix), so the
 * gateway's own name at most 41.
 */
export const NAT_GATEWAY_NAME_MAX = 41;

/**
 * Joins a tenant's name to the name of one of its objects: `<tenant>--<name>`. No tenant name, object
 * name or cluster-network name may contain it, and a DNS label neither starts nor ends with `-`, so
 * the first `--` of a cluster name is where the tenant's name ends: different tenants (and the
 * cluster network, whose names have no `--`) can never make the same name.
 */
export const NAME_SEPARATOR = "--";

/**
 * Why `name` cannot be a tenant name, an object's own name or a cluster-network name: a DNS-1123
 * label without `--`; undefined when it can.
 */
export function namePartProblem(name: unknown, maxLength = OBJECT_NAME_MAX): string | undefined {
  const problem = dnsLabelProblem(name, maxLength);
  if (problem) return problem;
  if ((name as string).includes(NAME_SEPARATOR))
    return `contains "${NAME_SEPARATOR}", which joins a tenant's name to its objects' names (<tenant>${NAME_SEPARATOR}<name>) and so may appear in no name; use single dashes`;
  return undefined;
}

/**
 * The own names of the objects a tenant's features make, besides those the user names. Each is
 * refused as a user-chosen name of the same kind (`RESERVED_NAMES`), so a role-made object and a
 * declared one never share a cluster name.
 */
export const ROLE_NAMES = {
  vpc: "vpc",
  natGateway: "nat",
  interconnectEip: "interconnect",
  monitoring: "monitoring",
  monitoringOpen: "monitoring-open",
} as const;

const tenantObject = (tenant: string, name: string) => `${tenant}${NAME_SEPARATOR}${name}`;

/**
 * Cluster object names of a tenant's objects, all `<tenant>--<name>` (Kube-OVN objects are
 * cluster-scoped). The one place names are made: whatever else needs a name (outputs, references
 * between objects, the checks below) asks here.
 */
export const objectNames = {
  vpc: (tenant: string) => tenantObject(tenant, ROLE_NAMES.vpc),
  subnet: (tenant: string, subnet: string) => tenantObject(tenant, subnet),
  natGateway: (tenant: string) => tenantObject(tenant, ROLE_NAMES.natGateway),
  interconnectEip: (tenant: string) => tenantObject(tenant, ROLE_NAMES.interconnectEip),
  eip: (tenant: string, eip: string) => tenantObject(tenant, eip),
  snat: (tenant: string, rule: string) => tenantObject(tenant, rule),
  dnat: (tenant: string, rule: string) => tenantObject(tenant, rule),
  fip: (tenant: string, rule: string) => tenantObject(tenant, rule),
  securityGroup: (tenant: string, group: string) => tenantObject(tenant, group),
  /** The scrapers' attachment (NetworkAttachmentDefinition and Subnet) into the tenant's VPC. */
  monitoring: (tenant: string) => tenantObject(tenant, ROLE_NAMES.monitoring),
  /** The security group letting the scraper reach the metrics ports. */
  monitoringGroup: (tenant: string) => tenantObject(tenant, ROLE_NAMES.monitoring),
  /** The lowest-priority group keeping other traffic open for monitored pods without a group of their own. */
  monitoringOpenGroup: (tenant: string) => tenantObject(tenant, ROLE_NAMES.monitoringOpen),
};

/**
 * One tenant's object names with the names it adopted laid over objectNames' (`adopt`: object key ->
 * the name the object already has in the cluster, provider/core/adopt.ts): an adopted object keeps its name.
 */
export function tenantObjectNames(tenant: string, adopted: { [objectKey: string]: string } = {}) {
  const name = (key: string, made: string) => adopted[key] ?? made;
  return {
    vpc: () => name("vpc", objectNames.vpc(tenant)),
    subnet: (subnet: string) => name(`subnet/${subnet}`, objectNames.subnet(tenant, subnet)),
    natGateway: () => name("nat-gateway", objectNames.natGateway(tenant)),
    interconnectEip: () => name("eip/interconnect", objectNames.interconnectEip(tenant)),
    eip: (eip: string) => name(`eip/${eip}`, objectNames.eip(tenant, eip)),
    snat: (rule: string) => name(`snat/${rule}`, objectNames.snat(tenant, rule)),
    dnat: (rule: string) => name(`dnat/${rule}`, objectNames.dnat(tenant, rule)),
    fip: (rule: string) => name(`fip/${rule}`, objectNames.fip(tenant, rule)),
  };
}

/**
 * User-chosen names each list may not take, with why: the name a role-made object of the same kind
 * has (the Vpc for subnets: Kube-OVN refuses a Subnet named like its VPC, and wires the two into OVN
 * router and switch port names). `monitoring`: whether the tenant has monitoring.
 */
export function reservedNames(list: "subnets" | "eips" | "securityGroups", monitoring: boolean): Map<string, string> {
  const taken = (name: string, what: string): [string, string] => [name, `is the name of the tenant's ${what}`];
  if (list === "eips") return new Map([taken(ROLE_NAMES.interconnectEip, "interconnect EIP")]);
  if (list === "subnets")
    return new Map([
      taken(ROLE_NAMES.vpc, "Vpc"),
      ...(monitoring ? [taken(ROLE_NAMES.monitoring, "monitoring attachment subnet")] : []),
    ]);
  return new Map(
    monitoring
      ? [
          taken(ROLE_NAMES.monitoring, "monitoring security group"),
          taken(ROLE_NAMES.monitoringOpen, "security group keeping monitored pods open"),
        ]
      : [],
  );
}

/** Why the cluster name `name` a field makes cannot be used (too long for its kind), or undefined. */
export function objectNameProblem(kind: string, name: string): string | undefined {
  if (kind === "VpcNatGateway" && name.length > NAT_GATEWAY_NAME_MAX)
    return `makes the VpcNatGateway name ${name} (${name.length} characters); Kube-OVN's StatefulSet vpc-nat-gw-<name> allows at most ${NAT_GATEWAY_NAME_MAX}`;
  if (name.length > OBJECT_NAME_MAX)
    return `makes the ${kind} name ${name} (${name.length} characters); at most ${OBJECT_NAME_MAX} are allowed`;
  return undefined;
}
