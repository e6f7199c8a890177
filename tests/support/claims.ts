/** An in-memory claim store with the API server's rule: a name is created once, the second create is refused. */
import { type AddressClaim, claimName } from "../../provider/core";
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
