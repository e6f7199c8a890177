// npm run cluster:up | cluster:down | cluster:status
// A local control plane for working by hand: `up` leaves it running in a detached process and returns.
import { ensureLocalCluster, liveState, probeReady, stopLocalCluster } from "../localcluster/background";
import { type ClusterState, statePaths } from "../localcluster/state";

async function up(): Promise<void> {
  const cluster = await ensureLocalCluster();
  if (!cluster.started) console.log("A local control plane is already running; not starting another.");
  printHowTo(cluster);
}

async function down(): Promise<void> {
  const state = await stopLocalCluster();
  console.log(
    state
      ? `Local control plane stopped (${state.server ?? "was starting"}); its data is removed.`
      : "No local control plane is running.",
  );
}

async function status(): Promise<void> {
  const state = await liveState();
  if (!state) {
    console.log("No local control plane is running.");
    process.exitCode = 1;
    return;
  }
  if (state.phase !== "ready") {
    console.log(`A local control plane is starting (pid ${state.ownerPid}).`);
    return;
  }
  console.log(
    `owner pid ${state.ownerPid}, etcd pid ${state.pids?.etcd}, kube-apiserver pid ${state.pids?.kubeApiserver}; /readyz: ${await probeReady(state)}`,
  );
  printHowTo(state);
}

function printHowTo(state: ClusterState): void {
  const p = statePaths();
  console.log(
    `Local control plane: kube-apiserver ${state.versions?.kubeApiserver}, etcd ${state.versions?.etcd}, ` +
      `Kube-OVN v1.16.2 ${state.kubeOvn ? `(kube-ovn-controller, OVN NB ${state.kubeOvn.nb}, SB ${state.kubeOvn.sb})` : "not started"}`,
  );
  console.log(`  server:     ${state.server}`);
  console.log(`  kubeconfig: ${state.kubeconfigPath}`);
  console.log(
    `  logs:       ${p.log}, ${state.dataDir}/{etcd,kube-apiserver,kube-controller-manager}.log, ${state.dataDir}/kube-ovn/`,
  );
  console.log("\nUse it:");
  console.log(`  export KUBECONFIG=${state.kubeconfigPath}`);
  console.log("Inspect without kubectl:");
  console.log(
    `  curl --cacert ${p.ca} -H "Authorization: Bearer $(cat ${p.token})" ${state.server}/apis/kubeovn.io/v1/subnets`,
  );
  console.log("Stop it and remove its data: npm run cluster:down");
}

const commands: Record<string, () => Promise<void>> = { up, down, status };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  console.error("usage: ts-node scripts/cluster.ts up|down|status");
  process.exit(2);
}
command().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
