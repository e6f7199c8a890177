/**
 * A cluster's tenant network as a Kube-OVN user applied it by hand, before pulumi-kubeovn: the
 * interconnect network and an EIP pool, and tenant `shop` (a Vpc, a Subnet bound to a namespace, a
 * NAT gateway with its own address on the interconnect network, an EIP with a fixed address, a DNAT
 * on it and an SNAT). The import tests (unit and end to end) start from these objects.
 */
import * as YAML from "yaml";

export const BROWNFIELD_YAML = `
apiVersion: v1
kind: Namespace
metadata: { name: shop-web }
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: { name: ovn-vpc-external-network, namespace: kube-system }
spec:
  config: '{"cniVersion":"0.3.0","type":"macvlan","master":"eth1","mode":"bridge"}'
---
apiVersion: kubeovn.io/v1
kind: Subnet
metadata: { name: ovn-vpc-external-network }
spec:
  protocol: IPv4
  provider: ovn-vpc-external-network.kube-system
  cidrBlock: 172.31.60.0/24
  gateway: 172.31.60.1
  excludeIps: ["172.31.60.1..172.31.60.9"]
---
apiVersion: kubeovn.io/v1
kind: Subnet
metadata: { name: brownfield-pool }
spec:
  protocol: IPv4
  provider: brownfield-pool.kube-system
  cidrBlock: 203.0.113.0/24
  gateway: 203.0.113.1
---
apiVersion: kubeovn.io/v1
kind: Vpc
metadata: { name: shop }
spec:
  namespaces: [shop-web]
  staticRoutes:
    - { cidr: 0.0.0.0/0, nextHopIP: 10.60.1.254, policy: policyDst }
---
apiVersion: kubeovn.io/v1
kind: Subnet
metadata: { name: shop-web }
spec:
  vpc: shop
  protocol: IPv4
  cidrBlock: 10.60.1.0/24
  gateway: 10.60.1.1
  namespaces: [shop-web]
---
apiVersion: kubeovn.io/v1
kind: VpcNatGateway
metadata: { name: shop-gw }
spec:
  vpc: shop
  subnet: shop-web
  lanIp: 10.60.1.254
  externalSubnets: [ovn-vpc-external-network]
  noDefaultEIP: true
---
apiVersion: kubeovn.io/v1
kind: IptablesEIP
metadata: { name: shop-gw-ext }
spec:
  natGwDp: shop-gw
  externalSubnet: ovn-vpc-external-network
  v4ip: 172.31.60.20
---
apiVersion: kubeovn.io/v1
kind: IptablesEIP
metadata: { name: shop-front }
spec:
  natGwDp: shop-gw
  externalSubnet: brownfield-pool
  v4ip: 203.0.113.50
---
apiVersion: kubeovn.io/v1
kind: IptablesDnatRule
metadata: { name: shop-https }
spec:
  eip: shop-front
  protocol: tcp
  externalPort: "443"
  internalIp: 10.60.1.10
  internalPort: "8443"
---
apiVersion: kubeovn.io/v1
kind: IptablesSnatRule
metadata: { name: shop-out }
spec:
  eip: shop-front
  internalCIDR: 10.60.1.0/24
`;

/** A Kubernetes object as written in the YAML above. */
export interface RawObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: { [k: string]: string } };
  spec?: { [k: string]: unknown };
  data?: { [k: string]: string };
}

/** The objects of BROWNFIELD_YAML, in the order a user applies them. */
export function brownfieldObjects(): RawObject[] {
  return YAML.parseAllDocuments(BROWNFIELD_YAML).map((d) => d.toJS() as RawObject);
}
