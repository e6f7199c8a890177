/**
 * How a TenantNetwork gets its addresses and what it reads from the cluster. The reads are shared
 * by every component of a program run that targets the same cluster: one list of address claims,
 * one of tenant namespaces and one snapshot of what a plan can clash with
 * (provider/kube/cluster-snapshot.ts), whatever the number of tenants. At preview a tenant plans
 * against those claims (read only), so the preview shows the addresses `up` will give; at `up` it
 * claims them before any object is declared (provider/kube/claims.ts), re-reading the claims after a
 * lost race, so sharing the first read costs no safety.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type AddressClaim,
  type AddressClaims,
  CLAIM_NAMESPACE,
  type ClusterSnapshot,
  PlanError,
  type TenantPlan,
  claimsByRange,
  externalHolders,
  mergeClaims,
  plannedClaims,
} from "../core";
import { adoptedSnapshot } from "../core/adopt";
import { type ClaimStore, KubeClaimStore, claimPlan } from "../kube/claims";
import { readClusterSnapshot } from "../kube/cluster-snapshot";
import { namespaceOwners } from "../kube/namespace-owners";

export type ClaimStoreFactory = (kubeconfig: string) => ClaimStore;

/** One client per cluster and credentials: the store holds no state of its own. */
const kubeStores = new Map<string, KubeClaimStore>();
const kubeStore: ClaimStoreFactory = (kubeconfig) => {
  const s = kubeStores.get(kubeconfig) ?? new KubeClaimStore(kubeconfig);
  kubeStores.set(kubeconfig, s);
  return s;
};
let storeFor: ClaimStoreFactory = kubeStore;
let snapshotFor: (kubeconfig: string) => Promise<ClusterSnapshot> = readClusterSnapshot;
let ownersFor: (kubeconfig: string) => Promise<Map<string, string>> = (k) => namespaceOwners(k);

/** Replaces where claims are kept (unit tests under Pulumi mocks use an in-memory store). */
export function useClaimStore(factory: ClaimStoreFactory): void {
  storeFor = factory;
}

/** Replaces the cluster reads (unit tests under Pulumi mocks); `undefined` restores the real ones. */
export function useClusterReads(
  reads: {
    snapshot: (kubeconfig: string) => Promise<ClusterSnapshot>;
    owners: (kubeconfig: string) => Promise<Map<string, string>>;
  } = { snapshot: readClusterSnapshot, owners: (k) => namespaceOwners(k) },
): void {
  snapshotFor = reads.snapshot;
  ownersFor = reads.owners;
  runs = new WeakMap();
}

/** The claims a program run read from one claim store (one per cluster and credentials), shared by its tenants. */
interface ClaimReads {
  listed?: Promise<AddressClaim[]>;
  /** Addresses planned by this run's tenants so far: the next tenant plans around them, so no two tenants of one program race each other for an address. */
  planned: AddressClaim[];
}

/** What else a program run read from one cluster (by kubeconfig), shared by its components. */
interface ClusterReads {
  snapshot?: Promise<ClusterSnapshot>;
  owners?: Promise<Map<string, string>>;
}

/**
 * Reads per program run (its stack resource; in the provider plugin, which serves one deployment,
 * the process) and per preview or update.
 */
interface RunReads {
  claims: WeakMap<ClaimStore, ClaimReads>;
  cluster: Map<string, ClusterReads>;
}
let runs = new WeakMap<object, Map<string, RunReads>>();
const NO_STACK = {};

function runReads(): RunReads {
  const run = pulumi.runtime.getStackResource() ?? NO_STACK;
  const phases = runs.get(run) ?? new Map<string, RunReads>();
  runs.set(run, phases);
  const phase = pulumi.runtime.isDryRun() ? "preview" : "update";
  const r = phases.get(phase) ?? { claims: new WeakMap(), cluster: new Map() };
  phases.set(phase, r);
  return r;
}

function clusterReads(kubeconfig: string): ClusterReads {
  const { cluster } = runReads();
  const r = cluster.get(kubeconfig) ?? {};
  cluster.set(kubeconfig, r);
  return r;
}

/** The cluster's Subnets, address holders and service range, read once per run and cluster. */
export function clusterSnapshot(kubeconfig: string): Promise<ClusterSnapshot> {
  const reads = clusterReads(kubeconfig);
  reads.snapshot ??= snapshotFor(kubeconfig).catch(
    (err): ClusterSnapshot => ({ skipped: [`the cluster could not be read: ${(err as Error)?.message ?? err}`] }),
  );
  return reads.snapshot;
}

/** Namespace -> owning tenant in the cluster, read once per run and cluster. */
export function clusterNamespaceOwners(kubeconfig: string): Promise<Map<string, string>> {
  const reads = clusterReads(kubeconfig);
  reads.owners ??= ownersFor(kubeconfig);
  return reads.owners;
}

export async function tenantAddresses(
  component: string,
  kubeconfig: string,
  ranges: string[],
  plan: (claims: AddressClaims) => TenantPlan,
  adopted: { kind: string; name: string }[] = [],
): Promise<{ plan: TenantPlan; claims: AddressClaim[] }> {
  const store = storeFor(kubeconfig);
  const { claims: byStore } = runReads();
  const reads = byStore.get(store) ?? { planned: [] };
  byStore.set(store, reads);
  const fail = (what: string, err: unknown): never => {
    // A plan error (bad input, address held by another tenant) is the message itself.
    if (err instanceof PlanError) throw err;
    throw new Error(
      `${component}: cannot ${what} address claims (Leases in namespace ${CLAIM_NAMESPACE}) with the Kubernetes provider's credentials: ${(err as Error)?.message ?? err}`,
    );
  };
  reads.listed ??= store.list();
  const [listed, snapshot] = await Promise.all([
    reads.listed.catch((err) => fail("read", err)),
    clusterSnapshot(kubeconfig),
  ]);
  // Lowest first: addresses cluster objects hold without a claim, the addresses this run's other
  // tenants planned, then the claims (on a re-read after a lost race, the fresh ones).
  // The EIPs the tenant adopts hold their addresses for it: those become its claims.
  const outside = externalHolders(adoptedSnapshot(snapshot, adopted), listed, ranges);
  const planAround = (claims: AddressClaims): TenantPlan => {
    const p = plan(mergeClaims(mergeClaims(outside, claimsByRange(reads.planned)), claims));
    reads.planned.push(...plannedClaims(p));
    return p;
  };
  if (pulumi.runtime.isDryRun()) {
    const p = planAround(claimsByRange(listed));
    return { plan: p, claims: plannedClaims(p) };
  }
  // The run's one list serves the first round; after a lost race claimPlan lists again.
  let first = true;
  const shared: ClaimStore = {
    list: () => {
      if (!first) return store.list();
      first = false;
      return Promise.resolve(listed);
    },
    claim: (c) => store.claim(c),
  };
  return claimPlan(shared, planAround).catch((err) => fail("make", err));
}
