/**
 * What every pod of a tenant namespace inherits. The planner records it on the namespace as one JSON
 * annotation; the admission webhook (pods created by anyone) and the in-program transform (pods and pod
 * templates declared in a Pulumi program) read it and merge it into each pod's Kube-OVN annotations.
 */
import { PodRouteSpec } from "./spec";

/** Namespace annotation holding the JSON-encoded {@link PodDefaults} of the namespace. */
export const POD_DEFAULTS_ANNOTATION = "pulumi-kubeovn/pod-defaults";

/** An extra NIC every pod of the namespace gets, with the routes through it. */
export interface PodAttachment {
    /** The NetworkAttachmentDefinition, `<namespace>/<name>`. */
    network: string;
    /** Routes through this NIC (Kube-OVN's `<name>.<namespace>.ovn.kubernetes.io/routes`). */
    routes?: PodRouteSpec[];
}

/** Everything a namespace's pods inherit. Empty members are omitted from the annotation. */
export interface PodDefaults {
    /** Routes of the primary NIC (Kube-OVN's `ovn.kubernetes.io/routes`). */
    routes?: PodRouteSpec[];
    /** Extra NICs (Multus `k8s.v1.cni.cncf.io/networks`) and their routes. */
    attachments?: PodAttachment[];
    /** Kube-OVN SecurityGroups bound to the primary NIC (`ovn.kubernetes.io/security_groups`). */
    securityGroups?: string[];
    /** Kube-OVN port security on the primary NIC (`ovn.kubernetes.io/port_security`). */
    portSecurity?: boolean;
}
