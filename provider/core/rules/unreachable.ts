/**
 * Kube-OVN v1.16.2's checks of the kinds we emit that no input of ours can reach, each with why.
 * They are rows of docs/upstream-rules.md next to the rules; a check that becomes reachable (a new
 * field we emit) moves from here to a rule of its kind.
 */
import type { Kind } from "./rule";

export interface Unreachable {
  kind: Kind;
  /** The upstream check: function and file, and what it refuses. */
  upstream: string;
  /** Why our inputs never reach it. */
  reason: string;
}

const VALIDATE_SUBNET = "pkg/util/validator.go ValidateSubnet";
const NOT_EMITTED = "we never emit the field";
const NAT_HOOK = "pkg/webhook/vpc_nat_gateway.go";

export const UNREACHABLE: Unreachable[] = [
  {
    kind: "Subnet",
    upstream: `${VALIDATE_SUBNET}: gatewayType other than distributed/centralized`,
    reason: `${NOT_EMITTED} (a custom-VPC subnet has none)`,
  },
  {
    kind: "Subnet",
    upstream: `${VALIDATE_SUBNET}: protocol other than IPv4/IPv6/Dual`,
    reason: "we write the protocol the CIDR has (provider/core/normalize.ts protocolOf), after subnet.cidr.invalid",
  },
  {
    kind: "Subnet",
    upstream: `${VALIDATE_SUBNET}: spec.vpc equal to the subnet's name; pkg/webhook/subnet.go, vpc.go: a Subnet and a Vpc of one name`,
    reason:
      "names are made in provider/core/names.ts objectNames: a tenant's Subnet and Vpc names never coincide, and no tenant's name is another's object name",
  },
  {
    kind: "Subnet",
    upstream: `${VALIDATE_SUBNET}: a subnet of ovn-cluster holding the API server's Service address`,
    reason:
      "tenant subnets are in the tenant's own Vpc, never ovn-cluster; the service range itself is checked against the live cluster (provider/core/cluster-clashes.ts)",
  },
  {
    kind: "Subnet",
    upstream: `${VALIDATE_SUBNET}: externalEgressGateway (with natOutgoing, malformed, family), vips outside the CIDR, logicalGateway with u2oInterconnection, u2oFeatures.overlayOnlyRouting, natOutgoingPolicyRules, u2oInterconnectionIP outside the CIDR`,
    reason: NOT_EMITTED,
  },
  {
    kind: "Subnet",
    upstream:
      "pkg/util/validator.go ValidateCidrConflict: equal policyRoutingTableID of two subnets with externalEgressGateway",
    reason: NOT_EMITTED,
  },
  {
    kind: "Subnet",
    upstream: "pkg/controller/subnet.go validateSubnetVlan: a vlan naming no Vlan",
    reason: NOT_EMITTED,
  },
  {
    kind: "Subnet",
    upstream: "pkg/controller/subnet.go checkSubnetConflict: a node InternalIP inside a default-VPC subnet",
    reason: "tenant subnets are never in the default VPC",
  },
  {
    kind: "Subnet",
    upstream:
      "pkg/webhook/subnet.go SubnetUpdateHook: gateway changed while addresses are in use; vpc changed other than from empty to ovn-cluster",
    reason:
      "a gateway or vpc change is a replacement, never an update (provider/core/tenant-plan.ts); a replacement under workload pods is refused against the live cluster (provider/core/cluster-clashes.ts refuseReplacementUnderPods)",
  },
  {
    kind: "Subnet",
    upstream: "pkg/webhook/subnet.go SubnetDeleteHook: deleting a subnet with addresses in use",
    reason:
      "deletion order: rules, EIPs and the NAT gateway go before their subnet (provider/core/plan.ts creationOrder, reversed)",
  },
  {
    kind: "Subnet",
    upstream: "pkg/controller/vpc.go validateVpcBySubnet: the Vpc must exist and be standby",
    reason: "the Vpc is created before its subnets and waited for (creationOrder, pulumi.com/waitFor)",
  },
  {
    kind: "Vpc",
    upstream: "pkg/util/validator.go ValidateVpc: a reroute to several next hops (ECMP, comma-separated)",
    reason: "policyRoutes[].nextHopIP is one address (vpc.policyRoutes.nextHopIP.invalid refuses a list)",
  },
  {
    kind: "Vpc",
    upstream: "pkg/webhook/vpc.go VpcDeleteHook: deleting a Vpc with subnets or OVN NAT rules",
    reason: "subnets are deleted before their Vpc; we emit no OvnDnatRule, OvnSnatRule or OvnFip",
  },
  {
    kind: "VpcNatGateway",
    upstream: `${NAT_HOOK} ValidateVpcNatGW: vpc or subnet empty or missing`,
    reason: "both are the tenant's own, always set and created first (natgw.subnet.undeclared refuses another)",
  },
  {
    kind: "VpcNatGateway",
    upstream: `${NAT_HOOK} ValidateVpcNatGW: toleration operator or effect, qosPolicy missing`,
    reason: NOT_EMITTED,
  },
  {
    kind: "VpcNatGateway",
    upstream: `${NAT_HOOK} ValidateVpcNatConfig, ValidateVpcNatGatewayConfig: ConfigMaps ovn-vpc-nat-config (image) and ovn-vpc-nat-gw-config (enable-vpc-nat-gw: "true") (every NAT kind)`,
    reason:
      "the ClusterNetwork writes both (provider/core/cluster.ts; natGateway.image refused when empty), and tenants plan against it",
  },
  {
    kind: "VpcNatGateway",
    upstream:
      "pkg/controller/vpc_nat_gateway.go: the gateway's subnet not an OVN subnet; no apiNadProvider (or one not <name>.<namespace>.ovn) for a gateway with BGP or API access",
    reason:
      "the gateway's subnet is one of the tenant's, always an OVN subnet; we emit neither BGP nor API access on the gateway",
  },
  {
    kind: "Vpc",
    upstream:
      "pkg/controller/vpc.go (its own parse of staticRoutes and policyRoutes): unknown policy, invalid cidr, next hop or reroute list",
    reason: "the same checks as ValidateVpc, covered by the vpc.staticRoutes.* and vpc.policyRoutes.* rules",
  },
  {
    kind: "VpcNatGateway",
    upstream: `${NAT_HOOK} VpcNatGwDeleteHook: deleting a gateway with EIPs`,
    reason: "EIPs are deleted before their gateway (creation order reversed)",
  },
  {
    kind: "IptablesEIP",
    upstream: `${NAT_HOOK} iptablesEIPUpdateHook: natGwDp changed, or any spec change of a Ready EIP`,
    reason: "any EIP change is a replacement with the rules on it (docs/upstream-behaviour.md)",
  },
  {
    kind: "IptablesEIP",
    upstream: `${NAT_HOOK} iptablesEIPDeleteHook: deleting an EIP a rule uses`,
    reason: "rules are deleted before their EIP",
  },
  {
    kind: "IptablesDnatRule",
    upstream: `${NAT_HOOK} ValidateIptablesDnat: externalPort or internalPort empty`,
    reason: "both are required numbers in the schema; dnat.port refuses what is not a port",
  },
  {
    kind: "SecurityGroup",
    upstream: "pkg/controller/security_group.go validateSgRule: policy pass on tier 1",
    reason: "we emit neither pass nor tier (sg.rule.policy)",
  },
  {
    kind: "NetworkAttachmentDefinition",
    upstream: "no webhook or validator: Multus and kube-ovn CNI read the config when a pod starts",
    reason: "we write the config ourselves (type kube-ovn, the server socket, provider <nad>.<namespace>.ovn)",
  },
];
