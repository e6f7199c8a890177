/**
 * The fleet file: the cluster network and every tenant in one YAML document, checked for unknown
 * keys against fleet.schema.json (generated from the components' types; editors can use it too) and
 * with the planning core (every problem, naming tenant, field and value) before any stack is touched.
 *
 *   project: kubeovn-tenants      # optional: Pulumi project of the tenant stacks
 *   cluster: { interconnect, eipPools, natGateway }   # ClusterNetworkSpec
 *   tenants: [ { tenant: acme, namespaces, subnets, ... } ]   # TenantSpec each
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { type ClusterNetworkSpec, PlanError, Problems, type TenantSpec, planFleet } from "../core";
import { PROJECT_NAME } from "../core/strict-keys";
import { inputKeys } from "../input-schema";

export interface Fleet {
  /** Pulumi project of the tenant stacks; the cluster stack lives in `<project>-cluster`. */
  project: string;
  cluster: ClusterNetworkSpec;
  tenants: TenantSpec[];
}

export const DEFAULT_PROJECT = "kubeovn-tenants";

/** Parses and validates a fleet document; throws a PlanError listing every problem. */
export function parseFleet(text: string, source: string, opts: { validate?: boolean } = {}): Fleet {
  const p = new Problems();
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) p.add(source, undefined, `is not valid YAML: ${e.message.split("\n")[0]}`);
    p.throwIfAny(`fleet file ${source}`);
  }
  const raw = doc.toJS();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    p.add("(document)", raw, "must be a mapping with keys cluster and tenants");
    p.throwIfAny(`fleet file ${source}`);
  }
  const validate = opts.validate !== false;
  // Unknown keys at any depth, against the JSON Schema generated from the components' types.
  if (validate) inputKeys().check(p, raw);
  const project = raw.project ?? DEFAULT_PROJECT;
  if (typeof project !== "string" || !PROJECT_NAME.test(project))
    p.add("project", project, "must be a Pulumi project name (letters, digits, '-', '_', '.')");
  if (raw.cluster === undefined)
    p.add("cluster", undefined, "is required: the cluster network (interconnect, eipPools, natGateway)");
  if (!Array.isArray(raw.tenants)) p.add("tenants", raw.tenants, "must be a list of tenants");
  const fleet: Fleet = { project, cluster: raw.cluster, tenants: raw.tenants };
  // The file's own problems and the plan's are reported together.
  if (validate && raw.cluster !== undefined && Array.isArray(raw.tenants)) {
    try {
      planFleet(fleet.cluster, fleet.tenants);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      p.list.push(...e.problems);
    }
  }
  p.throwIfAny(`fleet file ${source}`);
  return fleet;
}

export function loadFleet(file: string): Fleet {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new PlanError(`fleet file ${file}`, [
      { path: "(file)", value: file, message: `cannot be read: ${(e as Error).message}` },
    ]);
  }
  return parseFleet(text, file);
}

/**
 * The fleet `file` as it was in `base`: a file path, or a git revision (the same path at that
 * commit). A file that did not exist at that revision is an empty fleet. Not validated: the old
 * version only serves the comparison.
 */
export function loadBaseFleet(file: string, base: string): Fleet | undefined {
  if (fs.existsSync(base) && fs.statSync(base).isFile())
    return parseFleet(fs.readFileSync(base, "utf8"), base, { validate: false });
  const dir = path.dirname(path.resolve(file));
  let text: string;
  try {
    text = execFileSync("git", ["-C", dir, "show", `${base}:./${path.basename(file)}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (/does not exist in|exists on disk, but not in/.test(stderr)) return undefined;
    throw new Error(
      `--changed-only ${base}: neither a file nor a git revision holding ${file}: ${stderr.trim() || (e as Error).message}`,
    );
  }
  return parseFleet(text, `${base}:${file}`, { validate: false });
}

/** Stable JSON: object keys sorted, so key order in the file never counts as a change. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

export interface FleetDiff {
  clusterChanged: boolean;
  /** Tenants new in, or changed in, the current file. */
  tenants: string[];
  /** Tenants the base had and the current file no longer has (their stacks are left alone; see `destroy`). */
  removed: string[];
}

/** What differs between two versions of a fleet file. The cluster section feeds every tenant, so its change touches all. */
export function diffFleets(base: Fleet | undefined, head: Fleet): FleetDiff {
  const before = new Map((base?.tenants ?? []).map((t) => [t.tenant, canonical(t)]));
  const clusterChanged = !base || canonical(base.cluster) !== canonical(head.cluster);
  const tenants = head.tenants
    .filter((t) => clusterChanged || before.get(t.tenant) !== canonical(t))
    .map((t) => t.tenant);
  const current = new Set(head.tenants.map((t) => t.tenant));
  return { clusterChanged, tenants, removed: [...before.keys()].filter((n) => !current.has(n)) };
}
