// Two tenants on one Kube-OVN cluster network: the same setup as the repository's Pulumi.yaml.
import * as kubeovn from "@pulumi-kubeovn/sdk";

// Once per cluster: the interconnect range NAT gateways use for themselves, and the real EIP pools.
const cluster = new kubeovn.ClusterNetwork("cluster", {
  interconnect: {
    masterInterface: "eth1",
    cidr: "172.31.0.0/24",
    gateway: "172.31.0.1",
    excludeIps: ["172.31.0.2..172.31.0.9"],
  },
  eipPools: [
    { name: "public-a", cidr: "203.0.113.0/24", gateway: "203.0.113.1" },
    { name: "public-b", cidr: "198.51.100.0/24", gateway: "198.51.100.1", excludeIps: ["198.51.100.2..198.51.100.20"] },
  ],
  natGateway: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
});

// Tenant acme: a web tier and an app tier, one static and one allocated EIP.
const acme = new kubeovn.TenantNetwork("acme", {
  cluster: cluster.info,
  tenant: "acme",
  namespaces: [{ name: "acme-web", routes: [{ dst: "192.168.0.0/16", gw: "10.10.1.253" }] }, { name: "acme-app" }],
  subnets: [
    { name: "web", cidr: "10.10.1.0/24", excludeIps: ["10.10.1.250..10.10.1.254"], namespaces: ["acme-web"] },
    { name: "app", cidr: "10.10.2.0/24", namespaces: ["acme-app"], private: true, allowSubnets: ["10.10.1.0/24"] },
  ],
  natGateway: { subnet: "web", lanIp: "10.10.1.254" },
  eips: [
    { name: "egress", pool: "public-a", v4ip: "203.0.113.10" },
    { name: "web", pool: "public-a" },
  ],
  snatRules: [
    { name: "web-out", eip: "egress", internalCIDR: "10.10.1.0/24" },
    { name: "app-out", eip: "egress", internalCIDR: "10.10.2.0/24" },
  ],
  dnatRules: [
    {
      name: "https",
      eip: "web",
      protocol: kubeovn.NatProtocol.Tcp,
      externalPort: 443,
      internalIp: "10.10.1.10",
      internalPort: 8443,
    },
  ],
});

// Tenant globex reuses acme's CIDR and lanIp: valid, the VPCs are separate.
const globex = new kubeovn.TenantNetwork("globex", {
  cluster: cluster.info,
  tenant: "globex",
  namespaces: [{ name: "globex" }],
  subnets: [{ name: "main", cidr: "10.10.1.0/24", namespaces: ["globex"] }],
  staticRoutes: [{ cidr: "10.99.0.0/16", nextHopIP: "10.10.1.200" }],
  natGateway: { subnet: "main", lanIp: "10.10.1.254" },
  eips: [
    { name: "out", pool: "public-b" },
    { name: "db", pool: "public-b" },
  ],
  snatRules: [{ name: "out", eip: "out", internalCIDR: "10.10.1.0/24" }],
  floatingIps: [{ name: "db", eip: "db", internalIp: "10.10.1.20" }],
});

export const clusterInfo = cluster.info;
export const acmeInterconnectIp = acme.interconnectIp;
export const acmeEips = acme.eipAddresses;
export const globexInterconnectIp = globex.interconnectIp;
export const globexEips = globex.eipAddresses;
