// biome-ignore-all lint/suspicious/noExplicitAny: objects of any kind, read and patched through the generic API.
/**
 * Takes a tenant's Kube-OVN objects apart in the safe order, in bounded time, whatever state the
 * Kube-OVN controller is in:
 *   - controller healthy: it releases its finalizers itself and we only wait;
 *   - controller absent or dead: after a short grace period we remove the Kube-OVN finalizers
 *     (current and legacy strings) ourselves, and say so;
 *   - leftover IP objects keep a subnet alive: they are removed first;
 *   - a NAT gateway's pod (which the controller runs and, dead, leaves running) is gone before the
 *     subnets its addresses come from are deleted.
 * The only Kubernetes calls: get, list, delete and patch (see deploy/teardown-clusterrole.yaml).
 */
import * as k8s from "@kubernetes/client-node";
import { KUBE_OVN_FINALIZERS, type ObjectRef, natGatewayWorkload, teardownPhases } from "../core/teardown";
import { isConflict, isNotFound } from "./api-errors";

export interface TeardownOptions {
  /** Kubeconfig (file content) to act with. */
  kubeconfig: string;
  /** How long the controller gets to release its finalizers before we remove them. */
  graceSeconds: number;
  /** How long an object may take to disappear once nothing holds it any more. */
  settleSeconds?: number;
  /** Called once per finalizer removed by force, with the reason. */
  warn: (message: string) => void;
  /** Poll interval; tests may shorten it. */
  pollMs?: number;
}

export interface TeardownReport {
  /** `Kind/name` of every object that was present and is now gone. */
  deleted: string[];
  /** `Kind/name: finalizer` removed by force. */
  forced: string[];
}

type KObj = k8s.KubernetesObject & { spec?: any };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spec(ref: ObjectRef): k8s.KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

const label = (o: { kind?: string; metadata?: { name?: string } } | ObjectRef) =>
  `${o.kind}/${"name" in o && o.name ? o.name : (o as KObj).metadata?.name}`;

export class TeardownRunner {
  private readonly api: k8s.KubernetesObjectApi;
  private readonly pollMs: number;
  /** Set once the controller let a whole grace period pass: later phases do not wait for it again. */
  private controllerGone = false;

  constructor(private readonly opts: TeardownOptions) {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(opts.kubeconfig);
    this.api = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.pollMs = opts.pollMs ?? 250;
  }

  async run(objects: ObjectRef[]): Promise<TeardownReport> {
    const report: TeardownReport = { deleted: [], forced: [] };
    for (const phase of teardownPhases(objects)) await this.phase(phase, report);
    return report;
  }

  private async read(ref: ObjectRef): Promise<KObj | undefined> {
    try {
      return (await this.api.read(spec(ref) as any)) as KObj;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async present(refs: ObjectRef[]): Promise<KObj[]> {
    const found = await Promise.all(refs.map((r) => this.read(r)));
    return found.filter((o): o is KObj => o !== undefined);
  }

  /** Deletes one phase's objects and waits them out, forcing finalizers after the grace period. */
  private async phase(refs: ObjectRef[], report: TeardownReport): Promise<void> {
    const existing = await this.present(refs);
    if (existing.length === 0) return;
    await this.deleteAll(existing);
    let left = await this.waitGone(existing, this.grace());
    // Leftover IP objects keep a subnet alive: remove them first, then give the controller
    // another grace period to release the subnet itself.
    const subnets = left.filter((o) => o.kind === "Subnet");
    let removedIps = false;
    for (const s of subnets)
      removedIps = (await this.removeSubnetIps(s.metadata?.name as string, report)) || removedIps;
    if (removedIps) left = await this.waitGone(left, this.grace());
    if (left.length > 0) {
      const why = this.controllerGone
        ? "the Kube-OVN controller already left earlier objects unreleased for the whole grace period (controller absent or unhealthy)"
        : `the Kube-OVN controller did not release it within ${this.opts.graceSeconds}s (controller absent or unhealthy)`;
      this.controllerGone = true;
      for (const o of left) await this.forceFinalizers(o, why, report);
      left = await this.waitGone(left, this.opts.settleSeconds ?? 30);
    }
    // Present but not being deleted: a delete that did not take, or the name made again after it
    // (seen once on a loaded machine: an EIP with no finalizer left). Deleted once more.
    const undeleted = left.filter((o) => !o.metadata?.deletionTimestamp);
    if (undeleted.length > 0) {
      await this.deleteAll(undeleted);
      left = await this.waitGone(left, this.opts.settleSeconds ?? 30);
    }
    if (left.length > 0) {
      const holders = left.map(
        (o) =>
          `${label(o)} (finalizers: ${(o.metadata?.finalizers ?? []).join(", ") || "none"}${o.metadata?.deletionTimestamp ? "" : ", not being deleted"})`,
      );
      throw new Error(`teardown: still present after removing Kube-OVN finalizers: ${holders.join("; ")}`);
    }
    report.deleted.push(...existing.map(label));
    // The controller lets a subnet go while IP objects still name it when no pod holds their
    // address (its IPAM never had it): such objects would outlive the subnet, finalized for good.
    for (const s of existing.filter((o) => o.kind === "Subnet"))
      await this.removeSubnetIps(s.metadata?.name as string, report);
    const gateways = existing.filter((o) => o.kind === "VpcNatGateway").map((o) => o.metadata?.name as string);
    if (gateways.length > 0) await this.gatewayWorkloads(gateways, report);
  }

  /**
   * The controller deletes each gateway's StatefulSet when the gateway goes; when it did not
   * within the grace period, we do (saying so). Then the pods must be gone, so their addresses
   * are released before the subnets holding them are deleted.
   */
  private async gatewayWorkloads(gateways: string[], report: TeardownReport): Promise<void> {
    const workloads = gateways.map(natGatewayWorkload);
    let sets = await this.present(workloads.map((w) => w.statefulSet));
    sets = await this.waitGone(sets, this.grace());
    for (const sts of sets) {
      await this.deleteAll([sts]);
      const line = `StatefulSet ${sts.metadata?.namespace}/${sts.metadata?.name}`;
      report.forced.push(`${line}: deleted`);
      this.opts.warn(
        `deleted ${line}: the Kube-OVN controller did not remove its NAT gateway's pod within ${this.opts.graceSeconds}s (controller absent or unhealthy)`,
      );
    }
    const pods = await this.waitGone(await this.present(workloads.map((w) => w.pod)), this.opts.settleSeconds ?? 30);
    if (pods.length > 0)
      throw new Error(
        `teardown: NAT gateway pods still present: ${pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).join(", ")}`,
      );
  }

  /** Starts the deletion of each object; one already gone is fine. */
  private async deleteAll(objs: KObj[]): Promise<void> {
    for (const o of objs) {
      try {
        await this.api.delete(o);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private grace(): number {
    return this.controllerGone ? 0 : this.opts.graceSeconds;
  }

  private async waitGone(objs: KObj[], seconds: number): Promise<KObj[]> {
    const deadline = Date.now() + seconds * 1000;
    let left = objs;
    for (;;) {
      left = await this.present(
        left.map((o) => ({
          apiVersion: o.apiVersion as string,
          kind: o.kind as string,
          name: o.metadata?.name as string,
          namespace: o.metadata?.namespace,
        })),
      );
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(this.pollMs);
    }
  }

  /** Upstream keeps a subnet while IP objects of it exist (pods' leftovers): delete them. */
  private async removeSubnetIps(subnet: string, report: TeardownReport): Promise<boolean> {
    const list = await this.api.list("kubeovn.io/v1", "IP");
    const ips = (list.items as KObj[]).filter((ip) => ip.spec?.subnet === subnet);
    await this.deleteAll(ips);
    const left = await this.waitGone(ips, this.grace());
    for (const ip of left)
      await this.forceFinalizers(
        ip,
        `it kept subnet ${subnet} from being deleted and the controller did not release it within ${this.opts.graceSeconds}s`,
        report,
      );
    report.deleted.push(...ips.map(label));
    return ips.length > 0;
  }

  private async forceFinalizers(o: KObj, why: string, report: TeardownReport): Promise<void> {
    const current = o.metadata?.finalizers ?? [];
    const ours = current.filter((f) => KUBE_OVN_FINALIZERS.includes(f));
    if (ours.length === 0) return;
    const keep = current.filter((f) => !KUBE_OVN_FINALIZERS.includes(f));
    // A merge patch carrying resourceVersion: if anyone changed the object (say, added a
    // finalizer of their own) the API server refuses it with 409 and we look again.
    const body = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: {
        name: o.metadata?.name,
        namespace: o.metadata?.namespace,
        resourceVersion: o.metadata?.resourceVersion,
        finalizers: keep,
      },
    };
    try {
      await this.api.patch(
        body as any,
        undefined,
        undefined,
        "pulumi-kubeovn-teardown",
        undefined,
        k8s.PatchStrategy.MergePatch,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        const fresh = await this.read({
          apiVersion: o.apiVersion as string,
          kind: o.kind as string,
          name: o.metadata?.name as string,
          namespace: o.metadata?.namespace,
        });
        if (fresh) await this.forceFinalizers(fresh, why, report);
        return;
      }
      throw err;
    }
    for (const f of ours) {
      const line = `${label(o)}: ${f}`;
      report.forced.push(line);
      this.opts.warn(`removed finalizer ${f} from ${label(o)}: ${why}`);
    }
  }
}
