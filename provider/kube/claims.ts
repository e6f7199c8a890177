/**
 * Claiming a plan's addresses in the cluster. Each address is one claim object (see
 * provider/core/claims.ts); creating it is atomic, so when two stacks plan the same address only
 * one create succeeds. The other learns the holder, takes the new claims into account and plans
 * again: it never fails for losing a race and never ends up with an address someone else holds.
 * The Kubernetes calls: create, get, list and delete of Leases in the claims' namespace
 * (CLAIM_NAMESPACE), and the create of that namespace when it is missing (see deploy/teardown-clusterrole.yaml).
 */
import * as k8s from "@kubernetes/client-node";
import {
  type AddressClaim,
  CLAIM_NAMESPACE,
  RBAC_FILE,
  claimFromObject,
  claimName,
  claimNamespaceObject,
  claimObject,
  claimsByRange,
  plannedClaims,
} from "../core/claims";
import { MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL } from "../core/names";
import type { AddressClaims, TenantPlan } from "../core/tenant-plan";
import { apiMessage, isConflict, isForbidden, isNotFound } from "./api-errors";
import { apiClient, kubeConfig } from "./client";

/** Where claims live. The Kubernetes one is below; tests use an in-memory one. */
export interface ClaimStore {
  /** Every claim there is now. */
  list(): Promise<AddressClaim[]>;
  /** Creates `c` unless the address is already claimed; returns who holds the address afterwards. */
  claim(c: AddressClaim): Promise<string>;
}

/**
 * Safety net only: every refused round learns at least one holder the previous plan did not know,
 * so the loop ends anyway, at the latest when the range is full (the plan then fails, naming the range).
 */
const MAX_ROUNDS = 100;

/**
 * Plans with every claim in the store and claims what the plan gives; when another holder got one
 * of those addresses first, re-reads the claims and plans again. Claims already held by the same
 * holder are kept, so running again (or after a lost round) is harmless.
 */
export async function claimPlan(
  store: ClaimStore,
  plan: (claims: AddressClaims) => TenantPlan,
): Promise<{ plan: TenantPlan; claims: AddressClaim[] }> {
  let known = await store.list();
  for (let round = 1; ; round++) {
    const p = plan(claimsByRange(known));
    const wanted = plannedClaims(p);
    const refused: AddressClaim[] = [];
    for (const c of wanted) {
      const holder = await store.claim(c);
      if (holder !== c.holder) refused.push({ ...c, holder, tenant: "" });
    }
    if (refused.length === 0) return { plan: p, claims: wanted };
    if (round >= MAX_ROUNDS) {
      throw new Error(
        `address claims: still losing races after ${MAX_ROUNDS} rounds (last: ${refused.map((r) => `${r.range} ${r.address} held by ${r.holder}`).join(", ")})`,
      );
    }
    // A fresh list: it holds the refusals and whatever else others claimed meanwhile.
    const fresh = await store.list();
    const seen = new Set(fresh.map((c) => claimName(c.range, c.address)));
    known = [...fresh, ...refused.filter((r) => !seen.has(claimName(r.range, r.address)))];
  }
}

/** What to apply when the claims' namespace is missing and the identity may not create it. */
const APPLY_HINT = `apply ${RBAC_FILE} (shipped in the pulumi-kubeovn package) once as a cluster admin: it holds the namespace and the Role and binding the claims need`;

/** Claims as Leases in their own namespace (CLAIM_NAMESPACE), through the API server. */
export class KubeClaimStore implements ClaimStore {
  private readonly api: k8s.CoordinationV1Api;
  private readonly core: k8s.CoreV1Api;

  constructor(kubeconfig: string) {
    const kc = kubeConfig(kubeconfig);
    this.api = apiClient(kc, k8s.CoordinationV1Api);
    this.core = apiClient(kc, k8s.CoreV1Api);
  }

  async list(): Promise<AddressClaim[]> {
    // A missing namespace lists as empty: nothing is claimed yet (a preview creates nothing).
    const leases = await this.api
      .listNamespacedLease({ namespace: CLAIM_NAMESPACE, labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` })
      .catch((err) => this.explain(err, "list"));
    return leases.items.map(claimFromObject).filter((c): c is AddressClaim => c !== undefined);
  }

  /**
   * Deletes every claim of `tenant`; returns the names deleted. For claims no Teardown will release:
   * a first `up` that failed after claiming but before its Teardown resource existed.
   */
  async releaseTenant(tenant: string): Promise<string[]> {
    const leases = await this.api
      .listNamespacedLease({
        namespace: CLAIM_NAMESPACE,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY},${TENANT_LABEL}=${tenant}`,
      })
      .catch((err) => this.explain(err, "list"));
    const names = leases.items.map((l) => l.metadata?.name as string);
    for (const name of names) {
      await this.api.deleteNamespacedLease({ namespace: CLAIM_NAMESPACE, name }).catch((err) => {
        if (!isNotFound(err)) return this.explain(err, "delete");
      });
    }
    return names;
  }

  async claim(c: AddressClaim): Promise<string> {
    const name = claimName(c.range, c.address);
    // A claim released between our refused create and our read: try again (a few times at most).
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.api.createNamespacedLease({ namespace: CLAIM_NAMESPACE, body: claimObject(c) as k8s.V1Lease });
        return c.holder;
      } catch (err) {
        // A create refused with 404 means the namespace is missing (the first claim on this cluster).
        if (isNotFound(err)) {
          await this.createNamespace();
          continue;
        }
        if (!isConflict(err)) await this.explain(err, "create");
      }
      try {
        const held = await this.api.readNamespacedLease({ namespace: CLAIM_NAMESPACE, name });
        return held.spec?.holderIdentity ?? "(unknown holder)";
      } catch (err) {
        if (!isNotFound(err)) await this.explain(err, "get");
      }
    }
    throw new Error(`address claims: ${name} keeps appearing and disappearing`);
  }

  /** Creates the claims' namespace; another stack creating it at the same moment is fine. */
  private async createNamespace(): Promise<void> {
    try {
      await this.core.createNamespace({ body: claimNamespaceObject() as k8s.V1Namespace });
    } catch (err) {
      if (isConflict(err)) return;
      if (isForbidden(err))
        throw new Error(
          `namespace ${CLAIM_NAMESPACE}, where address claims live, does not exist and this identity may not create it: ${APPLY_HINT}`,
        );
      throw err;
    }
  }

  /**
   * Rethrows a failed call on the claims; a refusal (403) says what to apply, after looking whether the
   * namespace exists (the least-privilege role may read it; its Role goes with the namespace).
   */
  private async explain(err: unknown, verb: string): Promise<never> {
    if (!isForbidden(err)) throw err;
    const exists = await this.core.readNamespace({ name: CLAIM_NAMESPACE }).then(
      () => true,
      (e) => (isNotFound(e) ? false : undefined),
    );
    const what = `this identity may not ${verb} Leases in namespace ${CLAIM_NAMESPACE}`;
    if (exists === false)
      throw new Error(`${what}: the namespace, where address claims live, does not exist; ${APPLY_HINT}`);
    if (exists === true)
      throw new Error(
        `${what}: bind the identity to Role pulumi-kubeovn-claims there (${RBAC_FILE}) (${apiMessage(err)})`,
      );
    throw new Error(`${what}: ${APPLY_HINT}, and bind the identity to its roles (${apiMessage(err)})`);
  }
}
