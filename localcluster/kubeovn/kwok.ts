// kwok as the cluster's one node: it keeps a Node object Ready, turns pods bound to it Running
// (the stages shipped in its module), and serves the node's kubelet API, where an exec into a pod
// runs as a local command. That is how kube-ovn-controller's calls into a NAT gateway pod arrive.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { createServingCertificate } from "../../provider/webhook/tls";
import { spawnLogged } from "../procs";

/** The node every pod runs on. */
export const NODE_NAME = "kube-ovn-local";
/** Its OVN chassis (southbound Chassis row), named on the node as kube-ovn-cni would name it. */
export const CHASSIS_NAME = `chassis-${NODE_NAME}`;
/** Env var the gateway recorder reads: which pod an exec call was made in. */
export const GATEWAY_POD_ENV = "KUBEOVN_GATEWAY_POD";
export const GATEWAY_POD_UID_ENV = "KUBEOVN_GATEWAY_POD_UID";

export interface KwokFiles {
  /** Directory with the kwok binary, its stages and the Exec CRD (from the toolchain). */
  kwokDir: string;
  /** BASH_ENV file and recorder script (localcluster/kubeovn). */
  execEnv: string;
  recorder: string;
  /** Where the recorder appends its JSON lines. */
  gatewayLog: string;
}

/** The Node object kwok manages (selected by its annotation), labelled as the NAT gateway's selector expects. */
export function nodeManifest(): object {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      annotations: {
        "kwok.x-k8s.io/node": "fake",
        "node.alpha.kubernetes.io/ttl": "0",
        // What kube-ovn-cni records on its node: without it the controller's chassis GC
        // removes the node's Chassis row at its next start.
        "ovn.kubernetes.io/chassis": CHASSIS_NAME,
      },
      labels: {
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": NODE_NAME,
        type: "kwok",
      },
    },
    spec: {},
  };
}

/** The Exec CRD kwok reads per-pod exec rules from (enabled below), to install before kwok starts. */
export function execCrdFile(kwokDir: string): string {
  return path.join(kwokDir, "kwok.x-k8s.io_execs.yaml");
}

/** Starts kwok for `kubeconfig`, its kubelet API on 127.0.0.1:`nodePort` over TLS. */
export function startKwok(kubeconfig: string, dir: string, nodePort: number, files: KwokFiles): ChildProcess {
  const stagesDir = path.join(files.kwokDir, "stages");
  const stages = fs
    .readdirSync(stagesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => fs.readFileSync(path.join(stagesDir, f), "utf8"));
  const config = [
    YAML.stringify({
      apiVersion: "config.kwok.x-k8s.io/v1alpha1",
      kind: "KwokConfiguration",
      options: {
        manageNodesWithAnnotationSelector: "kwok.x-k8s.io/node=fake",
        // Per-pod Exec rules come from the API server (the pod runtime writes one per NAT
        // gateway pod); everything else from this file.
        enableCRDs: ["Exec"],
        // The rest as kwok's own deployment (kustomize/kwok/kwok.yaml) sets them: a config
        // file replaces the defaults, and zero parallelism is refused.
        enablePodsOnNodeSyncStreamWatch: true,
        enableDebuggingHandlers: true, // exec, which the kubelet API serves among its debugging handlers
        nodeLeaseParallelism: 4,
        podPlayStageParallelism: 4,
        nodePlayStageParallelism: 4,
        nodeLeaseDurationSeconds: 40,
      },
    }),
    ...stages,
    // Exec into a pod without its own rule: the recorder refuses (no pod to record against).
    YAML.stringify({
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "ClusterExec",
      metadata: { name: "local" },
      spec: { execs: [{ local: {} }] },
    }),
  ].join("\n---\n");
  const configFile = path.join(dir, "kwok.yaml");
  fs.writeFileSync(configFile, config);

  const cert = createServingCertificate({
    dnsNames: [NODE_NAME, "localhost"],
    ipAddresses: ["127.0.0.1"],
    validityDays: 30,
  });
  const certFile = path.join(dir, "kwok-kubelet.crt");
  const keyFile = path.join(dir, "kwok-kubelet.key");
  fs.writeFileSync(certFile, cert.cert);
  fs.writeFileSync(keyFile, cert.key, { mode: 0o600 });

  return spawnLogged(
    path.join(files.kwokDir, "kwok"),
    [
      `--config=${configFile}`,
      `--kubeconfig=${kubeconfig}`,
      "--node-ip=127.0.0.1",
      `--node-port=${nodePort}`,
      `--server-address=127.0.0.1:${nodePort}`,
      `--tls-cert-file=${certFile}`,
      `--tls-private-key-file=${keyFile}`,
      "--cidr=10.244.0.0/16",
    ],
    path.join(dir, "kwok.log"),
    {
      ...process.env,
      // Every exec runs under bash with this file sourced: it routes nat-gateway.sh to the recorder.
      BASH_ENV: files.execEnv,
      KUBEOVN_GATEWAY_RECORDER: files.recorder,
      KUBEOVN_GATEWAY_LOG: files.gatewayLog,
    },
  );
}
