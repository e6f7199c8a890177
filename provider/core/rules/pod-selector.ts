/** The rule of every pod selector (security groups, API-server access): which pods we annotate. */
import type { Problems } from "../errors";
import { podSelectorProblems } from "../pod-selector";
import { ruleSet } from "./rule";

export const podSelectorRules = ruleSet("Namespace", {
  "pods.podSelector": {
    field: "securityGroups[].podSelector, apiServerAccessPodSelector, namespaces[].apiServerAccessPodSelector",
    refuses: "a selector Kubernetes' LabelSelector rules refuse",
    upstream:
      "not a Kube-OVN field: it selects the pods whose annotations we set; checked as apimachinery's LabelSelectorAsSelector would",
  },
});

/** A pod selector's problems (Kubernetes LabelSelector rules), under `path`. */
export function checkPodSelector(p: Problems, path: string, selector: unknown): void {
  if (selector === undefined) return;
  for (const x of podSelectorProblems(selector, false))
    podSelectorRules.refuse(p, "pods.podSelector", x.path ? `${path}.${x.path}` : path, x.value, x.message);
}
