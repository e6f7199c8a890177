/**
 * Every rule the preview applies, by object kind (one module each), and the tenant check that runs
 * them. docs/upstream-rules.md is generated from `ALL_RULES` (`npm run docs:rules`).
 */
import { addressRangeRules } from "./address-range";
import { attachmentRules } from "./attachment";
import { clusterRules } from "./cluster";
import { crossTenantRules } from "./cross-tenant";
import { liveNameRules, liveSubnetRules } from "./live-cluster";
import { eipRules } from "./eip";
import { natGatewayRules } from "./nat-gateway";
import { nameRules } from "./names";
import { dnatRules, fipRules, snatRules } from "./nat-rules";
import { podSelectorRules } from "./pod-selector";
import type { Rule } from "./rule";
import { securityGroupRules } from "./security-group";
import { subnetRules } from "./subnet";
import { namespaceRules, tenantRules } from "./tenant";
import { vpcRules } from "./vpc";

export type { Kind, Rule } from "./rule";
export { checkTenant } from "./tenant";
export { parseNetwork } from "./address-range";
export { checkClusterInfo, checkClusterSpec, checkServiceIps } from "./cluster";
export { checkAgainstTenants, checkNamespaceOwners, checkPeeringPair, crossTenantRules } from "./cross-tenant";
export { checkPeering } from "./vpc";
export { UNREACHABLE, type Unreachable } from "./unreachable";

export const ALL_RULES: readonly Rule[] = [
  tenantRules,
  nameRules,
  namespaceRules,
  podSelectorRules,
  addressRangeRules,
  subnetRules,
  vpcRules,
  natGatewayRules,
  eipRules,
  snatRules,
  dnatRules,
  fipRules,
  securityGroupRules,
  attachmentRules,
  clusterRules,
  crossTenantRules,
  liveSubnetRules,
  liveNameRules,
].flatMap((set) => set.rules);
