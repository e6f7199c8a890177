/** The pure planning core: spec -> validated plan. No Pulumi, no I/O. */
export * from "./spec";
export * from "./errors";
export * from "./plan";
export { planCluster, clusterInfo, withServiceIps, ClusterFacts, ClusterPlan } from "./cluster";
export { checkClusterSpec, checkClusterInfo } from "./rules";
export * from "./pod-defaults";
export { planTenant, TenantPlan, TenantAddresses, AddressClaims, allocationKey } from "./tenant-plan";
export { planFleet, FleetPlan } from "./fleet";
export { objectNames, MANAGED_BY_LABEL, MANAGED_BY, TENANT_LABEL, INTERCONNECT_SUBNET } from "./names";
export {
  planPodDefaultsWebhook,
  checkWebhookSpec,
  webhookDnsNames,
  WebhookPlan,
  WebhookObject,
  WebhookTls,
  WebhookCode,
  WEBHOOK_NAME,
} from "./webhook-plan";
export { AddressClaim, claimName, claimRef, claimsByRange, plannedClaims, CLAIM_NAMESPACE } from "./claims";
export { checkAgainstTenants, checkNamespaceOwners } from "./rules";
export {
  checkClusterClashes,
  externalHolders,
  mergeClaims,
  ownerOf,
  skippedChecks,
  ClusterSnapshot,
  SubnetFact,
  AddressHolderFact,
  ServiceRangeFact,
  PlanOwner,
} from "./cluster-clashes";
