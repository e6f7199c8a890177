/**
 * What a platform engineer declares. These interfaces are the single source of truth for the
 * public surface: the components take them as args, and the Pulumi schema (and so every language
 * SDK) is inferred from them, JSDoc included. All fields are plain values so the planning core runs
 * without Pulumi; the one cross-stack value (the cluster facts a tenant consumes) is an Input on
 * the component, resolved before planning.
 */

/** Transport protocol of a DNAT rule. */
export enum NatProtocol {
  /** TCP. */
  Tcp = "tcp",
  /** UDP. */
  Udp = "udp",
}

/** Which address of a packet a VPC static route matches. */
export enum RoutePolicy {
  /** Match the destination address (Kube-OVN's default). */
  Destination = "policyDst",
  /** Match the source address. */
  Source = "policySrc",
}

/** What a VPC policy route does with matching packets. */
export enum PolicyRouteAction {
  /** Let the packet through. */
  Allow = "allow",
  /** Drop the packet. */
  Drop = "drop",
  /** Send the packet to `nextHopIP`. */
  Reroute = "reroute",
}

// ---------------------------------------------------------------- cluster

/** The interconnect network: the range NAT gateways use for their own external (net1) address. */
export interface InterconnectNetworkSpec {
  /** Host interface the macvlan attachment uses as its master, e.g. `eth1`. */
  masterInterface: string;
  /** CIDR of the interconnect range: IPv4, IPv6, or dual stack written `v4cidr,v6cidr`. */
  cidr: string;
  /** Router address on the interconnect range (`v4,v6` for dual stack). */
  gateway: string;
  /** Addresses never handed to a NAT gateway: single addresses or ranges written `a..b`. */
  excludeIps?: string[];
}

/** A pool of real (public) addresses that EIPs are taken from, kept apart from the interconnect range. */
export interface EipPoolSpec {
  /** Pool name, a DNS-1123 label without `--`; it names the Kube-OVN Subnet that EIPs reference as `externalSubnet`. */
  name: string;
  /** CIDR of the public range: IPv4, IPv6, or dual stack written `v4cidr,v6cidr`. */
  cidr: string;
  /** Upstream router address for this range; NAT gateways route translated traffic to it. */
  gateway: string;
  /** Addresses of the range never handed out as EIPs: single addresses or ranges `a..b`. */
  excludeIps?: string[];
}

/** NAT gateway runtime settings shared by every tenant (ConfigMaps in kube-system). */
export interface NatGatewayConfigSpec {
  /** Container image of the VPC NAT gateway pods (ovn-vpc-nat-config `image`). */
  image: string;
  /** Container image of the optional BGP speaker sidecar (ovn-vpc-nat-config `bgpSpeakerImage`). */
  bgpSpeakerImage?: string;
}

/**
 * The attachment network through which pods of custom VPCs reach the Kubernetes API server: a
 * kube-ovn NetworkAttachmentDefinition `api-server-access` in kube-system and a Subnet of the default
 * VPC on its provider. Tenants that ask for it give their pods a NIC there and a route to the
 * `kubernetes` Service address through it.
 */
export interface ApiServerAccessSpec {
  /** CIDR of the attachment subnet (IPv4, IPv6, or `v4cidr,v6cidr`); one address per tenant pod, so size it for all of them. */
  cidr: string;
  /** Gateway address; defaults to the first address of the CIDR, as Kube-OVN does. */
  gateway?: string;
  /** Addresses pods never get: single addresses or ranges `a..b`. */
  excludeIps?: string[];
}

/** Everything a cluster needs once, shared by all tenants. */
export interface ClusterNetworkSpec {
  /** The interconnect network (Subnet `ovn-vpc-external-network` and its macvlan attachment). */
  interconnect: InterconnectNetworkSpec;
  /** Real EIP pools, at least one. EIPs bound to SNAT, DNAT and FIP rules always come from one of these. */
  eipPools: EipPoolSpec[];
  /** NAT gateway image and settings. */
  natGateway: NatGatewayConfigSpec;
  /** Let tenants' pods reach the API server through an attachment network (read the `kubernetes` Service address from the cluster). */
  apiServerAccess?: ApiServerAccessSpec;
  /**
   * Objects of the cluster network that exist already (`kubeovn-tenants import` writes this): imported
   * into the stack (Pulumi import) instead of created, by key: `interconnect/attachment`,
   * `interconnect/subnet`, `eip-pool/<name>`, `api-server-access/attachment`, `api-server-access/subnet`.
   */
  adopt?: string[];
}

/** The facts about a cluster network that tenants consume (exported by ClusterNetwork, possibly from another stack). */
export interface ClusterNetworkInfo {
  /** Name of the interconnect Subnet (always `ovn-vpc-external-network`). */
  interconnectSubnet: string;
  /** Normalised CIDR of the interconnect range. */
  interconnectCidr: string;
  /** Router address on the interconnect range. */
  interconnectGateway: string;
  /** Normalised excludeIps of the interconnect range (the gateway included). */
  interconnectExcludeIps: string[];
  /** The real EIP pools, normalised. */
  eipPools: EipPoolInfo[];
  /** The API-server attachment network, when the cluster enabled it. */
  apiServerAccess?: ApiServerAccessInfo;
}

/** The API-server attachment network as tenants see it. */
export interface ApiServerAccessInfo {
  /** The NetworkAttachmentDefinition pods attach to, `<namespace>/<name>`. */
  network: string;
  /** Normalised CIDR of the attachment subnet. */
  cidr: string;
  /** Gateway of the attachment subnet: the next hop of the route to the API server. */
  gateway: string;
  /** Normalised excludeIps of the attachment subnet (the gateway included). */
  excludeIps: string[];
  /** Address(es) of the `default/kubernetes` Service, as read from the cluster. */
  serviceIps: string[];
}

/** One real EIP pool as tenants see it. */
export interface EipPoolInfo {
  /** Pool (and Subnet) name. */
  name: string;
  /** Normalised CIDR. */
  cidr: string;
  /** Upstream router address. */
  gateway: string;
  /** Normalised excludeIps (the gateway included). */
  excludeIps: string[];
}

// ---------------------------------------------------------------- tenant

/** A route a pod should get: `dst` via `gw`; without `dst` it is a default route. */
export interface PodRouteSpec {
  /** Destination CIDR; omit for a default route. */
  dst?: string;
  /** Next hop; must lie in the namespace's subnet. */
  gw: string;
}

/** How a requirement of a pod selector relates a pod's label to its values (Kubernetes label-selector operators). */
export enum PodSelectorOperator {
  /** The pod has the label with one of `values`. */
  In = "In",
  /** The pod lacks the label, or has it with none of `values`. */
  NotIn = "NotIn",
  /** The pod has the label, whatever its value (no `values`). */
  Exists = "Exists",
  /** The pod lacks the label (no `values`). */
  DoesNotExist = "DoesNotExist",
}

/** One requirement of a pod selector (Kubernetes LabelSelectorRequirement). */
export interface PodSelectorRequirementSpec {
  /** The label key, e.g. `app.kubernetes.io/name`. */
  key: string;
  /** In, NotIn, Exists or DoesNotExist. */
  operator: PodSelectorOperator;
  /** Label values: at least one for In and NotIn, none for Exists and DoesNotExist. */
  values?: string[];
}

/**
 * Which pods of a namespace something applies to, with Kubernetes LabelSelector semantics: every
 * `matchLabels` entry and every `matchExpressions` requirement must hold; an empty selector matches every pod.
 */
export interface PodSelectorSpec {
  /** Labels the pod must carry with exactly these values. */
  matchLabels?: { [key: string]: string };
  /** Requirements on the pod's labels. */
  matchExpressions?: PodSelectorRequirementSpec[];
}

/** A namespace that belongs to the tenant. */
export interface TenantNamespaceSpec {
  /** Namespace name (DNS-1123 label). */
  name: string;
  /** The namespace exists already: it is annotated and labelled, never created or deleted. */
  adopt?: boolean;
  /** Routes every pod of this namespace should get, recorded on the Namespace. */
  routes?: PodRouteSpec[];
  /** Extra labels for the namespace. */
  labels?: { [key: string]: string };
  /** Overrides the tenant's `apiServerAccess` for this namespace. */
  apiServerAccess?: boolean;
  /** Only the pods of this namespace matching it get the API-server access; overrides the tenant's `apiServerAccessPodSelector`. */
  apiServerAccessPodSelector?: PodSelectorSpec;
}

/** A subnet of the tenant's VPC, bound to some of its namespaces. */
export interface TenantSubnetSpec {
  /** Subnet name within the tenant (DNS-1123 label without `--`; not `vpc`); the Kube-OVN Subnet is named `<tenant>--<name>`. */
  name: string;
  /** CIDR: IPv4, IPv6, or dual stack written `v4cidr,v6cidr`. Must be the network address (no host bits). */
  cidr: string;
  /** Gateway address; defaults to the first address of the CIDR, as Kube-OVN does. */
  gateway?: string;
  /** Addresses pods never get: single addresses or ranges `a..b`, all inside the CIDR. */
  excludeIps?: string[];
  /** Tenant namespaces whose pods take addresses from this subnet. */
  namespaces: string[];
  /** Only traffic from the subnet itself and `allowSubnets` may reach it. */
  private?: boolean;
  /** CIDRs allowed to reach a private subnet. */
  allowSubnets?: string[];
  /** Whether OVN load balancers serve Services in this subnet (Kube-OVN's default: true). */
  enableLb?: boolean;
  /**
   * Route table of the VPC router for traffic from this subnet (DNS-1123 label): its packets take the
   * routes of the main table first, then the `staticRoutes` with this `routeTable`. Omitted: the main
   * table only. Some static route must name the table.
   */
  routeTable?: string;
}

/** A static route of the tenant's VPC router. */
export interface StaticRouteSpec {
  /** Destination (or source, with policy `policySrc`) CIDR. */
  cidr: string;
  /** Next hop; an address inside one of the tenant's subnets. */
  nextHopIP: string;
  /** Match the destination (default) or the source. */
  policy?: RoutePolicy;
  /**
   * Route table (DNS-1123 label) the route belongs to; it then applies only to traffic from the subnets
   * bound to that table (`subnets[].routeTable`), e.g. a source route for one subnet. Omitted: the
   * main table, used by every subnet.
   */
  routeTable?: string;
}

/** A policy route of the tenant's VPC router. */
export interface PolicyRouteSpec {
  /** Priority, 0 to 32767; higher wins. */
  priority: number;
  /** OVN match expression, e.g. `ip4.src == 10.0.1.0/24`. */
  match: string;
  /** What to do with matching packets. */
  action: PolicyRouteAction;
  /** Next hop for `reroute`: an address inside one of the tenant's subnets. */
  nextHopIP?: string;
}

/** The tenant's NAT gateway. */
export interface TenantNatGatewaySpec {
  /** Tenant subnet the gateway's LAN side sits in. */
  subnet: string;
  /** Gateway's LAN address in that subnet; not the subnet gateway. */
  lanIp: string;
  /** Static interconnect address for the gateway's net1; allocated deterministically when omitted. */
  interconnectIp?: string;
  /** Add the VPC default route (0.0.0.0/0 and ::/0) via `lanIp` so SNAT works (default true). */
  defaultRoute?: boolean;
  /** Node selector entries (`key: value`) for the gateway pod. */
  selector?: string[];
}

/** A real public address taken from an EIP pool. */
export interface EipSpec {
  /** EIP name within the tenant (DNS-1123 label without `--`; not `interconnect`); the IptablesEIP is named `<tenant>--<name>`. */
  name: string;
  /** Pool to take the address from. */
  pool: string;
  /** Static IPv4 address inside the pool; allocated deterministically when omitted. */
  v4ip?: string;
  /** Static IPv6 address inside the pool; allocated deterministically when omitted and the pool has IPv6. */
  v6ip?: string;
}

/** Source NAT: traffic from `internalCIDR` leaves with the EIP as source. */
export interface SnatRuleSpec {
  /** Rule name within the tenant (DNS-1123 label without `--`); the rule object is named `<tenant>--<name>`. */
  name: string;
  /** EIP to translate to. */
  eip: string;
  /** One CIDR inside the tenant's VPC. */
  internalCIDR: string;
}

/** Destination NAT: a port of the EIP forwards to a port of an internal address. */
export interface DnatRuleSpec {
  /** Rule name within the tenant (DNS-1123 label without `--`); the rule object is named `<tenant>--<name>`. */
  name: string;
  /** EIP whose port is forwarded. */
  eip: string;
  /** tcp or udp. */
  protocol: NatProtocol;
  /** Port on the EIP, 1 to 65535. */
  externalPort: number;
  /** Internal address inside one of the tenant's subnets. */
  internalIp: string;
  /** Port on the internal address, 1 to 65535. */
  internalPort: number;
}

/** Floating IP: the EIP maps one-to-one onto an internal address. */
export interface FloatingIpSpec {
  /** Rule name within the tenant (DNS-1123 label without `--`); the rule object is named `<tenant>--<name>`. */
  name: string;
  /** EIP to bind; it may not be used by any other rule. */
  eip: string;
  /** Internal address inside one of the tenant's subnets. */
  internalIp: string;
}

/** What a security-group rule does with matching packets (Kube-OVN turns any other word into drop). */
export enum SecurityGroupPolicy {
  /** Let the packet (and its replies) through. */
  Allow = "allow",
  /** Drop the packet. */
  Drop = "drop",
  /** Leave the decision to the next ACL tier. */
  Pass = "pass",
}

/** Which packets a security-group rule matches by protocol. */
export enum SecurityGroupProtocol {
  /** Every IP packet. */
  All = "all",
  /** TCP, on `ports`. */
  Tcp = "tcp",
  /** UDP, on `ports`. */
  Udp = "udp",
  /** ICMP (ICMPv6 for IPv6 rules). */
  Icmp = "icmp",
}

/** One rule of a security group. Exactly one of `remoteAddress` and `remoteSecurityGroup`. */
export interface SecurityGroupRuleSpec {
  /** 1 to 16384; the lower the number, the earlier the rule wins. */
  priority: number;
  /** allow, drop or pass. */
  policy: SecurityGroupPolicy;
  /** all (default), tcp, udp or icmp. */
  protocol?: SecurityGroupProtocol;
  /** Peer address or CIDR (the source of ingress, the destination of egress). */
  remoteAddress?: string;
  /** Peer security group of this tenant (by its name in `securityGroups`). */
  remoteSecurityGroup?: string;
  /** `ipv4` or `ipv6`; taken from `remoteAddress`, else required with `remoteSecurityGroup` on dual-stack tenants. */
  ipVersion?: string;
  /** Port or port range `from-to` for tcp and udp; all ports when omitted. */
  ports?: string;
}

/** A Kube-OVN SecurityGroup, bound to every pod of some tenant namespaces. */
export interface SecurityGroupSpec {
  /** Name within the tenant (DNS-1123 label without `--`); the SecurityGroup is named `<tenant>--<name>`. */
  name: string;
  /** Tenant namespaces whose pods are bound to this group; a bound pod drops everything no group allows. */
  namespaces: string[];
  /** Only the pods of those namespaces matching it are bound (all of them when omitted). */
  podSelector?: PodSelectorSpec;
  /** Pods of the group may reach each other regardless of the rules. */
  allowSameGroupTraffic?: boolean;
  /** Rules for traffic reaching the pods. */
  ingressRules?: SecurityGroupRuleSpec[];
  /** Rules for traffic the pods send. */
  egressRules?: SecurityGroupRuleSpec[];
}

/** This tenant's half of a peering between two tenants' VPCs; the other tenant declares the mirror half. */
export interface VpcPeeringSpec {
  /** The other tenant (its VPC is `<tenant>--vpc`). */
  tenant: string;
  /** This VPC's router address on the peering link, with its prefix, e.g. `169.254.0.1/30`. */
  localConnectIP: string;
  /** The other VPC's router address on the link; defaults to the other usable address of a /30 or /31. */
  remoteConnectIP?: string;
  /** CIDRs of the other tenant reachable through the link (static routes via `remoteConnectIP`). */
  remoteCidrs: string[];
}

/** A scraper in the default VPC reaching the metrics ports of this tenant's pods. */
export interface TenantMonitoringSpec {
  /** Namespace of this tenant's scraper (e.g. a Prometheus agent); created unless `adopt`, and never part of the tenant's VPC. */
  scraperNamespace: string;
  /** The scraper namespace exists already: it is annotated, never created or deleted. */
  adopt?: boolean;
  /** CIDR inside the tenant's VPC for the scrapers' extra NICs (a Subnet `<tenant>--monitoring`). */
  cidr: string;
  /** TCP ports or ranges `from-to` the scraper may reach on the tenant's pods. */
  ports: string[];
  /** Tenant namespaces whose pods are scraped; all of them when omitted. */
  namespaces?: string[];
}

/** One tenant: its VPC, subnets, namespaces, NAT gateway, EIPs and routes. */
export interface TenantSpec {
  /** Tenant name (DNS-1123 label without `--`, at most 30 characters): every object is named `<tenant>--<name>` (the VPC `<tenant>--vpc`). */
  tenant: string;
  /** The tenant's namespaces. */
  namespaces: TenantNamespaceSpec[];
  /** The tenant's subnets. */
  subnets: TenantSubnetSpec[];
  /** Static routes of the tenant's VPC. */
  staticRoutes?: StaticRouteSpec[];
  /** Policy routes of the tenant's VPC. */
  policyRoutes?: PolicyRouteSpec[];
  /** The tenant's NAT gateway; required for EIPs and NAT rules. */
  natGateway?: TenantNatGatewaySpec;
  /** Real public addresses. */
  eips?: EipSpec[];
  /** Source NAT rules. */
  snatRules?: SnatRuleSpec[];
  /** Destination NAT (port forwarding) rules. */
  dnatRules?: DnatRuleSpec[];
  /** Floating IPs. */
  floatingIps?: FloatingIpSpec[];
  /** Give every pod a NIC on the cluster's API-server attachment network and a route to the API server (namespaces may override). */
  apiServerAccess?: boolean;
  /** Only the pods matching it get the API-server access (all pods of the namespaces with access when omitted). */
  apiServerAccessPodSelector?: PodSelectorSpec;
  /** Security groups bound to namespaces. */
  securityGroups?: SecurityGroupSpec[];
  /** This tenant's halves of VPC peerings with other tenants. */
  peerings?: VpcPeeringSpec[];
  /** A scraper in the default VPC that may reach the tenant pods' metrics ports. */
  monitoring?: TenantMonitoringSpec;
  /**
   * Objects that exist already in the cluster (`kubeovn-tenants import` writes this), by object key:
   * `vpc`, `subnet/<name>`, `nat-gateway`, `eip/interconnect`, `eip/<name>`, `snat/<name>`,
   * `dnat/<name>`, `fip/<name>`, each mapped to the name the object has in the cluster. The object
   * keeps that name and is imported into the stack (Pulumi import) instead of created; the first
   * `up` changes none of its values. Namespaces that exist are adopted with `namespaces[].adopt`.
   */
  adopt?: { [objectKey: string]: string };
}

// ---------------------------------------------------------------- pod-defaults webhook

/** What the API server does with a tenant pod when the webhook cannot be reached or fails. */
export enum WebhookFailurePolicy {
  /** Reject the pod: no tenant pod is ever created without its namespace's routes (the default). */
  Fail = "Fail",
  /** Create the pod unchanged: tenant pods may silently miss their routes while the webhook is down. */
  Ignore = "Ignore",
}

/** Who keeps the in-cluster webhook's serving certificate current. */
export enum WebhookCertificates {
  /**
   * The webhook itself (the default): a CA kept in the stack state (valid `certificateValidityDays`,
   * replaced by `pulumi up` once fewer than 400 days remain) is the caBundle, and the webhook signs and
   * renews its own 90-day serving certificate with it, without restarting or any Pulumi run.
   */
  Webhook = "webhook",
  /**
   * cert-manager, which must be installed in the cluster: Certificate objects (and, without
   * `certManagerIssuer`, a self-signed bootstrap CA Issuer), with the CA injected into the webhook
   * configuration by cert-manager's cainjector (`cert-manager.io/inject-ca-from`).
   */
  CertManager = "cert-manager",
}

/** A cert-manager issuer that signs the webhook's serving certificate. */
export interface CertManagerIssuerRef {
  /** Name of the Issuer (in the webhook's namespace) or ClusterIssuer. */
  name: string;
  /** `Issuer` (default) or `ClusterIssuer`. It must put its CA in the Secret's `ca.crt` (CA, Vault, self-signed issuers do). */
  kind?: string;
  /** API group of the issuer (default `cert-manager.io`). */
  group?: string;
}

/**
 * The admission webhook that gives every pod created in a tenant namespace what the namespace
 * carries in `pulumi-kubeovn/pod-defaults` (routes, attachments, security groups). It runs in the
 * cluster by default; with `url` it only registers a webhook served elsewhere.
 */
export interface PodDefaultsWebhookSpec {
  /** Namespace the webhook runs in, created by the component (default `pulumi-kubeovn`). Never a tenant namespace. */
  namespace?: string;
  /** Container image with Node.js 18 or newer; the webhook's code is mounted from a ConfigMap (default `node:20-alpine`). */
  image?: string;
  /** Webhook pods (default 2; with failurePolicy Fail, tenant pods cannot be created while none is ready). */
  replicas?: number;
  /** What happens to tenant pods while the webhook cannot answer (default Fail). */
  failurePolicy?: WebhookFailurePolicy;
  /** Seconds the API server waits for the webhook before applying failurePolicy (1-30, default 5). */
  timeoutSeconds?: number;
  /** Who keeps the serving certificate current: the webhook itself (default) or cert-manager. Explicit, so a preview never depends on what the cluster has installed. */
  certificates?: WebhookCertificates;
  /** With `certificates: cert-manager`: the issuer to use (default: a self-signed CA of the webhook's own, issued by cert-manager). */
  certManagerIssuer?: CertManagerIssuerRef;
  /** Days the generated CA is valid, more than 400 (default 3650); only with the default `certificates`. */
  certificateValidityDays?: number;
  /** Register a webhook served at this https URL instead of running it in the cluster (requires `caBundle`). */
  url?: string;
  /** PEM CA that signed the serving certificate of `url`. Only with `url`. */
  caBundle?: string;
}
