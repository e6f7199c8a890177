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
}

export const API = {
  kubeovn: "kubeovn.io/v1",
  nad: "k8s.cni.cncf.io/v1",
  core: "v1",
};

/** Object ids in creation order: every object after the objects it depends on. */
export function creationOrder(objects: PlannedObject[]): string[] {
  const byId = new Map(objects.map((o) => [o.id, o]));
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string, trail: string[]) => {
    if (done.has(id)) return;
    if (trail.includes(id)) throw new Error(`dependency cycle: ${[...trail, id].join(" -> ")}`);
    const obj = byId.get(id);
    if (!obj) throw new Error(`unknown dependency ${id}`);
    for (const dep of obj.dependsOn) visit(dep, [...trail, id]);
    done.add(id);
    order.push(id);
  };
  for (const o of objects) visit(o.id, []);
  return order;
}
