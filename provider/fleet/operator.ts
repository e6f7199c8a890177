/**
 * `kubeovn-tenants export --operator <dir>`: the fleet as objects of the Pulumi Kubernetes Operator
 * (v2), for a GitOps tool to apply. Per stack one `Program` (pulumi.com/v1: a Pulumi YAML program
 * using this package) and one `Stack` (pulumi.com/v1) that runs it in its own workspace pod.
 *
 * The programs hold what the fleet tool's inline programs compute (stacks.ts): the cluster stack a
 * ClusterNetwork with the fleet's cluster section; each tenant a TenantNetwork with its spec and the
 * cluster facts planCluster(cluster).info, as literals, so a tenant needs no stack reference.
 *
 * Only fields the operator documents are emitted; docs/operator.md lists them with their source.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { Problems, planCluster } from "../core";
import { PUBLISHING } from "../publishing";
import type { Fleet } from "./fleet-file";
import { CLUSTER_STACK } from "./stacks";

export const OPERATOR_API_VERSION = "pulumi.com/v1";
/** The operator release whose CRDs and documentation docs/operator.md was checked against. */
export const OPERATOR_RELEASE = "v2.9.0";

export interface OperatorExportOptions {
  /** Workspace image: the Pulumi CLI, Node.js and this package's plugin at `pluginVersion`, installed. */
  workspaceImage: string;
  /** Stack.spec.backend; unset: the operator's default, Pulumi Cloud. */
  backend?: string;
  /** Stack.spec.secretsProvider; unset: the backend's default (a passphrase on self-managed backends). */
  secretsProvider?: string;
  /** Organization prefixed to the stack names (`<org>/<stack>`), as Pulumi Cloud wants them. */
  organization?: string;
  /** metadata.namespace of every object; unset: the one the applying tool chooses. */
  namespace?: string;
  /** Secret (in the objects' namespace) holding the workspace's credentials, one key per variable. */
  envSecret: string;
  /** Variables taken from that Secret; unset: what the backend needs (see `defaultEnv`). */
  env?: string[];
  /** Service account of the workspace pods: what creates the tenants' objects in the cluster. */
  serviceAccount: string;
  /** Destroy a tenant's network when its Stack object is deleted (never the cluster stack's). */
  destroyOnFinalize?: boolean;
  /** Version of the kubeovn plugin the programs pin; default: this package's. */
  pluginVersion?: string;
}

export const DEFAULT_ENV_SECRET = "kubeovn-tenants-pulumi";
export const DEFAULT_SERVICE_ACCOUNT = "kubeovn-tenants";

/** One Program and the Stack that runs it. */
export interface OperatorStack {
  role: "cluster" | "tenant";
  /** metadata.name of both objects; the Program's name is also the Pulumi project name. */
  name: string;
  program: KubeObject;
  stack: KubeObject;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: { [k: string]: string } };
  [field: string]: unknown;
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// The operator names the workspace's StatefulSet and Service `<stack>-workspace`: a Service name is a DNS-1035 label.
const MAX_STACK_NAME = 63 - "-workspace".length;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_WITH_SCHEME = /^[a-z][a-z0-9+.-]*:\/\/\S*$/;

/** Variables a workspace needs for `backend`: an access token for Pulumi Cloud, else the passphrase unless a secrets provider is set. */
export function defaultEnv(o: Pick<OperatorExportOptions, "backend" | "secretsProvider">): string[] {
  const cloud = !o.backend || /^https?:\/\//.test(o.backend);
  if (cloud) return ["PULUMI_ACCESS_TOKEN"];
  return o.secretsProvider && !o.secretsProvider.startsWith("passphrase") ? [] : ["PULUMI_CONFIG_PASSPHRASE"];
}

export const clusterStackName = (fleet: Fleet) => `${fleet.project}-${CLUSTER_STACK}`;
export const tenantStackName = (fleet: Fleet, tenant: string) => `${fleet.project}-${tenant}`;

/** Checks the options and the names the fleet gives the objects; throws a PlanError listing every problem. */
function check(fleet: Fleet, o: OperatorExportOptions): void {
  const p = new Problems();
  if (typeof o.workspaceImage !== "string" || o.workspaceImage.trim() === "" || /\s/.test(o.workspaceImage))
    p.add("--workspace-image", o.workspaceImage, "must name a container image (with this package's plugin installed)");
  if (o.backend !== undefined && !URL_WITH_SCHEME.test(o.backend))
    p.add("--backend", o.backend, "must be a backend URL such as s3://bucket, file:///state or https://api.pulumi.com");
  if (o.secretsProvider !== undefined && !/^[a-z][a-z0-9+.-]*:/.test(o.secretsProvider))
    p.add("--secrets-provider", o.secretsProvider, "must be a secrets provider URL such as awskms://... or passphrase");
  if (o.organization !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(o.organization))
    p.add("--organization", o.organization, "must be a Pulumi organization name (letters, digits, '-', '_', '.')");
  for (const [flag, value, max] of [
    ["--namespace", o.namespace, 63],
    ["--env-secret", o.envSecret, 253],
    ["--service-account", o.serviceAccount, 253],
  ] as const) {
    if (value === undefined && flag === "--namespace") continue;
    if (typeof value !== "string" || value.length > max || !DNS1123_SUBDOMAIN.test(value))
      p.add(flag, value, "must be a Kubernetes object name (lower-case letters, digits, '-' and '.')");
  }
  for (const v of o.env ?? [])
    if (!ENV_NAME.test(v)) p.add("--env", v, "must be an environment variable name (letters, digits, '_')");
  const names = new Map<string, string>();
  const name = (field: string, value: string, stackName: string) => {
    if (stackName.length > MAX_STACK_NAME || !DNS1035_LABEL.test(stackName))
      p.add(
        field,
        value,
        `gives the Program and Stack name ${JSON.stringify(stackName)}, which must be a DNS-1035 label of at most ${MAX_STACK_NAME} characters (the operator names the workspace's Service <stack>-workspace)`,
      );
    const taken = names.get(stackName);
    if (taken) p.add(field, value, `gives the Program and Stack name ${JSON.stringify(stackName)}, which ${taken} has`);
    names.set(stackName, field);
  };
  name("project", fleet.project, clusterStackName(fleet));
  for (const t of fleet.tenants) name(`tenants[${t.tenant}].tenant`, t.tenant, tenantStackName(fleet, t.tenant));
  p.throwIfAny("kubeovn-tenants export --operator");
}

/** Pulumi YAML interpolates `${...}` in strings; values from the fleet file stay literal. */
function literal(v: unknown): unknown {
  if (typeof v === "string") return v.replace(/\$\{/g, () => "$${");
  if (Array.isArray(v)) return v.map(literal);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return v;
}

/** Plain JSON: undefined fields dropped, as a YAML document carries them. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v));

function metadata(fleet: Fleet, o: OperatorExportOptions, name: string, role: "cluster" | "tenant") {
  return {
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: {
      "app.kubernetes.io/managed-by": "kubeovn-tenants",
      "app.kubernetes.io/part-of": fleet.project,
      "app.kubernetes.io/component": role,
    },
  };
}

function stackObject(
  fleet: Fleet,
  o: OperatorExportOptions,
  name: string,
  stack: string,
  role: "cluster" | "tenant",
): KubeObject {
  const env = o.env ?? defaultEnv(o);
  return {
    apiVersion: OPERATOR_API_VERSION,
    kind: "Stack",
    metadata: metadata(fleet, o, name, role),
    spec: {
      stack: o.organization ? `${o.organization}/${stack}` : stack,
      programRef: { name },
      ...(o.backend ? { backend: o.backend } : {}),
      ...(o.secretsProvider ? { secretsProvider: o.secretsProvider } : {}),
      ...(env.length
        ? {
            envRefs: Object.fromEntries(env.map((v) => [v, { type: "Secret", secret: { name: o.envSecret, key: v } }])),
          }
        : {}),
      serviceAccountName: o.serviceAccount,
      workspaceTemplate: { spec: { image: o.workspaceImage } },
      // Thousands of tenants must not keep thousands of idle workspace pods.
      workspaceReclaimPolicy: "Delete",
      // A tenant runs once the cluster network's stack has succeeded: its EIP pools and interconnect exist.
      ...(role === "tenant" ? { prerequisites: [{ name: clusterStackName(fleet) }] } : {}),
      ...(role === "tenant" && o.destroyOnFinalize ? { destroyOnFinalize: true } : {}),
    },
  };
}

/** The Program and Stack of the cluster stack and of every tenant, in the fleet file's order. */
export function operatorStacks(fleet: Fleet, o: OperatorExportOptions): OperatorStack[] {
  check(fleet, o);
  const version = o.pluginVersion ?? PUBLISHING.version;
  const clusterName = clusterStackName(fleet);
  const info = plain(planCluster(fleet.cluster).info);
  const out: OperatorStack[] = [
    {
      role: "cluster",
      name: clusterName,
      program: {
        apiVersion: OPERATOR_API_VERSION,
        kind: "Program",
        metadata: metadata(fleet, o, clusterName, "cluster"),
        program: {
          resources: {
            [CLUSTER_STACK]: {
              type: "kubeovn:index:ClusterNetwork",
              properties: literal(plain(fleet.cluster)),
              options: { version },
            },
          },
          outputs: { info: `\${${CLUSTER_STACK}.info}` },
        },
      },
      stack: stackObject(fleet, o, clusterName, CLUSTER_STACK, "cluster"),
    },
  ];
  for (const spec of fleet.tenants) {
    const name = tenantStackName(fleet, spec.tenant);
    const ref = (output: string) => `\${${spec.tenant}.${output}}`;
    out.push({
      role: "tenant",
      name,
      program: {
        apiVersion: OPERATOR_API_VERSION,
        kind: "Program",
        metadata: metadata(fleet, o, name, "tenant"),
        program: {
          resources: {
            [spec.tenant]: {
              type: "kubeovn:index:TenantNetwork",
              properties: literal(plain({ ...spec, cluster: info })),
              options: { version },
            },
          },
          outputs: Object.fromEntries(
            ["vpcName", "subnetNames", "interconnectIp", "eipAddresses"].map((k) => [k, ref(k)]),
          ),
        },
      },
      stack: stackObject(fleet, o, name, spec.tenant, "tenant"),
    });
  }
  return out;
}

/**
 * The Pulumi.yaml the operator's workspace runs for a Program: its spec with the Program's name as
 * the project and runtime yaml (programToProject in the operator's program_controller.go).
 */
export function programProject(program: KubeObject): { [k: string]: unknown } {
  return { name: program.metadata.name, runtime: "yaml", ...(program.program as object) };
}

const HEADER = "# Generated by `kubeovn-tenants export --operator`";

/**
 * Writes one file per stack, `<dir>/<name>.yaml` (its Program, then its Stack), and removes files
 * an earlier export wrote for stacks the fleet no longer has. Returns the files written.
 */
export function writeOperatorExport(dir: string, fleet: Fleet, o: OperatorExportOptions, source: string): string[] {
  const stacks = operatorStacks(fleet, o);
  fs.mkdirSync(dir, { recursive: true });
  const written = stacks.map((s) => {
    const file = path.join(dir, `${s.name}.yaml`);
    const docs = [s.program, s.stack].map((x) => YAML.stringify(x, { lineWidth: 0 }));
    fs.writeFileSync(file, `${HEADER} from ${source}; edit the fleet file, not this.\n${docs.join("---\n")}`);
    return file;
  });
  const keep = new Set(written.map((f) => path.basename(f)));
  for (const f of fs.readdirSync(dir))
    if (f.endsWith(".yaml") && !keep.has(f) && fs.readFileSync(path.join(dir, f), "utf8").startsWith(HEADER))
      fs.rmSync(path.join(dir, f));
  return written;
}
