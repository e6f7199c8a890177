/**
 * The safe order to take a tenant apart (upstream: the controller keeps a finalizer on an object
 * while something still uses it): NAT rules -> EIPs -> NAT gateway -> the IPs of workloads ->
 * subnets -> VPC -> attachment definitions. Pure: the Kubernetes calls live in provider/kube.
 */
import type { PlannedObject } from "./plan";

/** Enough to address one object of ours in the API. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

const PHASE_OF_KIND: { [kind: string]: number } = {
  IptablesSnatRule: 0,
  IptablesDnatRule: 0,
  IptablesFIPRule: 0,
  OvnSnatRule: 0,
  OvnDnatRule: 0,
  OvnFip: 0,
  IptablesEIP: 1,
  OvnEip: 1,
  VpcNatGateway: 2,
  IP: 3,
  Vip: 3,
  IPPool: 3,
  Subnet: 4,
  Vpc: 5,
  NetworkAttachmentDefinition: 6,
  // Address claims go last, after everything (known or not) that could use the address.
  Lease: 8,
};

/** Finalizers the Kube-OVN controller sets: the current string and the one older releases used. */
export const KUBE_OVN_FINALIZERS = ["kubeovn.io/kube-ovn-controller", "kube-ovn-controller"];

/** Groups objects into phases, each to be gone before the next starts; kinds we do not know come last. */
export function teardownPhases(objects: ObjectRef[]): ObjectRef[][] {
  const phases: ObjectRef[][] = [];
  for (const o of objects) {
    const i = PHASE_OF_KIND[o.kind] ?? 7;
    phases[i] ??= [];
    phases[i].push(o);
  }
  return phases.filter((p) => p && p.length > 0);
}

/** The objects of a plan that a tenant teardown is responsible for (Kube-OVN kinds; not namespaces). */
export function teardownScope(objects: PlannedObject[]): ObjectRef[] {
  return objects
    .filter((o) => o.kind in PHASE_OF_KIND)
    .map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata.name,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    }));
}

/** The namespace kube-ovn-controller runs in (install.sh, both Helm charts): its NAT gateway workloads live there. */
export const CONTROLLER_NAMESPACE = "kube-system";

/**
 * What kube-ovn-controller runs for a VpcNatGateway (vpc_nat_gateway.go genNatGwStatefulSet): the
 * StatefulSet `vpc-nat-gw-<name>` and its one pod, in the controller's namespace, with no owner
 * reference to the gateway. The controller deletes them when the gateway goes; a dead one leaves
 * them running, holding the pod's addresses in the tenant's subnet.
 */
export function natGatewayWorkload(gateway: string): { statefulSet: ObjectRef; pod: ObjectRef } {
  const name = `vpc-nat-gw-${gateway}`;
  return {
    statefulSet: { apiVersion: "apps/v1", kind: "StatefulSet", name, namespace: CONTROLLER_NAMESPACE },
    pod: { apiVersion: "v1", kind: "Pod", name: `${name}-0`, namespace: CONTROLLER_NAMESPACE },
  };
}
