// The real Kube-OVN control plane beside a local kube-apiserver: OVN NB and SB (ovsdb-server with
// the OVN 25.03 schemas kube-ovn's models come from), kube-ovn-controller v1.16.2, and kwok as the
// node and pod runtime, with NAT gateway calls recorded. Started and stopped as one unit by
// localcluster/controlplane.ts. What is not real: packets (no northd, ovn-controller, OVS or CNI),
// pod addresses (kwok's), and what runs inside a NAT gateway pod (a recorder of upstream's calls).
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { installCrds, isNotFound } from "../bootstrap";
import { GiveUp, freePorts, isRunning, stopProcess, tail, waitFor } from "../procs";
import { startController } from "./controller";
import { CHASSIS_NAME, NODE_NAME, execCrdFile, nodeManifest, startKwok } from "./kwok";
import { type OvsdbServer, addChassis, ovnctl, startOvsdb } from "./ovsdb";
import { type PodRuntime, startPodRuntime } from "./pod-runtime";
import { type ClusterSnapshot, notSettled, snapshotKubeOvn } from "./settled";

export { CLUSTER_NETWORKS } from "./controller";
export { NODE_NAME } from "./kwok";

const READY_TIMEOUT_MS = 120_000;
/** A first start that has not brought up the default network by then is restarted (see launch). */
const STUCK_AFTER_MS = 45_000;
const START_ATTEMPTS = 3;

/** One call kube-ovn-controller made into a NAT gateway pod (`bash /kube-ovn/nat-gateway.sh <verb> <args>`). */
export interface GatewayCall {
  time: string;
  /** The gateway pod, vpc-nat-gw-<gateway>-0, and its uid (a gateway re-created later has another). */
  pod: string;
  uid: string;
  verb: string;
  args: string[];
  /** False when the gateway refused it (a rule before `init`, as upstream's script refuses). */
  ok: boolean;
}

export interface KubeOvnController {
  /** Whether the kube-ovn-controller process runs. */
  readonly running: boolean;
  /** Stops it (SIGTERM): "controller dead". Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** Starts it again (after stop or kill) and waits until it serves; a no-op while it runs. */
  start(): Promise<void>;
}

export interface KubeOvn {
  controller: KubeOvnController;
  nb: OvsdbServer;
  sb: OvsdbServer;
  /** ovn-nbctl against the northbound database, e.g. ["lr-list"]; resolves with stdout. */
  nbctl(args: string[]): Promise<string>;
  /** Every call made into NAT gateway pods so far, oldest first; only those of `gateway`, and since `since`, when given. */
  gatewayCalls(gateway?: string, since?: Date): GatewayCall[];
  /**
   * Resolves once the controller has finished with every Kube-OVN object: either every object
   * has the status the controller writes when done (Ready, standby...), nothing is being deleted
   * and nothing changed between two looks; or nothing at all changed for longer than the
   * controller's longest retry delay (it has stopped working on them). Resolves with what is
   * left without a final status in the second case (upstream sometimes leaves an EIP it has
   * configured with `ready: false`). Rejects after `timeoutMs` (default 120 s) naming what is not
   * done. Returns at once while the controller is stopped (nothing would change).
   */
  settled(timeoutMs?: number): Promise<string[]>;
  /** Pids of its processes (OVN databases, kwok, the controller), for a state file. */
  pids(): number[];
  /** Log files, for diagnosis. */
  logs: { controller: string; kwok: string; nb: string; sb: string };
  stop(): Promise<void>;
  killSync(): void;
}

export interface KubeOvnOptions {
  kubeconfigPath: string;
  binDir: string;
  /** Directory for databases, logs and the gateway call log (inside the control plane's data dir). */
  dataDir: string;
  log: (line: string) => void;
}

/** The toolchain directory of a provided binary: its build also left the files it needs there. */
function toolchainDir(binDir: string, name: string): string {
  return path.dirname(fs.realpathSync(path.join(binDir, name)));
}

export async function startKubeOvn(opts: KubeOvnOptions): Promise<KubeOvn> {
  const { log, dataDir } = opts;
  const started = Date.now();
  fs.mkdirSync(dataDir, { recursive: true });
  const ovnDir = toolchainDir(opts.binDir, "kube-ovn-controller");
  const kwokDir = toolchainDir(opts.binDir, "kwok");
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(opts.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);

  const files = {
    controller: path.join(dataDir, "kube-ovn-controller.log"),
    kwok: path.join(dataDir, "kwok.log"),
    nb: path.join(dataDir, "ovsdb-nb.log"),
    sb: path.join(dataDir, "ovsdb-sb.log"),
    gateway: path.join(dataDir, "nat-gateway-calls.jsonl"),
  };
  let nb: OvsdbServer | undefined;
  let sb: OvsdbServer | undefined;
  let kwok: ChildProcess | undefined;
  let runtime: PodRuntime | undefined;
  let controller: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;

  const killSync = () => {
    for (const p of [controller, kwok, sb?.process, nb?.process]) if (p && isRunning(p)) p.kill("SIGKILL");
  };
  const stop = () =>
    (stopping ??= (async () => {
      await runtime?.stop();
      for (const p of [controller, kwok, sb?.process, nb?.process]) if (p) await stopProcess(p);
    })());

  try {
    const [nbPort, sbPort, kubeletPort, healthPort] = await freePorts(4);
    // What install.sh creates beside the controller: the NAT gateway ConfigMaps it reads.
    await createIfMissing(core, "ovn-vpc-nat-config", { image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2" });
    await createIfMissing(core, "ovn-vpc-nat-gw-config", { "enable-vpc-nat-gw": "true" });
    await installCrds(opts.kubeconfigPath, [execCrdFile(kwokDir)]);
    await core
      .createNode({ body: nodeManifest() as k8s.V1Node })
      .catch((e) => ((e as { code?: number }).code === 409 ? undefined : Promise.reject(e)));

    nb = await startOvsdb("nb", path.join(ovnDir, "ovnnb.ovsschema"), dataDir, nbPort);
    sb = await startOvsdb("sb", path.join(ovnDir, "ovnsb.ovsschema"), dataDir, sbPort);
    await addChassis(sb, CHASSIS_NAME, NODE_NAME);
    log(`OVN NB ${nb.address}, SB ${sb.address}`);

    kwok = startKwok(opts.kubeconfigPath, dataDir, kubeletPort, {
      kwokDir,
      execEnv: path.join(__dirname, "gateway-exec.bash"),
      recorder: path.join(__dirname, "nat-gateway-recorder.sh"),
      gatewayLog: files.gateway,
    });
    runtime = startPodRuntime(kc, log);

    const settings = {
      kubeconfig: opts.kubeconfigPath,
      nbAddress: nb.address,
      sbAddress: sb.address,
      healthPort,
      logFile: files.controller,
    };
    const launch = async (first: boolean) => {
      const at = new Date();
      controller = startController(opts.binDir, settings);
      // At a restart, whatever objects the cluster holds may keep a subnet from being Ready
      // (that is for tests to look at): it is up once it holds the leader lease again.
      if (!first) return waitForLeadership(kc, controller, files.controller, at);
      // At first start: its own infrastructure Ready. Under load it was once seen stuck at
      // start (join's logical switch never created, "wait for subnets [ovn-default join]
      // ready" for minutes); a restart, as its Deployment would do it, gets past that.
      for (let attempt = 1; ; attempt++) {
        try {
          return await waitForInfrastructure(
            kc,
            controller,
            files.controller,
            attempt < START_ATTEMPTS ? STUCK_AFTER_MS : READY_TIMEOUT_MS,
          );
        } catch (err) {
          if (attempt >= START_ATTEMPTS || !isRunning(controller)) throw err;
          log(
            `kube-ovn-controller did not bring up its default network within ${STUCK_AFTER_MS / 1000}s; restarting it (attempt ${attempt + 1} of ${START_ATTEMPTS})`,
          );
          await stopProcess(controller, 5000);
          controller = startController(opts.binDir, settings);
        }
      }
    };
    await launch(true);
    const kwokProc = kwok;
    if (!isRunning(kwokProc))
      throw new Error(`kwok exited (${kwokProc.exitCode ?? kwokProc.signalCode}):\n${tail(files.kwok)}`);
    log(
      `kube-ovn-controller ready (ovn-cluster, join, ovn-default) after ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );

    const nbServer = nb;
    const handle: KubeOvn = {
      nb: nbServer,
      sb,
      logs: { controller: files.controller, kwok: files.kwok, nb: files.nb, sb: files.sb },
      pids: () =>
        [controller, kwok, sb?.process, nb?.process]
          .filter((p): p is ChildProcess => !!p?.pid && isRunning(p))
          .map((p) => p.pid!),
      controller: {
        get running() {
          return !!controller && isRunning(controller);
        },
        async stop() {
          if (controller) await stopProcess(controller);
        },
        async kill() {
          if (controller && isRunning(controller)) {
            controller.kill("SIGKILL");
            await stopProcess(controller, 0);
          }
        },
        async start() {
          if (controller && isRunning(controller)) return;
          await launch(false);
        },
      },
      nbctl: (args) => ovnctl(nbServer, args),
      gatewayCalls: (gateway, since) =>
        readGatewayCalls(files.gateway).filter(
          (c) => (!gateway || c.pod === `vpc-nat-gw-${gateway}-0`) && (!since || new Date(c.time) >= since),
        ),
      settled: (timeoutMs = 120_000) =>
        settled(
          kc,
          () => !!controller && isRunning(controller),
          timeoutMs,
          log,
          async () => {
            if (controller) await stopProcess(controller);
            await launch(false);
          },
        ),
      stop,
      killSync,
    };
    return handle;
  } catch (err) {
    await stop().catch(killSync);
    const detail = `\nkube-ovn-controller errors (first 20):\n${errorLines(files.controller, 20)}\nkube-ovn-controller log:\n${tail(files.controller, 30)}\nkwok log:\n${tail(files.kwok, 10)}`;
    throw new Error(`starting Kube-OVN failed: ${err instanceof Error ? err.message : err}${detail}`);
  }
}

async function createIfMissing(core: k8s.CoreV1Api, name: string, data: Record<string, string>): Promise<void> {
  await core
    .createNamespacedConfigMap({
      namespace: "kube-system",
      body: { metadata: { name, namespace: "kube-system" }, data },
    })
    .catch((e) => ((e as { code?: number }).code === 409 ? undefined : Promise.reject(e)));
}

/** The controller's own infrastructure: the default VPC and the join and default subnets, Ready. */
async function waitForInfrastructure(
  kc: k8s.KubeConfig,
  proc: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const get = (plural: string, name: string) =>
    custom
      .getClusterCustomObject({ group: "kubeovn.io", version: "v1", plural, name })
      .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))) as Promise<
      { status?: { standby?: boolean; conditions?: { type: string; status: string }[] } } | undefined
    >;
  await waitFor(
    "kube-ovn-controller: vpc ovn-cluster and subnets join, ovn-default Ready",
    timeoutMs,
    async () => {
      if (!isRunning(proc)) throw new GiveUp(`kube-ovn-controller exited (${proc.exitCode ?? proc.signalCode})`);
      const vpc = await get("vpcs", "ovn-cluster");
      if (!vpc?.status?.standby) return undefined;
      for (const name of ["join", "ovn-default"]) {
        const subnet = await get("subnets", name);
        if (!subnet?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return undefined;
      }
      return true;
    },
    () => `kube-ovn-controller log (${logFile}):\n${tail(logFile, 30)}`,
  );
}

/** The controller's leader Lease (kube-system/kube-ovn-controller) renewed after `since`. */
async function waitForLeadership(kc: k8s.KubeConfig, proc: ChildProcess, logFile: string, since: Date): Promise<void> {
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  await waitFor(
    "kube-ovn-controller to lead again",
    READY_TIMEOUT_MS,
    async () => {
      if (!isRunning(proc)) throw new GiveUp(`kube-ovn-controller exited (${proc.exitCode ?? proc.signalCode})`);
      const lease = await coordination
        .readNamespacedLease({ name: "kube-ovn-controller", namespace: "kube-system" })
        .catch(() => undefined);
      const renewed = lease?.spec?.renewTime ? new Date(lease.spec.renewTime as unknown as string) : undefined;
      return renewed && renewed.getTime() >= since.getTime() - 1000 ? true : undefined;
    },
    () => `kube-ovn-controller log (${logFile}):\n${tail(logFile, 30)}`,
  );
}

/** The first `n` error lines (klog `E...`) of a log, where a start-up failure usually shows first. */
function errorLines(file: string, n: number): string {
  try {
    return (
      fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => /^E\d{4} /.test(l))
        .slice(0, n)
        .join("\n") || "(none)"
    );
  } catch {
    return "(no log)";
  }
}

function readGatewayCalls(file: string): GatewayCall[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as GatewayCall);
}

/** Longer than kube-ovn-controller's longest retry delay (--cust-crd-retry-max-delay, 20 s). */
const QUIET_MS = 25_000;

async function settled(
  kc: k8s.KubeConfig,
  running: () => boolean,
  timeoutMs: number,
  log: (line: string) => void,
  restart: () => Promise<void>,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let previous: ClusterSnapshot | undefined;
  let quietSince = Date.now();
  let restarted = false;
  for (;;) {
    if (!running()) return [];
    const snap = await snapshotKubeOvn(kc).catch(() => undefined);
    const pending = snap ? notSettled(snap) : ["the API server did not answer"];
    if (!snap || previous?.fingerprint !== snap.fingerprint) quietSince = Date.now();
    else if (pending.length === 0) return [];
    else if (Date.now() - quietSince >= QUIET_MS && !pending.some((p) => p.includes("being deleted"))) {
      const what = `kube-ovn-controller left these without a final status and has not touched anything for ${QUIET_MS / 1000}s: ${pending.join("; ")}`;
      if (restarted) {
        log(what);
        return pending;
      }
      // Seen upstream: an EIP configured in its gateway just before the gateway's `init`
      // marks it for a redo is left ready=false (the redo's update is handled from a stale
      // cache and never again), and the NAT rules on it wait forever. A restart, as
      // `kubectl rollout restart` would do, handles it from scratch.
      log(`${what}; restarting it (an upstream race, docs/upstream-behaviour.md)`);
      await restart();
      restarted = true;
      quietSince = Date.now();
    }
    if (Date.now() > deadline)
      throw new Error(
        `Kube-OVN did not settle within ${timeoutMs / 1000}s: ${pending.join("; ") || "objects still changing"}`,
      );
    previous = snap;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
