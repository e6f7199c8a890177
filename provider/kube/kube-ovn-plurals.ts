/** The kubeovn.io API plural of each Kube-OVN kind we declare, for list, get and patch calls. */
export const KUBE_OVN_PLURAL = {
  Vpc: "vpcs",
  Subnet: "subnets",
  VpcNatGateway: "vpc-nat-gateways",
  IptablesEIP: "iptables-eips",
  IptablesSnatRule: "iptables-snat-rules",
  IptablesDnatRule: "iptables-dnat-rules",
  IptablesFIPRule: "iptables-fip-rules",
  SecurityGroup: "security-groups",
} as const;
