/**
 * An in-memory claim store with the API server's rule (a name is created once, the second create is
 * refused), and helpers that read and write claims in a real API server.
 */
import * as k8s from "@kubernetes/client-node";
import { type AddressClaim, CLAIM_NAMESPACE, MANAGED_BY, MANAGED_BY_LABEL, claimName } from "../../provider/core";
import { claimNamespaceObject, claimObject } from "../../provider/core/claims";
import type { ClaimStore } from "../../provider/kube/claims";

export class MemoryClaimStore implements ClaimStore {
  readonly claims = new Map<string, AddressClaim>();
  /** Called before each create; a test uses it to let a rival claim the address first. */
  beforeClaim?: (c: AddressClaim) => void;
  creates = 0;
  lists = 0;

  async list(): Promise<AddressClaim[]> {
    this.lists++;
    return [...this.claims.values()];
  }

  async claim(c: AddressClaim): Promise<string> {
    this.beforeClaim?.(c);
    const name = claimName(c.range, c.address);
    const held = this.claims.get(name);
    if (held) return held.holder;
    this.creates++;
    this.claims.set(name, c);
    return c.holder;
  }

  /** Claims an address directly, as another stack would. */
  put(range: string, address: string, holder: string): void {
    this.claims.set(claimName(range, address), { range, address, holder, tenant: holder.split("/")[0] });
  }
}

/** Leases in the claims' namespace (or `namespace`) carrying our label: claim name -> holder. */
export async function claimLeases(kc: k8s.KubeConfig, namespace = CLAIM_NAMESPACE): Promise<Map<string, string>> {
  const list = await kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({
    namespace,
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
  });
  return new Map(list.items.map((l) => [l.metadata?.name as string, l.spec?.holderIdentity as string]));
}

/** Puts claim `c` into the cluster as another stack would (the claims' namespace first, when missing); returns its name. */
export async function putClaim(kc: k8s.KubeConfig, c: AddressClaim): Promise<string> {
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .createNamespace({ body: claimNamespaceObject() as k8s.V1Namespace })
    .catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  const body = claimObject(c);
  await kc.makeApiClient(k8s.CoordinationV1Api).createNamespacedLease({ namespace: CLAIM_NAMESPACE, body });
  return body.metadata.name;
}

/** Removes claim `name` (gone already is fine). */
export async function dropClaim(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .deleteNamespacedLease({ namespace: CLAIM_NAMESPACE, name })
    .catch((err) => {
      if ((err as { code?: number }).code !== 404) throw err;
    });
}
