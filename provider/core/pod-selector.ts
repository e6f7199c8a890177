/**
 * Pod selectors with Kubernetes LabelSelector semantics: which pods of a namespace a piece of pod
 * defaults (API-server access, a security group) applies to. Matching follows apimachinery's
 * labels.Selector (LabelSelectorAsSelector); validation follows its ValidateLabelSelector.
 * Dependency-free on purpose (type imports only): the webhook runs this file from a ConfigMap.
 */
import type { V1LabelSelector } from "@kubernetes/client-node";
import type { PodSelectorSpec } from "./spec";

/** Pod labels, as in a pod's (or pod template's) metadata. */
export type PodLabels = { readonly [key: string]: string } | undefined;

/** A LabelSelector's shape, spelt out so the published declarations do not pull in @kubernetes/client-node's. */
export interface LabelSelector {
  matchLabels?: { [key: string]: string };
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

// The spec's selector is a Kubernetes LabelSelector: this fails to compile if the two ever drift apart.
const _isLabelSelector = (s: PodSelectorSpec): V1LabelSelector => s;
void _isLabelSelector;
const _sameShape = (s: V1LabelSelector): LabelSelector => s;
void _sameShape;

/**
 * Whether a pod with `labels` matches `selector`: every matchLabels pair and every requirement holds
 * (an empty selector matches every pod). NotIn and DoesNotExist hold for a pod without the label,
 * as upstream's Requirement.Matches has it.
 */
export function matchesPodSelector(selector: LabelSelector, labels: PodLabels): boolean {
  const has = (key: string) => labels !== undefined && Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (!has(key) || labels?.[key] !== value) return false;
  for (const r of selector.matchExpressions ?? []) {
    const values = r.values ?? [];
    switch (r.operator) {
      case "In":
        if (!has(r.key) || !values.includes(labels?.[r.key] as string)) return false;
        break;
      case "NotIn":
        if (has(r.key) && values.includes(labels?.[r.key] as string)) return false;
        break;
      case "Exists":
        if (!has(r.key)) return false;
        break;
      case "DoesNotExist":
        if (has(r.key)) return false;
        break;
      default:
        // Unreachable after validation; an unknown operator selects nothing rather than everything.
        return false;
    }
  }
  return true;
}

/** One problem of a selector: the field below the selector, the value found, what is wrong. */
export interface SelectorProblem {
  path: string;
  value: unknown;
  message: string;
}

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];
// apimachinery's util/validation: qualifiedNameFmt, labelValueFmt and DNS1123SubdomainFmt.
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label key (IsQualifiedName), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split("/");
  const name = parts[parts.length - 1];
  if (parts.length > 2)
    return "is not a label key: a name with an optional DNS-subdomain prefix and one '/', e.g. example.com/app";
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix === "") return "is not a label key: the prefix before '/' must not be empty";
    if (prefix.length > 253 || !SUBDOMAIN.test(prefix))
      return `is not a label key: its prefix ${JSON.stringify(prefix)} must be a lowercase DNS subdomain of at most 253 characters`;
  }
  if (name === "") return "is not a label key: the name part must not be empty";
  if (name.length > 63) return "is not a label key: the name part must be at most 63 characters";
  if (!NAME.test(name))
    return "is not a label key: the name part must be alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
}

/** Why `value` is not a label value (IsValidLabelValue), or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return "is not a label value: at most 63 characters";
  if (value !== "" && !NAME.test(value))
    return "is not a label value: empty, or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  return undefined;
}

const isPlainObject = (v: unknown): v is { [k: string]: unknown } => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Every problem of a selector as written, paths relative to it (`matchLabels.app`,
 * `matchExpressions[0].operator`): the rules of upstream's ValidateLabelSelector, plus the shape.
 * Unknown keys are reported unless `unknownKeys` is false (a spec's are, by the strict-input check).
 */
export function podSelectorProblems(selector: unknown, unknownKeys = true): SelectorProblem[] {
  const out: SelectorProblem[] = [];
  const add = (path: string, value: unknown, message: string) => out.push({ path, value, message });
  if (!isPlainObject(selector)) {
    add("", selector, "must be a label selector: {matchLabels?, matchExpressions?}");
    return out;
  }
  for (const k of unknownKeys ? Object.keys(selector) : [])
    if (k !== "matchLabels" && k !== "matchExpressions")
      add(k, selector[k], "is not a field of a pod selector (matchLabels, matchExpressions)");
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined) {
    if (!isPlainObject(matchLabels)) add("matchLabels", matchLabels, "must be a map of label keys to values");
    else
      for (const [key, value] of Object.entries(matchLabels)) {
        const keyProblem = labelKeyProblem(key);
        if (keyProblem) add(`matchLabels.${key}`, key, keyProblem);
        if (typeof value !== "string") add(`matchLabels.${key}`, value, "must be a string");
        else {
          const valueProblem = labelValueProblem(value);
          if (valueProblem) add(`matchLabels.${key}`, value, valueProblem);
        }
      }
  }
  if (matchExpressions !== undefined) {
    if (!Array.isArray(matchExpressions)) add("matchExpressions", matchExpressions, "must be a list of requirements");
    else
      matchExpressions.forEach((r: unknown, i) => {
        const at = `matchExpressions[${i}]`;
        if (!isPlainObject(r)) {
          add(at, r, "must be a requirement: {key, operator, values?}");
          return;
        }
        for (const k of unknownKeys ? Object.keys(r) : [])
          if (k !== "key" && k !== "operator" && k !== "values")
            add(`${at}.${k}`, r[k], "is not a field of a requirement (key, operator, values)");
        if (typeof r.key !== "string") add(`${at}.key`, r.key, "must be a label key");
        else {
          const keyProblem = labelKeyProblem(r.key);
          if (keyProblem) add(`${at}.key`, r.key, keyProblem);
        }
        const values = r.values;
        if (values !== undefined && !(Array.isArray(values) && values.every((v) => typeof v === "string"))) {
          add(`${at}.values`, values, "must be a list of label values");
          return;
        }
        const list = (values ?? []) as string[];
        list.forEach((v, j) => {
          const valueProblem = labelValueProblem(v);
          if (valueProblem) add(`${at}.values[${j}]`, v, valueProblem);
        });
        if (typeof r.operator !== "string" || !OPERATORS.includes(r.operator))
          add(`${at}.operator`, r.operator, `must be one of ${OPERATORS.join(", ")}`);
        else if ((r.operator === "In" || r.operator === "NotIn") && list.length === 0)
          add(`${at}.values`, values, `must name at least one value with operator ${r.operator}`);
        else if ((r.operator === "Exists" || r.operator === "DoesNotExist") && list.length > 0)
          add(`${at}.values`, values, `must be empty with operator ${r.operator}`);
      });
  }
  return out;
}
