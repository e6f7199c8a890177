/**
 * Cluster facts that stand in for unknown ones at preview (the ClusterNetwork's info comes from a
 * resource not created yet). Which objects a tenant has follows from its spec alone; planning it
 * against these facts yields exactly that set. Nothing planned from them is ever shown as a value:
 * the caller declares the objects with their specs unknown.
 */
import { type Address, type Family, formatAddress, parseAddress, parseCidrList, type Cidr } from "./net";
import type { ClusterNetworkInfo, TenantSpec } from "./spec";

const SPACE: Record<Family, { base: bigint; bits: number; prefix: number }> = {
  // Shared address space (RFC 6598) and a unique-local block: ranges a tenant rarely uses.
  4: { base: 0x64400000n, bits: 32, prefix: 24 },
  6: { base: 0xfd6b6f76000000000000000000000000n, bits: 128, prefix: 64 },
};

interface Block {
  cidr: string;
  gateway: string;
}

class Blocks {
  private readonly taken: { family: Family; first: bigint; last: bigint }[];

  constructor(spec: TenantSpec) {
    this.taken = (spec.subnets ?? []).flatMap((s) => parseCidrList(String(s?.cidr ?? "")) ?? ([] as Cidr[]));
  }

  private free(family: Family, first: bigint, last: bigint): boolean {
    return !this.taken.some((t) => t.family === family && t.first <= last && first <= t.last);
  }

  private take(family: Family, first: bigint, prefix: number, gateway: bigint): Block {
    const size = 1n << BigInt(SPACE[family].bits - prefix);
    this.taken.push({ family, first, last: first + size - 1n });
    return { cidr: `${formatAddress(family, first)}/${prefix}`, gateway: formatAddress(family, gateway) };
  }

  /** A block of `family` holding every address of `fixed` as a host, a gateway and room for `extra` more. */
  get(family: Family, fixed: Address[], extra: number): Block | undefined {
    const { base, bits, prefix: start } = SPACE[family];
    if (fixed.length === 0) {
      for (let i = 0n; i < 4096n; i++) {
        const first = base + (i << BigInt(bits - start));
        const last = first + (1n << BigInt(bits - start)) - 1n;
        if (this.free(family, first, last)) return this.take(family, first, start, first + 1n);
      }
      return undefined;
    }
    const values = fixed.map((a) => a.value);
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.min does not take.
    const lo = values.reduce((a, b) => (a < b ? a : b));
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
    const hi = values.reduce((a, b) => (a > b ? a : b));
    for (let prefix = bits - 2; prefix >= bits - 24; prefix--) {
      const size = 1n << BigInt(bits - prefix);
      const first = lo - (lo % size);
      const last = first + size - 1n;
      if (hi > last || values.some((v) => v === first || v === last)) continue;
      if (size - 2n < BigInt(values.length + extra + 1)) continue;
      let gateway = first + 1n;
      while (values.includes(gateway)) gateway++;
      return this.take(family, first, prefix, gateway);
    }
    return undefined;
  }
}

const addresses = (texts: (string | undefined)[]): Address[] =>
  texts
    .flatMap((t) => (typeof t === "string" ? t.split(",") : []))
    .map((t) => parseAddress(t.trim()))
    .filter((a): a is Address => a !== undefined);

/** A dual-stack-or-single network from per-family blocks; undefined when one could not be placed. */
function network(blocks: Blocks, fixed: Address[], extra: number): Block | undefined {
  const families: Family[] = [4, ...(fixed.some((a) => a.family === 6) ? [6 as Family] : [])];
  const parts = families.map((f) =>
    blocks.get(
      f,
      fixed.filter((a) => a.family === f),
      extra,
    ),
  );
  if (parts.some((p) => p === undefined)) return undefined;
  return { cidr: parts.map((p) => p?.cidr).join(","), gateway: parts.map((p) => p?.gateway).join(",") };
}

/**
 * Stand-in facts for planning `spec` when the real ones are unknown: an interconnect network and
 * the EIP pools the spec names (holding its static addresses), the API-server access network when
 * a namespace asks for it, none overlapping the tenant's subnets. Undefined when the spec's own
 * addresses cannot be placed (the caller then says the tenant cannot be listed).
 */
export function standInClusterInfo(spec: TenantSpec): ClusterNetworkInfo | undefined {
  const blocks = new Blocks(spec);
  const interconnect = network(blocks, addresses([spec.natGateway?.interconnectIp]), 1);
  if (!interconnect) return undefined;
  const pools = new Map<string, { fixed: Address[]; count: number }>();
  for (const e of spec.eips ?? []) {
    if (typeof e?.pool !== "string") continue;
    const p = pools.get(e.pool) ?? { fixed: [], count: 0 };
    p.fixed.push(...addresses([e.v4ip, e.v6ip]));
    p.count++;
    pools.set(e.pool, p);
  }
  // A cluster network has at least one pool, whether or not the tenant takes EIPs from it.
  if (pools.size === 0) pools.set("stand-in", { fixed: [], count: 0 });
  const eipPools = [];
  for (const [name, p] of pools) {
    const n = network(blocks, p.fixed, p.count);
    if (!n) return undefined;
    eipPools.push({ name, cidr: n.cidr, gateway: n.gateway, excludeIps: n.gateway.split(",") });
  }
  const wantsApi = spec.apiServerAccess === true || (spec.namespaces ?? []).some((ns) => ns?.apiServerAccess === true);
  let apiServerAccess: ClusterNetworkInfo["apiServerAccess"];
  if (wantsApi) {
    const api = blocks.get(4, [], 0);
    const service = blocks.get(4, [], 0);
    if (!api || !service) return undefined;
    apiServerAccess = {
      network: "kube-system/api-server-access",
      cidr: api.cidr,
      gateway: api.gateway,
      excludeIps: [api.gateway],
      serviceIps: [service.gateway],
    };
  }
  return {
    interconnectSubnet: "ovn-vpc-external-network",
    interconnectCidr: interconnect.cidr,
    interconnectGateway: interconnect.gateway,
    interconnectExcludeIps: interconnect.gateway.split(","),
    eipPools: eipPools as ClusterNetworkInfo["eipPools"],
    ...(apiServerAccess ? { apiServerAccess } : {}),
  };
}
