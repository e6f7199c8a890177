/**
 * How a TenantNetwork gets its addresses: at preview it plans against the claims in the cluster
 * (read only), so the preview shows the addresses `up` will give; at `up` it claims them before
 * any object is declared (provider/kube/claims.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  type AddressClaim,
  type AddressClaims,
  CLAIM_NAMESPACE,
  PlanError,
  type TenantPlan,
  claimsByRange,
  plannedClaims,
} from "../core";
import { type ClaimStore, KubeClaimStore, claimPlan } from "../kube/claims";

export type ClaimStoreFactory = (kubeconfig: string) => ClaimStore;

let storeFor: ClaimStoreFactory = (kubeconfig) => new KubeClaimStore(kubeconfig);

/** Replaces where claims are kept (unit tests under Pulumi mocks use an in-memory store). */
export function useClaimStore(factory: ClaimStoreFactory): void {
  storeFor = factory;
}

export async function tenantAddresses(
  component: string,
  kubeconfig: string,
  plan: (claims: AddressClaims) => TenantPlan,
): Promise<{ plan: TenantPlan; claims: AddressClaim[] }> {
  const store = storeFor(kubeconfig);
  const fail = (what: string, err: unknown): never => {
    // A plan error (bad input, address held by another tenant) is the message itself.
    if (err instanceof PlanError) throw err;
    throw new Error(
      `${component}: cannot ${what} address claims (Leases in namespace ${CLAIM_NAMESPACE}) with the Kubernetes provider's credentials: ${(err as Error)?.message ?? err}`,
    );
  };
  if (pulumi.runtime.isDryRun()) {
    const known = await store.list().catch((err) => fail("read", err));
    const p = plan(claimsByRange(known));
    return { plan: p, claims: plannedClaims(p) };
  }
  return claimPlan(store, plan).catch((err) => fail("make", err));
}
