// A real etcd + kube-apiserver on 127.0.0.1 with the Kube-OVN CRDs installed, the way
// controller-runtime's envtest runs one (a token admin in system:masters), kube-controller-manager,
// and on top the real Kube-OVN control plane (kubeovn/: OVN NB/SB, kube-ovn-controller, kwok).
import type { ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { installCrds, waitForCoreObjects, waitForCrdsServed } from "./bootstrap";
import { GiveUp, freePorts, isRunning, own, release, spawnLogged, stopProcess, tail, waitFor } from "./procs";
import { ensureToolchain } from "./toolchain";
import { vendoredCrdFiles } from "./crds";
import { type KubeOvn, startKubeOvn } from "./kubeovn";

export interface ControlPlaneOptions {
  /** Directory for etcd data, certificates and logs; must be absent or empty. Removed by stop(). */
  dataDir?: string;
  /** Progress lines; default: stderr. */
  log?: (line: string) => void;
  /** Toolchain bin directory; default: ensureToolchain(). */
  binDir?: string;
  /** CRD manifests to install; default: Kube-OVN v1.16.2 + Multus NAD (see defaultCrdFiles). */
  crdFiles?: string[];
  /** Start the real Kube-OVN control plane too (default true); false: the API server alone. */
  kubeOvn?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfigPath: string;
  /** Bearer token of the admin user (group system:masters). */
  token: string;
  /** Base64 of the PEM CA that signed the serving certificate (kubeconfig certificate-authority-data). */
  caData: string;
  dataDir: string;
  versions: { kubeApiserver: string; etcd: string };
  pids: { etcd: number; kubeApiserver: number; kubeControllerManager: number };
  /** The real Kube-OVN control plane (absent with `kubeOvn: false`). */
  kubeOvn?: KubeOvn;
  /**
   * Stops kube-apiserver and starts it again on the same port, certificates and etcd (for fault
   * tests); `downForMs` keeps the API unreachable that long in between. Resolves once it is ready.
   */
  restartApiServer(downForMs?: number): Promise<void>;
  /** Stops every process and removes dataDir. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 180_000;

/** The CRD manifests a Kube-OVN cluster with Multus has: the copies this repository carries (crds/). */
export function defaultCrdFiles(): string[] {
  return vendoredCrdFiles();
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[controlplane] ${line}\n`));
  const crdFiles = opts.crdFiles ?? defaultCrdFiles();
  for (const f of crdFiles) if (!fs.existsSync(f)) throw new Error(`CRD manifest not found: ${f}`);
  const binDir = opts.binDir ?? (await ensureToolchain());
  // A port picked free can be taken before etcd or kube-apiserver binds it (parallel test runs
  // pick from the same range): then start again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts.dataDir, binDir, crdFiles, opts.kubeOvn ?? true, log);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === 3) throw err;
      log(`a port was taken before we could bind it; retrying (${err.message.split("\n")[0]})`);
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(
  requestedDir: string | undefined,
  binDir: string,
  crdFiles: string[],
  withKubeOvn: boolean,
  log: (line: string) => void,
): Promise<ControlPlane> {
  const dataDir = prepareDataDir(requestedDir);
  const started = Date.now();

  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  let kcm: ChildProcess | undefined;
  let kubeOvn: KubeOvn | undefined;
  let stopping: Promise<void> | undefined;
  const files = {
    etcdLog: path.join(dataDir, "etcd.log"),
    apiLog: path.join(dataDir, "kube-apiserver.log"),
    kcmLog: path.join(dataDir, "kube-controller-manager.log"),
    certDir: path.join(dataDir, "certs"),
    saKey: path.join(dataDir, "sa.key"),
    tokens: path.join(dataDir, "tokens.csv"),
    kubeconfig: path.join(dataDir, "kubeconfig"),
  };
  const owner = {
    stop: () => (stopping ??= teardown()),
    killSync() {
      kubeOvn?.killSync();
      for (const p of [kcm, apiserver, etcd]) if (p && isRunning(p)) p.kill("SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  async function teardown(): Promise<void> {
    // controllers, then apiserver: it retries a vanished etcd for a long time before giving up
    if (kubeOvn) await kubeOvn.stop();
    if (kcm) await stopProcess(kcm);
    if (apiserver) await stopProcess(apiserver);
    if (etcd) await stopProcess(etcd);
    fs.rmSync(dataDir, { recursive: true, force: true });
    release(owner);
  }
  own(owner);

  try {
    const [etcdClient, etcdPeer, securePort] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    etcd = spawnLogged(
      path.join(binDir, "etcd"),
      [
        "--name=kubeovn-local",
        `--data-dir=${path.join(dataDir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=kubeovn-local=http://127.0.0.1:${etcdPeer}`,
        "--unsafe-no-fsync", // throwaway data: durability buys nothing, fsync costs seconds
      ],
      files.etcdLog,
    );
    const etcdProc = etcd;
    const etcdVersion = await waitFor(
      "etcd /health",
      60_000,
      async () => {
        if (!isRunning(etcdProc)) throw new GiveUp(`etcd exited (${etcdProc.exitCode ?? etcdProc.signalCode})`);
        const health = JSON.parse(await httpGet(`${etcdUrl}/health`));
        if (health.health !== "true") return undefined;
        return JSON.parse(await httpGet(`${etcdUrl}/version`)).etcdserver as string;
      },
      () => `etcd log (${files.etcdLog}):\n${tail(files.etcdLog)}`,
    );
    log(`etcd ${etcdVersion} ready on ${etcdUrl}`);

    // RSA key for service-account tokens: one private key serves as both signing and verifying key.
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    fs.writeFileSync(files.saKey, privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    const token = crypto.randomBytes(32).toString("hex");
    fs.writeFileSync(files.tokens, `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
    fs.mkdirSync(files.certDir);

    const server = `https://127.0.0.1:${securePort}`;
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      // Endpoints may not hold a loopback IP, so the default reconciler fails every 10s; nothing
      // here routes to the Service anyway, it only has to exist (as in envtest).
      "--endpoint-reconciler-type=none",
      `--secure-port=${securePort}`,
      `--cert-dir=${files.certDir}`, // self-signs a CA + serving cert there (reused on restart)
      "--service-cluster-ip-range=10.96.0.0/12",
      "--authorization-mode=RBAC",
      `--token-auth-file=${files.tokens}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${files.saKey}`,
      `--service-account-signing-key-file=${files.saKey}`,
      "--disable-admission-plugins=ServiceAccount", // no token controller runs to satisfy it
      "--enable-priority-and-fairness=false", // skips the APF bootstrap; faster start, no throttling
      "--allow-privileged=true",
      "--profiling=false",
    ];
    const startApi = async (): Promise<string> => {
      apiserver = spawnLogged(path.join(binDir, "kube-apiserver"), apiArgs, files.apiLog);
      const proc = apiserver;
      const caPem = await waitFor(
        "kube-apiserver /readyz",
        READY_TIMEOUT_MS,
        async () => {
          if (!isRunning(proc)) throw new GiveUp(`kube-apiserver exited (${proc.exitCode ?? proc.signalCode})`);
          // etcd failing to bind exits at once, but /health may have been answered by whoever holds its port
          if (!isRunning(etcdProc)) throw new GiveUp(`etcd exited (${etcdProc.exitCode ?? etcdProc.signalCode})`);
          const ca = readCa(files.certDir);
          if (!ca) return undefined;
          const body = await httpGet(`${server}/readyz`, { ca, token });
          return body.trim() === "ok" ? ca : undefined;
        },
        () => `kube-apiserver log (${files.apiLog}):\n${tail(files.apiLog)}`,
      );
      return caPem;
    };
    const caPem = await startApi();
    const caData = Buffer.from(caPem).toString("base64");
    const kubeApiserver = JSON.parse(await httpGet(`${server}/version`, { ca: caPem, token })).gitVersion as string;
    log(`kube-apiserver ${kubeApiserver} ready on ${server} after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    fs.writeFileSync(files.kubeconfig, kubeconfigYaml(server, caData, token), { mode: 0o600 });
    await waitForCoreObjects(files.kubeconfig);
    const crds = await installCrds(files.kubeconfig, crdFiles);
    const get = (p: string) => httpGet(`${server}${p}`, { ca: caPem, token });
    await waitForCrdsServed(crds, get);
    log(`installed ${crds.length} CRDs`);

    // What a real cluster does beyond the API server and that our tests rely on: deleting
    // namespaces (namespace controller), finishing foreground deletions (garbage collector),
    // which is how pulumi-kubernetes deletes, and the NAT gateways' pods (statefulset).
    kcm = spawnLogged(
      path.join(binDir, "kube-controller-manager"),
      [
        `--kubeconfig=${files.kubeconfig}`,
        "--controllers=namespace,garbagecollector,statefulset",
        "--leader-elect=false",
        "--secure-port=0",
        "--concurrent-namespace-syncs=5",
      ],
      files.kcmLog,
    );
    const kcmProc = kcm;
    await new Promise((r) => setTimeout(r, 500));
    if (!isRunning(kcmProc))
      throw new Error(`kube-controller-manager exited at start (${kcmProc.exitCode}):\n${tail(files.kcmLog)}`);
    if (withKubeOvn)
      kubeOvn = await startKubeOvn({
        kubeconfigPath: files.kubeconfig,
        binDir,
        dataDir: path.join(dataDir, "kube-ovn"),
        log,
      });
    log(`control plane ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const cp: ControlPlane = {
      server,
      kubeconfigPath: files.kubeconfig,
      token,
      caData,
      dataDir,
      versions: { kubeApiserver, etcd: etcdVersion },
      pids: { etcd: etcdProc.pid!, kubeApiserver: apiserver!.pid!, kubeControllerManager: kcmProc.pid! },
      kubeOvn,
      async restartApiServer(downForMs = 0) {
        if (stopping) throw new Error("control plane is stopped");
        await stopProcess(apiserver!);
        if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
        if (stopping) throw new Error("control plane was stopped while kube-apiserver was down");
        await startApi();
        await waitForCrdsServed(crds, get);
        cp.pids.kubeApiserver = apiserver!.pid!;
        log(`kube-apiserver restarted (pid ${apiserver!.pid})`);
      },
      stop: owner.stop,
    };
    return cp;
  } catch (err) {
    // The data dir (and its logs) goes away with the processes, so put what explains it in the error.
    const state = (name: string, p?: ChildProcess) =>
      `${name} ${!p ? "not started" : isRunning(p) ? "running" : `exited (${p.exitCode ?? p.signalCode})`}`;
    const message = err instanceof Error ? err.message : String(err);
    const detail = message.includes(" log (")
      ? ""
      : `\nkube-apiserver log:\n${tail(files.apiLog)}\netcd log:\n${tail(files.etcdLog, 10)}`;
    const portTaken = /address already in use/.test(tail(files.apiLog, 20) + tail(files.etcdLog, 20));
    await owner.stop().catch(() => owner.killSync());
    throw new (portTaken ? PortTakenError : Error)(
      `starting the control plane failed: ${message}\n${state("etcd", etcd)}; ${state("kube-apiserver", apiserver)}${detail}`,
    );
  }
}

function prepareDataDir(requested: string | undefined): string {
  if (!requested) return fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-cp-"));
  // We delete it on stop(), so refuse to adopt a directory that already holds something.
  if (fs.existsSync(requested) && fs.readdirSync(requested).length > 0) {
    throw new Error(`control plane dataDir ${requested} is not empty; remove it or choose another`);
  }
  fs.mkdirSync(requested, { recursive: true });
  return requested;
}

/** The self-signed CA kube-apiserver wrote into its cert dir (apiserver.crt = serving cert + CA). */
function readCa(certDir: string): string | undefined {
  let pem: string;
  try {
    pem = fs.readFileSync(path.join(certDir, "apiserver.crt"), "utf8");
  } catch {
    return undefined;
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const ca = blocks.find((b) => new crypto.X509Certificate(b).ca);
  return ca ? `${ca}\n` : undefined;
}

function kubeconfigYaml(server: string, caData: string, token: string): string {
  const name = "kubeovn-local";
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": caData } }],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name, context: { cluster: name, user: "admin", namespace: "default" } }],
    "current-context": name,
  });
}

/** A GET returning the body; rejects on non-2xx. https when `tls` is given (CA-verified, bearer token). */
export function httpGet(url: string, tls?: { ca: string; token: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () =>
        res.statusCode && res.statusCode < 300
          ? resolve(body)
          : reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 500)}`)),
      );
    };
    const req = tls
      ? https.get(url, { ca: tls.ca, headers: { Authorization: `Bearer ${tls.token}` }, timeout: 5000 }, onResponse)
      : http.get(url, { timeout: 5000 }, onResponse);
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on("error", reject);
  });
}
