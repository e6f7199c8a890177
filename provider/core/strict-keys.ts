/**
 * Strict input: a key the spec types (spec.ts) do not declare is refused, naming its path and the
 * nearest valid key, never ignored. The valid keys come from one place: the Pulumi schema that
 * `npm run schema` infers from spec.ts (provider/schema.json), turned here into a JSON Schema
 * (provider/fleet/fleet.schema.json) that checks the fleet file, the component args of every language,
 * and serves editors.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import type { Problems } from "./errors";
import { liveNameRules } from "./rules/live-cluster";

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema nodes are open-ended objects.
type JsonSchema = { [k: string]: any };

interface PulumiProperty {
  type?: string;
  $ref?: string;
  items?: PulumiProperty;
  additionalProperties?: PulumiProperty;
  plain?: boolean;
  description?: string;
}
interface PulumiObjectType {
  type: string;
  properties?: { [k: string]: PulumiProperty };
  required?: string[];
  enum?: { value: unknown; description?: string }[];
  description?: string;
}
/** The parts of a Pulumi package schema (provider/schema.json) this module reads. */
export interface PulumiSchema {
  resources: {
    [token: string]: {
      isComponent?: boolean;
      description?: string;
      inputProperties?: { [k: string]: PulumiProperty };
      requiredInputs?: string[];
    };
  };
  types: { [token: string]: PulumiObjectType };
}

/** The component args that are not part of the spec a fleet file holds (the fleet tool supplies them). */
const COMPONENT_ONLY: { [component: string]: string[] } = {
  ClusterNetwork: ["teardown"],
  TenantNetwork: ["cluster", "teardown"],
};
/** The definition the fleet file's `cluster` and each of its `tenants` are checked against. */
const SPEC_OF: { [component: string]: string } = { ClusterNetwork: "ClusterNetworkSpec", TenantNetwork: "TenantSpec" };

/** A Pulumi project name: the fleet file's `project`. */
export const PROJECT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export const FLEET_SCHEMA_ID = "https://github.com/pulumi-kubeovn/pulumi-kubeovn/provider/fleet/fleet.schema.json";
const PREFIX = "kubeovn:index:";
const shortName = (token: string) => token.slice(token.lastIndexOf(":") + 1);

/**
 * The JSON Schema (draft-07) of the fleet file, with a definition for each component's args
 * (`<Component>Args`) and each type of the Pulumi schema. Every object is closed
 * (additionalProperties false) except maps. An Input property (a value that may be a Pulumi
 * output, e.g. TenantNetwork's `cluster`) is described but not constrained: it is not plain data.
 */
export function inputJsonSchema(pulumi: PulumiSchema): JsonSchema {
  const definitions: JsonSchema = {};
  const property = (p: PulumiProperty, top: boolean): JsonSchema => {
    const doc = top && p.description ? { description: p.description } : {};
    if (top && p.plain !== true) return doc;
    if (p.$ref) {
      if (!p.$ref.startsWith(`#/types/${PREFIX}`)) throw new Error(`inputJsonSchema: foreign type ${p.$ref}`);
      return { ...doc, $ref: `#/definitions/${shortName(p.$ref)}` };
    }
    if (p.type === "array") return { ...doc, type: "array", items: property(p.items as PulumiProperty, false) };
    if (p.type === "object")
      return {
        ...doc,
        type: "object",
        additionalProperties: p.additionalProperties ? property(p.additionalProperties, false) : true,
      };
    return { ...doc, type: p.type };
  };
  const object = (
    description: string | undefined,
    props: { [k: string]: PulumiProperty },
    required: string[],
    omit: string[] = [],
  ): JsonSchema => {
    const kept = Object.entries(props).filter(([k]) => !omit.includes(k));
    return {
      ...(description ? { description } : {}),
      type: "object",
      properties: Object.fromEntries(kept.map(([k, p]) => [k, property(p, true)])),
      required: required.filter((k) => !omit.includes(k)),
      additionalProperties: false,
    };
  };
  for (const [token, r] of Object.entries(pulumi.resources)) {
    if (!r.isComponent) continue;
    const name = shortName(token);
    const props = r.inputProperties ?? {};
    const required = r.requiredInputs ?? [];
    definitions[`${name}Args`] = object(r.description, props, required);
    if (SPEC_OF[name]) definitions[SPEC_OF[name]] = object(r.description, props, required, COMPONENT_ONLY[name]);
  }
  for (const [token, t] of Object.entries(pulumi.types)) {
    if (!token.startsWith(PREFIX)) continue;
    definitions[shortName(token)] = t.enum
      ? {
          ...(t.description ? { description: t.description } : {}),
          type: t.type,
          enum: t.enum.map((e) => e.value),
        }
      : object(t.description, t.properties ?? {}, t.required ?? []);
  }
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: FLEET_SCHEMA_ID,
    title: "kubeovn-tenants fleet file",
    description:
      "The cluster network and every tenant, as the ClusterNetwork and TenantNetwork components take them. Generated by `npm run schema` from the same types as the components' schema.",
    type: "object",
    properties: {
      project: {
        description: "Pulumi project of the tenant stacks; the cluster stack lives in `<project>-cluster`.",
        type: "string",
        pattern: PROJECT_NAME.source,
      },
      cluster: { description: "The cluster network.", $ref: "#/definitions/ClusterNetworkSpec" },
      tenants: { description: "Every tenant.", type: "array", items: { $ref: "#/definitions/TenantSpec" } },
    },
    required: ["cluster", "tenants"],
    additionalProperties: false,
    definitions,
  };
}

/** Each item of a list is named by its `name` (or `tenant`), as every other message names it. */
function segment(container: unknown, key: string): string {
  if (!Array.isArray(container)) return `.${key}`;
  const it = container[Number(key)];
  const name = it && typeof it === "object" ? (it.name ?? it.tenant) : undefined;
  return `[${typeof name === "string" && name !== "" ? name : key}]`;
}

/** `tenants[acme].subnets[app]` from ajv's `/tenants/0/subnets/1`, relative to `prefix`. */
function pathOf(root: unknown, pointer: string, prefix: string): string {
  let out = prefix;
  let at: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const s = segment(at, key);
    out = out === "" && s.startsWith(".") ? s.slice(1) : `${out}${s}`;
    at = (at as { [k: string]: unknown } | undefined)?.[key];
  }
  return out;
}

/**
 * The valid key `key` is most likely a slip for: the same but for case, one a prefix of the other
 * (`adopted`, `adopt`), or a few edits away (one per four letters), so `tier` suggests nothing.
 */
export function nearestKey(key: string, valid: string[]): string | undefined {
  if (valid.length === 0) return undefined;
  const lower = key.toLowerCase();
  const sameCase = valid.find((v) => v.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const prefix = valid.find((v) => Math.min(v.length, key.length) >= 4 && (v.startsWith(key) || key.startsWith(v)));
  if (prefix) return prefix;
  const best = closest(key, valid);
  return distance(key, best) <= Math.max(1, Math.floor(best.length / 4)) ? best : undefined;
}

/** Checks values against the definitions of an input JSON Schema, for unknown keys only. */
export class KeyChecker {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schema: JsonSchema) {
    // allErrors: every unknown key at once; verbose: the failing node's schema, for the valid keys.
    this.ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    this.ajv.addSchema(schema);
  }

  private validator(definition?: string): ValidateFunction {
    const ref = definition ? `${this.schema.$id}#/definitions/${definition}` : this.schema.$id;
    let v = this.compiled.get(ref);
    if (!v) {
      v = this.ajv.getSchema(ref);
      if (!v) throw new Error(`no definition ${definition} in the input schema`);
      this.compiled.set(ref, v);
    }
    return v;
  }

  /**
   * Adds a problem for every key of `value` (at any depth) that `definition` (the whole document
   * without one) does not declare, with the path under `prefix` and the nearest valid key. Other
   * schema violations (types, required fields) are left to the planner's checks, which say more.
   */
  check(p: Problems, value: unknown, definition?: string, prefix = ""): void {
    const validate = this.validator(definition);
    if (validate(value)) return;
    for (const e of (validate.errors ?? []) as ErrorObject[]) {
      if (e.keyword !== "additionalProperties") continue;
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const valid = Object.keys((e.parentSchema as JsonSchema)?.properties ?? {});
      const near = nearestKey(key, valid);
      const where = pathOf(value, e.instancePath, prefix);
      const owner = (e.data as { [k: string]: unknown }) ?? {};
      liveNameRules.refuse(
        p,
        "input.unknown-key",
        where === "" ? key : `${where}.${key}`,
        owner[key],
        `is not a known key here${near ? `: did you mean "${near}"?` : ""} (known: ${valid.join(", ")})`,
      );
    }
  }
}
