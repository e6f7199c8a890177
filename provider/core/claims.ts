/**
 * Address claims: each address a tenant gets from a shared range (an EIP pool or the interconnect
 * network) is held by one claim object in the cluster, named after the range and the address. The
 * API server creates an object of a given name once and refuses the second create, so two stacks
 * running at the same time can never both hold one address. Pure: naming and what a plan claims;
 * the API calls live in provider/kube/claims.ts.
 */
import { CLAIM_NAMESPACE, INTERCONNECT_SUBNET, MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL } from "./names";
import { addressLabel, parseAddress } from "./net";
import type { ObjectRef } from "./teardown";
import { type AddressClaims, type TenantPlan, allocationKey } from "./tenant-plan";

/** Claims are Leases: small, namespaced, with a holder field, and meaningless to every controller. */
export const CLAIM_API_VERSION = "coordination.k8s.io/v1";
export const CLAIM_KIND = "Lease";
export { CLAIM_NAMESPACE };
/** The deploy file that holds the claims' namespace and the least-privilege roles, as the package ships it. */
export const RBAC_FILE = "deploy/teardown-clusterrole.yaml";
const CLAIM_PREFIX = "kubeovn-claim";
/** Annotations carrying the range and address in readable form (the name is the unique key). */
export const CLAIM_RANGE_ANNOTATION = "pulumi-kubeovn/range";
export const CLAIM_ADDRESS_ANNOTATION = "pulumi-kubeovn/address";

/** One address held by one holder key (`<tenant>/interconnect`, `<tenant>/eip/<name>`). */
export interface AddressClaim {
  range: string;
  /** Canonical address text. */
  address: string;
  holder: string;
  tenant: string;
}

/**
 * `kubeovn-claim.<range>.<address label>`: range names are DNS labels (no dots) and an address
 * label has 4 (IPv4) or 8 (IPv6) dash-separated parts, so different (range, address) pairs never
 * share a name.
 */
export function claimName(range: string, address: string): string {
  const a = parseAddress(address);
  if (!a) throw new Error(`claimName: ${JSON.stringify(address)} is not an address`);
  return `${CLAIM_PREFIX}.${range}.${addressLabel(a)}`;
}

/** Every address the plan gives the tenant, as claims, sorted by claim name. */
export function plannedClaims(plan: TenantPlan): AddressClaim[] {
  const t = plan.tenant;
  const out: AddressClaim[] = [];
  const add = (range: string, address: string | undefined, holder: string) => {
    const a = address ? parseAddress(address) : undefined;
    if (a) out.push({ range, address: a.text, holder, tenant: t });
  };
  for (const a of plan.addresses.interconnectIp ? plan.addresses.interconnectIp.split(",") : [])
    add(INTERCONNECT_SUBNET, a, allocationKey.interconnect(t));
  for (const [name, e] of Object.entries(plan.addresses.eips)) {
    add(e.pool, e.v4ip, allocationKey.eip(t, name));
    add(e.pool, e.v6ip, allocationKey.eip(t, name));
  }
  return out.sort((x, y) => (claimName(x.range, x.address) < claimName(y.range, y.address) ? -1 : 1));
}

/** The claim object for `c`, as the API server stores it. */
export function claimObject(c: AddressClaim): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { holderIdentity: string };
} {
  return {
    apiVersion: CLAIM_API_VERSION,
    kind: CLAIM_KIND,
    metadata: {
      name: claimName(c.range, c.address),
      namespace: CLAIM_NAMESPACE,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [TENANT_LABEL]: c.tenant },
      annotations: { [CLAIM_RANGE_ANNOTATION]: c.range, [CLAIM_ADDRESS_ANNOTATION]: c.address },
    },
    spec: { holderIdentity: c.holder },
  };
}

/**
 * The claims' namespace. It holds the claims of every stack on the cluster, so no stack owns it:
 * the first claim creates it when the identity may (provider/kube/claims.ts), deploy/ carries it for
 * identities that may not, and nothing deletes it. It carries no managed-by label, which marks what
 * a stack creates and destroys.
 */
export function claimNamespaceObject(): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
} {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: CLAIM_NAMESPACE, labels: { "app.kubernetes.io/part-of": MANAGED_BY } },
  };
}

/** Reads a claim object back; undefined for a Lease that is not a well-formed claim of ours. */
export function claimFromObject(o: {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string };
}): AddressClaim | undefined {
  const range = o.metadata?.annotations?.[CLAIM_RANGE_ANNOTATION];
  const address = o.metadata?.annotations?.[CLAIM_ADDRESS_ANNOTATION];
  const holder = o.spec?.holderIdentity;
  if (typeof range !== "string" || typeof address !== "string" || typeof holder !== "string" || !parseAddress(address))
    return undefined;
  if (o.metadata?.name !== claimName(range, address)) return undefined;
  return {
    range,
    address: parseAddress(address)?.text as string,
    holder,
    tenant: o.metadata?.labels?.[TENANT_LABEL] ?? "",
  };
}

/** Where the teardown finds the claim to release it. */
export function claimRef(c: AddressClaim): ObjectRef {
  return {
    apiVersion: CLAIM_API_VERSION,
    kind: CLAIM_KIND,
    name: claimName(c.range, c.address),
    namespace: CLAIM_NAMESPACE,
  };
}

/** Claims as the planner takes them: range -> address -> holder. */
export function claimsByRange(claims: AddressClaim[]): AddressClaims {
  const out: AddressClaims = {};
  for (const c of claims) {
    out[c.range] ??= {};
    out[c.range][c.address] = c.holder;
  }
  return out;
}
