/** What every figure plans or deploys: one cluster network and many tenants of the same shape. */
import type { ClusterNetworkSpec, TenantSpec } from "../provider/core";

export const POOL = "public";

/** An interconnect /16 and one /16 EIP pool, so 10 000 tenants fit with room to spare. */
export const benchCluster: ClusterNetworkSpec = {
  interconnect: { masterInterface: "eth1", cidr: "172.31.0.0/16", gateway: "172.31.0.1" },
  eipPools: [{ name: POOL, cidr: "100.64.0.0/16", gateway: "100.64.0.1" }],
  natGateway: { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" },
};

/**
 * A typical small tenant: one namespace and subnet, a NAT gateway, one allocated EIP with SNAT (7 objects).
 * `net` is the first three octets of its /24.
 */
export function benchTenant(name: string, net = "10.10.1"): TenantSpec {
  return {
    tenant: name,
    namespaces: [{ name: `${name}-app` }],
    subnets: [{ name: "app", cidr: `${net}.0/24`, namespaces: [`${name}-app`] }],
    natGateway: { subnet: "app", lanIp: `${net}.254` },
    eips: [{ name: "out", pool: POOL }],
    snatRules: [{ name: "out", eip: "out", internalCIDR: `${net}.0/24` }],
  };
}

/** `count` tenants named `<prefix>0001`, `<prefix>0002`, ... */
export function benchTenants(prefix: string, count: number): TenantSpec[] {
  return Array.from({ length: count }, (_, i) => benchTenant(`${prefix}${String(i + 1).padStart(4, "0")}`));
}

/**
 * Like benchTenants, but no two tenants share an address text: tenant i has its own /24
 * (10.<i/256>.<i%256>.0/24), so each tenant's addresses are parsed afresh rather than found parsed.
 */
export function distinctTenants(prefix: string, count: number): TenantSpec[] {
  return Array.from({ length: count }, (_, i) =>
    benchTenant(`${prefix}${String(i + 1).padStart(4, "0")}`, `10.${(i >> 8) & 255}.${i & 255}`),
  );
}
