// biome-ignore-all lint/suspicious/noExplicitAny: resource inputs as the engine hands them to a policy, untyped.
/**
 * The tenant guardrails, pure: each rule reads the inputs of the resources our components declare
 * (kubernetes:kubeovn.io/v1:IptablesEIP etc., each labelled with its tenant) and the rule's config,
 * and returns its violations. No Pulumi, no I/O: pack.ts wires them into a CrossGuard policy pack.
 *
 * Config is per tenant, keyed by tenant name; the key `*` applies to tenants without an entry of
 * their own. A tenant with neither is not restricted by that rule.
 */
import { INTERCONNECT_SUBNET, TENANT_LABEL } from "../core/names";
import { type Cidr, parseCidr, parseCidrList } from "../core/net";

/** A resource as a policy sees it: its type token, URN and inputs. */
export interface PolicyInput {
  type: string;
  urn: string;
  props: { [k: string]: any };
}

export interface Violation {
  message: string;
  /** The resource it is about; none for a stack-wide violation. */
  urn?: string;
}

export const TYPES = {
  eip: "kubernetes:kubeovn.io/v1:IptablesEIP",
  dnat: "kubernetes:kubeovn.io/v1:IptablesDnatRule",
  subnet: "kubernetes:kubeovn.io/v1:Subnet",
} as const;

/** Per-tenant settings of one rule; `*` is the default for tenants not listed. */
export interface PerTenant<T> {
  tenants?: { [tenant: string]: T };
}

export interface EipAllowance {
  /** EIP pools (the cluster network's eipPools names) the tenant may take addresses from. */
  pools?: string[];
  /** At most this many EIPs (the NAT gateway's interconnect address does not count). */
  maxEips?: number;
}

export interface DnatAllowance {
  /** Allowed protocols, e.g. ["tcp"]. */
  protocols?: string[];
  /** Allowed public (external) ports: numbers or "first-last" ranges. */
  ports?: (number | string)[];
}

/** CIDRs the tenant's subnets must lie inside. */
export type Supernets = string[];

/** The tenant an object belongs to, from the label our components put on every tenant object. */
export function tenantOf(r: PolicyInput): string | undefined {
  const t = r.props?.metadata?.labels?.[TENANT_LABEL];
  return typeof t === "string" && t !== "" ? t : undefined;
}

const nameOf = (r: PolicyInput): string => r.props?.metadata?.name ?? (r.urn.split("::").pop() as string);

/** The settings that apply to `tenant`: its own entry, else `*`, else none. */
export function settingsFor<T>(config: PerTenant<T> | undefined, tenant: string): T | undefined {
  const t = config?.tenants ?? {};
  return Object.hasOwn(t, tenant) ? t[tenant] : t["*"];
}

/** A pool EIP of a tenant (not a NAT gateway's interconnect address, which the cluster network hands out). */
function isPoolEip(r: PolicyInput): boolean {
  return r.type === TYPES.eip && r.props?.spec?.externalSubnet !== INTERCONNECT_SUBNET && !!tenantOf(r);
}

/**
 * EIPs only from the tenant's pools, and at most `maxEips` of them. A stack-wide check, since the
 * count is over every EIP of the tenant; each violation names the EIP it is about.
 */
export function checkEipPools(resources: PolicyInput[], config: PerTenant<EipAllowance> | undefined): Violation[] {
  const out: Violation[] = [];
  const byTenant = new Map<string, PolicyInput[]>();
  for (const r of resources.filter(isPoolEip)) {
    const t = tenantOf(r) as string;
    byTenant.set(t, [...(byTenant.get(t) ?? []), r]);
  }
  for (const [tenant, eips] of byTenant) {
    const allowed = settingsFor(config, tenant);
    if (!allowed) continue;
    for (const r of eips) {
      const pool = r.props?.spec?.externalSubnet;
      if (allowed.pools && !allowed.pools.includes(pool))
        out.push({
          urn: r.urn,
          message: `tenant ${tenant}: EIP ${nameOf(r)} takes its address from pool ${pool}; allowed pools: ${list(allowed.pools)}`,
        });
    }
    if (allowed.maxEips !== undefined && eips.length > allowed.maxEips) {
      const names = eips.map(nameOf).sort();
      for (const r of eips)
        out.push({
          urn: r.urn,
          message: `tenant ${tenant}: ${eips.length} EIPs (${names.join(", ")}); at most ${allowed.maxEips} allowed`,
        });
    }
  }
  return out;
}

/** Public DNAT only on the tenant's allowed protocols and external ports. */
export function checkDnatPorts(r: PolicyInput, config: PerTenant<DnatAllowance> | undefined): Violation[] {
  const tenant = tenantOf(r);
  if (r.type !== TYPES.dnat || !tenant) return [];
  const allowed = settingsFor(config, tenant);
  if (!allowed) return [];
  const s = r.props?.spec ?? {};
  const protocol = String(s.protocol ?? "").toLowerCase();
  const port = Number(s.externalPort);
  const out: Violation[] = [];
  const what = `tenant ${tenant}: DNAT ${nameOf(r)} (${protocol} port ${s.externalPort} -> ${s.internalIp}:${s.internalPort})`;
  if (allowed.protocols && !allowed.protocols.map((p) => p.toLowerCase()).includes(protocol))
    out.push({ urn: r.urn, message: `${what}: protocol ${protocol} not allowed; allowed: ${list(allowed.protocols)}` });
  if (allowed.ports && !allowed.ports.some((p) => portMatches(p, port)))
    out.push({
      urn: r.urn,
      message: `${what}: public port ${s.externalPort} not allowed; allowed: ${list(allowed.ports.map(String))}`,
    });
  return out;
}

function portMatches(allowed: number | string, port: number): boolean {
  if (!Number.isInteger(port)) return false;
  const [first, last = first] = String(allowed).split("-").map(Number);
  return port >= first && port <= last;
}

/** Every CIDR of a tenant's subnet inside one of the tenant's supernets of the same family. */
export function checkSubnetSupernets(r: PolicyInput, config: PerTenant<Supernets> | undefined): Violation[] {
  const tenant = tenantOf(r);
  if (r.type !== TYPES.subnet || !tenant) return [];
  const supernets = settingsFor(config, tenant);
  if (!supernets) return [];
  const bad = supernets.filter((c) => !parseCidr(c));
  if (bad.length)
    return [{ urn: r.urn, message: `tenant ${tenant}: the policy's supernets ${list(bad)} are not CIDRs` }];
  const parsed = supernets.map(parseCidr) as Cidr[];
  const block = r.props?.spec?.cidrBlock;
  const cidrs = parseCidrList(block) ?? [];
  const outside = cidrs.filter(
    (c) => !parsed.some((s) => s.family === c.family && s.first <= c.first && c.last <= s.last),
  );
  if (!outside.length && cidrs.length) return [];
  return [
    {
      urn: r.urn,
      message: `tenant ${tenant}: subnet ${nameOf(r)} ${block} is not inside the tenant's supernets (${list(supernets)})`,
    },
  ];
}

function list(items: string[]): string {
  return items.length ? items.join(", ") : "none";
}

/** The policies' names, as `--policy-pack-config` files and the reports use them. */
export const POLICY = {
  eips: "tenant-eip-pools",
  dnat: "tenant-dnat-ports",
  subnets: "tenant-subnet-supernets",
  disruption: "disruptive-change-approval",
} as const;
