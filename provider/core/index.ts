/** The pure planning core: spec -> validated plan. No Pulumi, no I/O. */
export * from "./spec";
export * from "./errors";
export * from "./plan";
export { planCluster, clusterInfo, checkClusterSpec, checkClusterInfo, ClusterFacts, ClusterPlan } from "./cluster";
export { planTenant, TenantPlan, TenantAddresses, AddressClaims, allocationKey } from "./tenant-plan";
export { planFleet, FleetPlan } from "./fleet";
export { objectNames, MANAGED_BY_LABEL, MANAGED_BY, TENANT_LABEL, NAMESPACE_ROUTES_ANNOTATION, INTERCONNECT_SUBNET } from "./names";
export { checkAgainstTenants, checkNamespaceOwners } from "./cross-tenant";
