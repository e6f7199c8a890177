/** What every figure of the benchmark gets from the runner. */
import type { KubeOvn } from "../localcluster/kubeovn";
import type { ClusterNetworkInfo } from "../provider/core";

export interface BenchContext {
  /** The real Kube-OVN control plane; its controller runs unless a figure stops it (it must start it again). */
  controller: KubeOvn;
  /** Facts of the cluster network deployed for the whole run. */
  info: ClusterNetworkInfo;
  /** Repetitions of each measurement. */
  runs: number;
  log(line: string): void;
}

/** One figure's results as stored in results.json, plus the rows it prints. */
export interface FigureResult {
  title: string;
  /** What the figure means, for results.json readers. */
  meaning: string;
  /** "measured", or why not. */
  status: string;
  [detail: string]: unknown;
  rows: string[][];
}
