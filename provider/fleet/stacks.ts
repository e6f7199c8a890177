/**
 * The fleet's Pulumi stacks: one per tenant in project `<project>`, and the cluster network in
 * stack `cluster` of project `<project>-cluster`. Programs are inline (they run in this process).
 *
 * Tenant stacks get the cluster facts computed from the fleet file (planCluster(...).info, the
 * same value the cluster stack exports), not through a stack reference: a tenant previews on its
 * own, before the cluster stack exists, and a pull request that edits the cluster section shows the
 * cluster stack's changes and every tenant's consequences in one plan.
 *
 * Backend and secrets come from the user's environment: whatever `pulumi login` or
 * PULUMI_BACKEND_URL selects, PULUMI_CONFIG_PASSPHRASE(_FILE) for passphrase-encrypted stacks.
 */
import * as path from "node:path";
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  PulumiCommand,
  type PulumiFn,
  type Stack,
  type StackSummary,
} from "@pulumi/pulumi/automation";
import { ClusterNetwork } from "../components/ClusterNetwork";
import { TenantNetwork } from "../components/TenantNetwork";
import { type ClusterNetworkSpec, type TenantSpec, planCluster } from "../core";
import { pluginBin } from "../automation/env";
import type { Fleet } from "./fleet-file";

export const CLUSTER_STACK = "cluster";

export interface StackRef {
  /** Stack name: tenant name, or `cluster`. */
  name: string;
  role: "cluster" | "tenant";
  project: string;
}

export const clusterProject = (fleet: Fleet) => `${fleet.project}-cluster`;

export function stackRefs(fleet: Fleet, tenants: string[], withCluster: boolean): StackRef[] {
  const refs: StackRef[] = withCluster
    ? [{ name: CLUSTER_STACK, role: "cluster", project: clusterProject(fleet) }]
    : [];
  return refs.concat(tenants.map((t) => ({ name: t, role: "tenant", project: fleet.project })));
}

function tenantProgram(spec: TenantSpec, cluster: ClusterNetworkSpec): PulumiFn {
  return async () => {
    const net = new TenantNetwork(spec.tenant, { ...spec, cluster: planCluster(cluster).info });
    return {
      vpcName: net.vpcName,
      subnetNames: net.subnetNames,
      interconnectIp: net.interconnectIp,
      eipAddresses: net.eipAddresses,
    };
  };
}

function clusterProgram(spec: ClusterNetworkSpec): PulumiFn {
  return async () => ({ info: new ClusterNetwork("cluster", spec).info });
}

/** A do-nothing program: enough to destroy, refresh or inspect a stack whose tenant left the file. */
const emptyProgram: PulumiFn = async () => ({});

/** Environment of the Pulumi CLI runs: the user's, plus our provider plugin on PATH and no update checks. */
export function workspaceEnv(): { [k: string]: string } {
  return {
    PATH: [pluginBin, ...(process.env.PATH ?? "").split(path.delimiter).filter((d) => d && d !== pluginBin)].join(
      path.delimiter,
    ),
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
  };
}

/**
 * One Pulumi CLI handle for all stacks: without it every workspace runs `pulumi version` first, a
 * tenth of a fleet plan's CPU time per stack. Keyed by PATH, which decides which `pulumi` runs.
 */
const commands = new Map<string, Promise<PulumiCommand>>();
function pulumiCommand(): Promise<PulumiCommand> {
  const key = process.env.PATH ?? "";
  if (!commands.has(key))
    commands.set(
      key,
      PulumiCommand.get({ skipVersionCheck: true }).catch((e) => {
        commands.delete(key);
        throw e;
      }),
    );
  return commands.get(key)!;
}

/** Opens (creating if asked) the stack `ref` with the program the fleet file gives it. */
export async function openStack(fleet: Fleet, ref: StackRef, opts: { create: boolean }): Promise<Stack> {
  const spec = ref.role === "tenant" ? fleet.tenants.find((t) => t.tenant === ref.name) : undefined;
  const program =
    ref.role === "cluster" ? clusterProgram(fleet.cluster) : spec ? tenantProgram(spec, fleet.cluster) : emptyProgram;
  const args = { stackName: ref.name, projectName: ref.project, program };
  const envVars = workspaceEnv();
  // The engine finds `pulumi-resource-kubeovn` on PATH; inline programs resolve plugins in this process.
  process.env.PATH = envVars.PATH;
  const ws = { envVars, pulumiCommand: await pulumiCommand() };
  return opts.create ? LocalWorkspace.createOrSelectStack(args, ws) : LocalWorkspace.selectStack(args, ws);
}

/** Every stack of a project on the current backend. */
export async function listStacks(project: string): Promise<StackSummary[]> {
  const ws = await LocalWorkspace.create({
    projectSettings: { name: project, runtime: "nodejs" },
    envVars: workspaceEnv(),
    pulumiCommand: await pulumiCommand(),
  });
  return ws.listStacks();
}

/** Whether a stack exists on the backend. */
export async function stackExists(ref: StackRef): Promise<boolean> {
  return (await listStacks(ref.project)).some((s) => s.name === ref.name || s.name.endsWith(`/${ref.name}`));
}

export function isLockError(e: unknown): boolean {
  return (
    e instanceof ConcurrentUpdateError ||
    /\blocked by\b|currently locked|conflict: Another update is currently in progress/i.test(
      String((e as Error)?.message ?? e),
    )
  );
}

/** The command that removes a stack's lock; works from any directory (organization: the file backend's, or yours on Pulumi Cloud). */
export function cancelCommand(ref: StackRef): string {
  return `pulumi cancel --yes --stack organization/${ref.project}/${ref.name}`;
}

/** How to get a stack out of a lock a crashed run left behind. */
export function lockGuidance(ref: StackRef): string {
  return [
    `stack ${ref.project}/${ref.name} is locked by another update.`,
    "If another kubeovn-tenants or pulumi run is still working on it, wait for it. If that run crashed or was killed:",
    `  ${cancelCommand(ref)}   # removes the lock (on Pulumi Cloud: your organization)`,
    `  kubeovn-tenants apply ${ref.role === "cluster" ? "" : ref.name}   # then finish the interrupted update`,
  ].join("\n");
}

/** The useful part of an Automation API error: the engine's diagnostics, not the whole command line. */
export function errorMessage(e: unknown, ref: StackRef): string {
  if (isLockError(e)) return lockGuidance(ref);
  const text = e instanceof Error ? e.message : String(e);
  return (e instanceof CommandError && (engineDiagnostics(text) || errorLines(text))) || text.slice(0, 4000);
}

/** The distinct `error:` lines of a run that failed before the engine printed diagnostics (e.g. the program threw). */
export function errorLines(output: string): string {
  const lines = [...new Set([...output.matchAll(/^error: (.+)$/gm)].map((m) => m[1].trim()))];
  // "Unhandled exception: Error: X" and "X" say the same: keep the longer.
  return lines
    .filter((l) => !lines.some((o) => o !== l && o.includes(l)))
    .join("\n")
    .slice(0, 4000);
}

/**
 * The errors of the engine's "Diagnostics:" section, one `resource: message` line each, without
 * warnings and the generic "update failed".
 */
export function engineDiagnostics(output: string): string {
  const start = output.indexOf("\nDiagnostics:\n");
  if (start < 0) return "";
  const lines: string[] = [];
  let resource = "";
  for (const l of output.slice(start + 14).split("\n")) {
    if (/^\S/.test(l)) break; // Outputs:, Resources:, Duration: end the section
    const head = /^ {2}(\S.*):$/.exec(l);
    if (head) resource = head[1];
    else if (
      /^ {4}\S/.test(l) &&
      !/^\s*warning:/.test(l) &&
      !/^\s*error: (update|preview|destroy|refresh) failed$/.test(l)
    )
      lines.push(`${resource}: ${l.trim()}`);
    // A plan error's problems, one `- path: value message` line each, under its error line.
    else if (/^ {6,}- \S/.test(l) && lines.length > 0) lines.push(`  ${l.trim()}`);
  }
  return lines.join("\n").slice(0, 4000);
}
