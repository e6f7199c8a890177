// The real kube-ovn-controller process, configured as install.sh configures it for a geneve overlay
// with VPC NAT gateways, pointed at our API server and OVN databases.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnLogged } from "../procs";
import { NODE_NAME } from "./kwok";

/** Where upstream hard-codes its log file (pkg/util/log.go InitLogFilePerm); it must exist. */
export const UPSTREAM_LOG_DIR = "/var/log/kube-ovn";

export interface ControllerSettings {
  kubeconfig: string;
  nbAddress: string;
  sbAddress: string;
  /** A free port for its health/pprof server (its default 10660 would collide across runs). */
  healthPort: number;
  /** Our log of its stderr. */
  logFile: string;
}

/** The cluster's networks, as install.sh's defaults (POD_CIDR, JOIN_CIDR, SVC_CIDR). */
export const CLUSTER_NETWORKS = {
  podCidr: "10.16.0.0/16",
  joinCidr: "100.64.0.0/16",
  serviceCidr: "10.96.0.0/12",
} as const;

export function startController(binDir: string, s: ControllerSettings): ChildProcess {
  ensureUpstreamLogDir();
  return spawnLogged(
    path.join(binDir, "kube-ovn-controller"),
    [
      `--kubeconfig=${s.kubeconfig}`,
      `--ovn-nb-addr=${s.nbAddress}`,
      `--ovn-sb-addr=${s.sbAddress}`,
      `--default-cidr=${CLUSTER_NETWORKS.podCidr}`,
      `--node-switch-cidr=${CLUSTER_NETWORKS.joinCidr}`,
      `--service-cluster-ip-range=${CLUSTER_NETWORKS.serviceCidr}`,
      "--network-type=geneve",
      "--enable-lb=true",
      "--enable-np=true",
      "--enable-eip-snat=true",
      "--enable-metrics=false",
      `--pprof-port=${s.healthPort}`,
      "--logtostderr=true",
      "--v=3",
    ],
    s.logFile,
    {
      ...process.env,
      // One start-up step loads its config through controller-runtime, which ignores --kubeconfig.
      KUBECONFIG: s.kubeconfig,
      POD_NAME: "kube-ovn-controller-local",
      POD_NAMESPACE: "kube-system",
      KUBE_NODE_NAME: NODE_NAME,
      POD_IP: "127.0.0.1",
      POD_IPS: "127.0.0.1",
    },
  );
}

function ensureUpstreamLogDir(): void {
  try {
    fs.mkdirSync(UPSTREAM_LOG_DIR, { recursive: true });
    fs.accessSync(UPSTREAM_LOG_DIR, fs.constants.W_OK);
  } catch (err) {
    throw new Error(
      `kube-ovn-controller writes its log to ${UPSTREAM_LOG_DIR} (hard-coded upstream) and cannot here: ` +
        `${(err as Error).message}. Create it once with: sudo install -d -m 1777 ${UPSTREAM_LOG_DIR}`,
    );
  }
}
