/** Rules of the tenant's VpcNatGateway. */
import type { ClusterFacts } from "../cluster";
import type { Problems } from "../errors";
import { parseAddress } from "../net";
import { cidrOfFamily, networkContains } from "../network";
import type { TenantSpec } from "../spec";
import type { TenantModel } from "../tenant-model";
import { nonCanonicalAddress } from "./address-range";
import { ruleSet } from "./rule";
import { checkDefaultRouteClash } from "./vpc";

const HOOK = "pkg/webhook/vpc_nat_gateway.go ValidateVpcNatGW";

export const natGatewayRules = ruleSet("VpcNatGateway", {
  "natgw.required": {
    field: "natGateway",
    refuses: "EIPs or NAT rules without a NAT gateway",
    upstream: "pkg/webhook/vpc_nat_gateway.go ValidateIptablesEIP: natGwDp cannot be empty",
  },
  "natgw.subnet.undeclared": {
    field: "natGateway.subnet",
    refuses: "a subnet the tenant does not declare",
    upstream: `${HOOK}: refused when the Subnet does not exist (or is another's)`,
  },
  "natgw.lanIp.invalid": {
    field: "natGateway.lanIp",
    refuses: "a malformed address",
    upstream: `${HOOK}: refused ("lanIP ... is not a valid")`,
  },
  "natgw.lanIp.not-canonical": {
    field: "natGateway.lanIp",
    refuses: "an IPv6 address not in canonical form; the message names it",
    upstream: "accepted and kept as written; the IP object the controller makes for it prints it canonically",
  },
  "natgw.lanIp.outside": {
    field: "natGateway.lanIp",
    refuses: "an address outside its subnet",
    upstream: `${HOOK}: refused ("lanIP ... is not in the range of subnet")`,
  },
  "natgw.lanIp.gateway": {
    field: "natGateway.lanIp",
    refuses: "the subnet's gateway",
    upstream: "pkg/controller/vpc_nat_gateway.go: accepted; the pod's address clashes with the router port's",
  },
  "natgw.interconnectIp.invalid": {
    field: "natGateway.interconnectIp",
    refuses: "a malformed address, one outside the interconnect network, or its gateway",
    upstream:
      "pkg/controller/vpc_nat_gateway.go genNatGwStatefulSet (the net1 address annotation): IPAM refuses it and the pod never starts",
  },
  "natgw.selector": {
    field: "natGateway.selector[]",
    refuses: 'an entry not written "key: value"',
    upstream: "pkg/controller/vpc_nat_gateway.go getNatGwNodeSelector (split on ':'): a malformed entry is dropped",
  },
});
const R = natGatewayRules;

export function checkNatGateway(
  p: Problems,
  spec: TenantSpec,
  cluster: ClusterFacts | undefined,
  model: TenantModel,
): boolean {
  const gw = spec.natGateway;
  const needsGateway =
    (spec.eips?.length ?? 0) +
      (spec.snatRules?.length ?? 0) +
      (spec.dnatRules?.length ?? 0) +
      (spec.floatingIps?.length ?? 0) >
    0;
  if (!gw) {
    if (needsGateway) R.refuse(p, "natgw.required", "natGateway", gw, "is required for EIPs and NAT rules");
    return false;
  }
  const home = model.subnets.get(gw.subnet);
  const declared = (spec.subnets ?? []).some((s) => s?.name === gw.subnet);
  if (!declared)
    R.refuse(p, "natgw.subnet.undeclared", "natGateway.subnet", gw.subnet, "is not one of this tenant's subnets");
  const lan = parseAddress(gw.lanIp);
  if (!lan) R.refuse(p, "natgw.lanIp.invalid", "natGateway.lanIp", gw.lanIp, "is not a valid IP address");
  else if (nonCanonicalAddress(gw.lanIp, lan))
    R.refuse(
      p,
      "natgw.lanIp.not-canonical",
      "natGateway.lanIp",
      gw.lanIp,
      `is not in canonical form; write ${lan.text}`,
    );
  else if (home) {
    if (!networkContains(home.net, lan))
      R.refuse(
        p,
        "natgw.lanIp.outside",
        "natGateway.lanIp",
        gw.lanIp,
        `is outside subnet ${gw.subnet} (${home.net.cidrBlock})`,
      );
    else if (home.net.gateways.some((g) => g.value === lan.value && g.family === lan.family))
      R.refuse(p, "natgw.lanIp.gateway", "natGateway.lanIp", gw.lanIp, `is the gateway of subnet ${gw.subnet}`);
    else model.lanIp = lan;
  }
  if (lan && gw.defaultRoute !== false) checkDefaultRouteClash(p, spec, lan.family);
  if (gw.interconnectIp !== undefined && cluster) {
    const a = parseAddress(gw.interconnectIp);
    const c = a && cidrOfFamily(cluster.interconnect, a.family);
    const at = "natGateway.interconnectIp";
    if (!a) R.refuse(p, "natgw.interconnectIp.invalid", at, gw.interconnectIp, "is not a valid IP address");
    else if (!c || !networkContains(cluster.interconnect, a))
      R.refuse(
        p,
        "natgw.interconnectIp.invalid",
        at,
        gw.interconnectIp,
        `is outside the interconnect network ${cluster.interconnect.cidrBlock}`,
      );
    else if (cluster.interconnect.gateways.some((g) => g.value === a.value))
      R.refuse(p, "natgw.interconnectIp.invalid", at, gw.interconnectIp, "is the interconnect network's gateway");
    else model.interconnectIp = a;
  }
  (gw.selector ?? []).forEach((s, i) => {
    if (typeof s !== "string" || !/^[^:\s]+:\s?\S*$/.test(s))
      R.refuse(p, "natgw.selector", `natGateway.selector[${i}]`, s, 'must be "key: value"');
  });
  return true;
}
