// A user's program: one cluster network and one small tenant, typed by the package's declarations.
import { ClusterNetwork, TenantNetwork } from "pulumi-kubeovn";

export async function program() {
  const cluster = new ClusterNetwork("cluster", {
    interconnect: { masterInterface: "eth1", cidr: "172.31.0.0/24", gateway: "172.31.0.1" },
    eipPools: [{ name: "public-a", cidr: "203.0.113.0/24", gateway: "203.0.113.1" }],
    natGateway: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
  });
  const shop = new TenantNetwork("shop", {
    cluster: cluster.info,
    tenant: "shop",
    namespaces: [{ name: "shop-web", routes: [{ dst: "192.168.0.0/16", gw: "10.30.1.253" }] }],
    subnets: [{ name: "web", cidr: "10.30.1.0/24", namespaces: ["shop-web"] }],
    natGateway: { subnet: "web", lanIp: "10.30.1.254" },
    eips: [{ name: "egress", pool: "public-a" }],
    snatRules: [{ name: "web-out", eip: "egress", internalCIDR: "10.30.1.0/24" }],
  });
  return { vpcName: shop.vpcName, eips: shop.eipAddresses, interconnectIp: shop.interconnectIp };
}
