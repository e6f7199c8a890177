/** The fleet: one Pulumi stack per tenant from one fleet file (the kubeovn-tenants CLI and its API). */
export { Fleet, loadFleet, parseFleet, diffFleets, FleetDiff } from "./fleet-file";
export {
  planFleetStacks,
  applyFleet,
  destroyStack,
  fleetStatus,
  mapBounded,
  ApplyResult,
  StackStatus,
  SelectOptions,
  RunOptions,
} from "./operations";
export { FleetReport, StackReport, exitCode, renderMarkdown, renderJson, EXIT } from "./report";
export { NetworkChange, describeNetworkChanges } from "./network-terms";
export { Shard, parseShard, shardOf, mergeReports, reportFromJson, MergeError } from "./shard";
export { Topology, buildTopology, renderMermaid } from "./topology";
export { createProgress, Progress } from "./progress";
export {
  OperatorExportOptions,
  OperatorStack,
  operatorStacks,
  programProject,
  writeOperatorExport,
  OPERATOR_RELEASE,
} from "./operator";
