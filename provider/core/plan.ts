/** The planner's output: plain Kubernetes objects plus how Pulumi must treat them. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: { [key: string]: string };
  annotations?: { [key: string]: string };
}

export interface PlannedObject {
  /** Stable logical id within its plan, e.g. `subnet/app`; it names the Pulumi resource. */
  id: string;
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: { [key: string]: unknown };
  data?: { [key: string]: string };
  /**
   * The object exists already and is owned by someone else (a pre-existing namespace, the
   * ConfigMaps a Kube-OVN install ships): we only apply our fields to it, never create or delete it.
   */
  patch?: boolean;
  /** Fields upstream ignores or freezes after creation: a change must replace the object. */
  replaceOnChanges?: string[];
  /** Ids (in the same plan) that must exist before this object and be deleted after it. */
  dependsOn: string[];
  /**
   * Ids (in the same plan) whose replacement replaces this object too: it is deleted before them and
   * created after them. For objects that name another by something a replacement keeps (a NAT rule
   * names its EIP, whose address the controller will not release while the rule exists).
   */
  replacedWith?: string[];
  /**
   * A replacement creates the new object before it deletes the old one. Only for an object whose
   * replacement always comes with a new name (the Vpc: its spec changes are updates); every other
   * object keeps its name through a replacement, so the old one is deleted first.
   */
  createBeforeReplace?: boolean;
}

export const API = {
  kubeovn: "kubeovn.io/v1",
  nad: "k8s.cni.cncf.io/v1",
  core: "v1",
};

/** Object ids in creation order: every object after the objects it depends on or is replaced with. */
export function creationOrder(objects: PlannedObject[]): string[] {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string, trail: string[]) => {
    if (done.has(id)) return;
    if (trail.includes(id)) throw new Error(`dependency cycle: ${[...trail, id].join(" -> ")}`);
    const obj = byId.get(id);
    if (!obj) throw new Error(`unknown dependency ${id}`);
    for (const dep of [...obj.dependsOn, ...(obj.replacedWith ?? [])]) visit(dep, [...trail, id]);
    done.add(id);
    order.push(id);
  };
  for (const o of objects) visit(o.id, []);
  return order;
}

/**
 * For each object, every id whose replacement replaces it, directly or through others, in creation
 * order. Pulumi's `replaceWith` orders deletions only against the resources it names: a rule
 * replaced with its EIP, itself replaced with its gateway, would be deleted after the EIP unless
 * it names the gateway too.
 */
export function replacementClosure(objects: PlannedObject[]): Map<string, string[]> {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const rank = new Map(creationOrder(objects).map((id, i) => [id, i]));
  const memo = new Map<string, Set<string>>();
  const reach = (id: string, trail: string[]): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    if (trail.includes(id)) throw new Error(`replacement cycle: ${[...trail, id].join(" -> ")}`);
    const out = new Set<string>();
    for (const target of byId.get(id)?.replacedWith ?? []) {
      if (!byId.has(target)) throw new Error(`${id} is replaced with unknown object ${target}`);
      out.add(target);
      for (const t of reach(target, [...trail, id])) out.add(t);
    }
    memo.set(id, out);
    return out;
  };
  const closure = new Map<string, string[]>();
  for (const o of objects) {
    const targets = [...reach(o.id, [])].sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number));
    closure.set(o.id, targets);
  }
  return closure;
}
