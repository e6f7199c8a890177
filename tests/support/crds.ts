/**
 * Validates objects against the real Kube-OVN CRDs' openAPIV3Schema with a JSON-schema validator.
 * Unknown fields are errors here (every object schema is closed), where the API server would
 * silently prune them: an unknown field is a field we emit that Kube-OVN never reads.
 */
import Ajv, { type ValidateFunction } from "ajv";
import * as fs from "node:fs";
import * as YAML from "yaml";
import { vendoredCrdFiles } from "../../localcluster/crds";

type Schema = { [k: string]: any };

/** Closes every object schema that lists properties and drops Kubernetes-only keywords ajv does not know. */
function strict(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith("x-kubernetes-")) continue;
    out[k] = typeof v === "object" ? strict(v) : v;
  }
  if (
    out.type === "object" &&
    out.properties &&
    out.additionalProperties === undefined &&
    !schema["x-kubernetes-preserve-unknown-fields"]
  ) {
    out.additionalProperties = false;
  }
  return out;
}

export class CrdValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(files: string[]) {
    // Formats (int32, date-time...) describe status fields the API server fills; not ours to check.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    for (const file of files) {
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
        const crd = doc.toJS();
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec.versions) {
          const schema = strict(v.schema.openAPIV3Schema);
          // apiVersion/kind/metadata are checked by the API server, not the CRD schema.
          schema.properties = {
            ...schema.properties,
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
          };
          this.validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
        }
      }
    }
  }

  /** The Kube-OVN and NAD CRDs this repository carries (crds/, the version the toolchain pins). */
  static vendored(): CrdValidator {
    return new CrdValidator(vendoredCrdFiles());
  }

  has(apiVersion: string, kind: string): boolean {
    return this.validators.has(`${apiVersion}/${kind}`);
  }

  /** Error strings for one object; empty when valid. */
  validate(obj: { apiVersion: string; kind: string; [k: string]: unknown }): string[] {
    const v = this.validators.get(`${obj.apiVersion}/${obj.kind}`);
    if (!v) return [`no CRD for ${obj.apiVersion} ${obj.kind}`];
    const kind = obj.kind;
    if (v(obj)) return [];
    return (v.errors ?? []).map(
      (e) =>
        `${kind}: ${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
    );
  }
}
