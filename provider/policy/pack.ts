/**
 * The tenant guardrails as a CrossGuard policy pack (policy-pack/ in the package loads this module):
 * the rules of rules.ts and disruption.ts, each with its config schema and a default enforcement
 * level that `--policy-pack-config` can change per rule (advisory, mandatory or disabled).
 */
import { execFile } from "node:child_process";
import * as os from "node:os";
import {
  type EnforcementLevel,
  PolicyPack,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { type PriorResource, disruptionMessage, findDisruptions, isApproved } from "./disruption";
import {
  type DnatAllowance,
  type EipAllowance,
  POLICY,
  type PerTenant,
  type PolicyInput,
  type Supernets,
  type Violation,
  checkDnatPorts,
  checkEipPools,
  checkSubnetSupernets,
} from "./rules";

export const PACK_NAME = "kubeovn-tenant-guardrails";

/** A `tenants` map: tenant name (or `*`) -> the rule's settings for it. */
const perTenant = (value: PolicyConfigJSONSchema, description: string): { [k: string]: PolicyConfigJSONSchema } => ({
  tenants: { type: "object", description, additionalProperties: value },
});

const SCHEMAS = {
  eips: perTenant(
    {
      type: "object",
      additionalProperties: false,
      properties: {
        pools: { type: "array", items: { type: "string" }, description: "EIP pools the tenant may use" },
        maxEips: { type: "integer", minimum: 0, description: "at most this many EIPs" },
      },
    },
    "per tenant (or * for the rest): the EIP pools it may take addresses from and how many EIPs it may hold",
  ),
  dnat: perTenant(
    {
      type: "object",
      additionalProperties: false,
      properties: {
        protocols: { type: "array", items: { type: "string", enum: ["tcp", "udp"] } },
        ports: {
          type: "array",
          items: {
            anyOf: [
              { type: "integer", minimum: 1, maximum: 65535 },
              { type: "string", pattern: "^[0-9]{1,5}(-[0-9]{1,5})?$" },
            ],
          } as PolicyConfigJSONSchema,
          description: 'public ports: numbers or "first-last" ranges',
        },
      },
    },
    "per tenant (or * for the rest): the protocols and public ports its DNAT rules may use",
  ),
  subnets: perTenant(
    { type: "array", items: { type: "string" } },
    "per tenant (or * for the rest): the CIDRs every subnet of the tenant must lie inside",
  ),
  disruption: {
    approved: {
      type: "array",
      items: { type: "string" },
      description: 'approved disruptive changes: "*", a tenant, or one object as "<Kind>/<name>" (Subnet/acme-web)',
    },
  },
} satisfies { [k: string]: { [k: string]: PolicyConfigJSONSchema } };

const asInput = (r: { type: string; urn: string; props: Record<string, unknown> }): PolicyInput => ({
  type: r.type,
  urn: r.urn,
  props: r.props,
});

const report = (vs: Violation[], reportViolation: (message: string, urn?: string) => void) => {
  for (const v of vs) reportViolation(v.message, v.urn);
};

/**
 * The stack's last checkpoint, read with the Pulumi CLI from the backend the engine runs on (same
 * environment): the CLI gives its analyzers the stack's organization, project and name. A stack
 * without a checkpoint yet has nothing to disrupt.
 */
export async function readPriorState(env = process.env): Promise<PriorResource[]> {
  const org = env.PULUMI_ORGANIZATION ?? env.PULUMI_NODEJS_ORGANIZATION;
  const project = env.PULUMI_PROJECT ?? env.PULUMI_NODEJS_PROJECT;
  const stack = env.PULUMI_STACK ?? env.PULUMI_NODEJS_STACK;
  if (!project || !stack)
    throw new Error("the engine did not name the stack to the policy pack (PULUMI_PROJECT and PULUMI_STACK are unset)");
  const ref = `${org || "organization"}/${project}/${stack}`;
  const text = await new Promise<string>((resolve, reject) =>
    execFile(
      "pulumi",
      ["stack", "export", "--stack", ref, "--non-interactive"],
      // Outside any project directory, so no Pulumi.yaml nearby changes what the name means.
      { cwd: os.tmpdir(), env, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`pulumi stack export --stack ${ref}: ${stderr.trim() || err.message}`))
          : resolve(stdout),
    ),
  );
  const doc = JSON.parse(text) as { deployment?: { resources?: PriorResource[] } };
  return doc.deployment?.resources ?? [];
}

/** The checkpoint, or why it could not be read. */
export type PriorState = PriorResource[] | Error;

/**
 * The policies. `prior` is the stack's checkpoint from before the operation; `outputs` says the
 * engine hands the stack policy the objects as created (an update) rather than as declared (a preview).
 */
export function guardrailPolicies(
  prior: PriorState,
  outputs = false,
): {
  policies: (ResourceValidationPolicy | StackValidationPolicy)[];
} {
  const mandatory: EnforcementLevel = "mandatory";
  return {
    policies: [
      {
        name: POLICY.eips,
        description: "A tenant's EIPs come only from its allowed pools, at most its allowed number of them.",
        enforcementLevel: mandatory,
        configSchema: { properties: SCHEMAS.eips },
        validateStack: (args, reportViolation) =>
          report(
            checkEipPools(args.resources.map(asInput), args.getConfig<PerTenant<EipAllowance>>()),
            reportViolation,
          ),
      },
      {
        name: POLICY.dnat,
        description: "A tenant's DNAT rules use only its allowed protocols and public ports.",
        enforcementLevel: mandatory,
        configSchema: { properties: SCHEMAS.dnat },
        validateResource: (args, reportViolation) =>
          report(checkDnatPorts(asInput(args), args.getConfig<PerTenant<DnatAllowance>>()), reportViolation),
      },
      {
        name: POLICY.subnets,
        description: "A tenant's subnets lie inside the tenant's assigned supernets.",
        enforcementLevel: mandatory,
        configSchema: { properties: SCHEMAS.subnets },
        validateResource: (args, reportViolation) =>
          report(checkSubnetSupernets(asInput(args), args.getConfig<PerTenant<Supernets>>()), reportViolation),
      },
      {
        name: POLICY.disruption,
        description:
          "No disruptive change (a deleted or replaced namespace, VPC, subnet or NAT gateway, a released or moved EIP) without an approval.",
        enforcementLevel: mandatory,
        configSchema: { properties: SCHEMAS.disruption },
        validateStack: (args, reportViolation) => {
          const approved = args.getConfig<{ approved?: string[] }>().approved ?? [];
          if (prior instanceof Error) {
            // Unknown is not safe: without the last state, no change can be shown harmless.
            reportViolation(`cannot tell which changes are disruptive: ${prior.message}`);
            return;
          }
          const planned = args.resources.map((r: PolicyResource) => ({ ...asInput(r), aliases: r.opts.aliases }));
          for (const d of findDisruptions(prior, planned, outputs))
            if (!isApproved(d, approved)) reportViolation(disruptionMessage(d), d.urn);
        },
      },
    ],
  };
}

/**
 * Starts the pack's server (what the engine talks to); called by policy-pack/index.js. The checkpoint
 * is read first: the engine starts its policy packs before the operation changes anything, so this is
 * the state the operation starts from (during an update the backend's checkpoint moves with it).
 */
export async function serve(env = process.env): Promise<PolicyPack> {
  const prior = await readPriorState(env).catch((e: Error) => e);
  const outputs = (env.PULUMI_DRY_RUN ?? env.PULUMI_NODEJS_DRY_RUN) === "false";
  return new PolicyPack(PACK_NAME, {
    description:
      "Tenant guardrails for Kube-OVN tenant networks: EIP pools and counts, DNAT ports, subnet supernets, approved disruptions.",
    ...guardrailPolicies(prior, outputs),
  });
}
