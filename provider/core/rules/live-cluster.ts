/**
 * Rules checked against what the live cluster already holds (provider/core/cluster-clashes.ts runs
 * them on the snapshot read at preview) and the strictness of the input itself
 * (provider/core/strict-keys.ts). Their checks stay with the snapshot and the schema they read; the
 * rows are here with the others.
 */
import { ruleSet } from "./rule";

const CLASHES = "tests/unit/cluster-clashes.test.ts";

export const liveSubnetRules = ruleSet("Subnet", {
  "live.subnet.overlap": {
    field: "subnets[].cidr (and the cluster network's ranges)",
    refuses: "a range overlapping a Subnet of the same VPC that another owner made",
    upstream:
      'pkg/util/validator.go ValidateCidrConflict (webhook), pkg/controller/subnet.go checkSubnetConflict: refused ("is conflict with subnet"), after other objects exist',
    test: CLASHES,
  },
  "live.subnet.default-vpc": {
    field: "subnets[].cidr",
    refuses: "a tenant range overlapping a default-VPC Subnet (ovn-default, join, others) not made by us",
    upstream:
      "accepted (different VPCs); the tenant's pods reach the default VPC (API-server access, the scraper, the NAT gateway) and one range is routed the wrong way; ovn-default itself is refused at the controller's next start",
    test: CLASHES,
  },
  "live.subnet.service-range": {
    field: "subnets[].cidr",
    refuses: "a range overlapping the cluster's service range (or holding the kubernetes Service's address)",
    upstream:
      "pkg/util/validator.go ValidateSubnet: a default-VPC subnet holding the API server's Service address refused; pod addresses in the service range are shadowed by kube-proxy's rules",
    test: CLASHES,
  },
  "live.subnet.replacement-under-pods": {
    field: "subnets[].cidr, subnets[].gateway, subnets[].name",
    refuses: "a change that replaces a Subnet while workload pods hold addresses in it",
    upstream:
      'pkg/webhook/subnet.go SubnetUpdateHook ("can\'t update gateway of cidr when any IPs in Using"), pkg/controller/subnet.go readyToRemoveFinalizer: the delete waits for every address',
    test: CLASHES,
  },
});

export const liveNameRules = ruleSet("Tenant", {
  "live.name": {
    field: "<list>[].name, tenant, the cluster network's sections",
    refuses: "a planned object whose name the cluster holds in an object of the same kind made by another owner",
    upstream:
      "Kube-OVN objects are cluster-scoped and found by name: applying ours would overwrite or adopt the other owner's object (pkg/webhook/subnet.go, vpc.go refuse a Subnet named like a Vpc)",
    test: CLASHES,
  },
  "input.unknown-key": {
    field: "any key of the fleet file or component args",
    refuses: "a key the components do not declare; the message names the nearest valid key",
    upstream: "CRD structural schemas prune unknown fields silently; ours would be lost the same way",
    test: "tests/unit/strict-input.test.ts",
  },
});
