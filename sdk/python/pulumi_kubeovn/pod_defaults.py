# Hand-written (sdk-overlay/python in the pulumi-kubeovn repository), copied into the generated SDK.
"""Pod defaults for workloads declared in the same program.

A tenant namespace's pods inherit routes, attachments, security groups and port security from the
namespace (TenantNetwork ``pod_defaults``). The PodDefaultsWebhook gives them to every pod when it is
created; this transform gives them to the Pods and pod templates your program declares, so the preview
already shows what the pods will get. It is the Python counterpart of TypeScript's
``podDefaultsTransform``; the merge itself is the provider's (function ``apply_pod_defaults``)::

    import pulumi_kubeovn as kubeovn
    from pulumi_kubeovn.pod_defaults import register_pod_defaults_transform

    acme = kubeovn.TenantNetwork("acme", ...)
    register_pod_defaults_transform(acme.pod_defaults)   # before the workloads
"""

from typing import Any, Dict, List, Mapping, Optional

import pulumi

from .apply_pod_defaults import apply_pod_defaults_output

__all__ = ["POD_METADATA_PATHS", "pod_defaults_transform", "register_pod_defaults_transform"]

#: Where each Kubernetes kind keeps the metadata of the pods it creates (pulumi-kubernetes type tokens).
POD_METADATA_PATHS: Mapping[str, List[str]] = {
    "kubernetes:core/v1:Pod": ["metadata"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "metadata"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "metadata"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "metadata"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "metadata"],
    "kubernetes:batch/v1:Job": ["spec", "template", "metadata"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "metadata"],
}


def _plain(value: Any) -> Any:
    """Output-type objects as plain dicts keyed by the Pulumi names the provider function reads.

    Output types are dicts keyed by Python names whose getters can shadow dict methods (a pod
    selector requirement's ``values``), which breaks passing them back as inputs.
    """
    if isinstance(value, dict):
        cls = type(value)
        out: Dict[str, Any] = {}
        for key, item in dict.items(value):
            prop = getattr(cls, key, None) if cls is not dict else None
            name = getattr(prop.fget, "_pulumi_name", key) if isinstance(prop, property) else key
            out[name] = _plain(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _merge(maps: List[Optional[Mapping[str, Any]]]) -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for m in maps:
        merged.update(m or {})
    return merged


def _set_in(obj: Mapping[str, Any], path: List[str], value: Any) -> Dict[str, Any]:
    out = dict(obj)
    head, rest = path[0], path[1:]
    out[head] = value if not rest else _set_in(obj.get(head) or {}, rest, value)
    return out


def pod_defaults_transform(*pod_defaults: "pulumi.Input[Mapping[str, Any]]") -> pulumi.ResourceTransform:
    """A resource transform giving Pods and pod templates in tenant namespaces their namespace's defaults.

    Pass the ``pod_defaults`` outputs of one or more TenantNetworks. Workloads outside those namespaces,
    or whose namespace is not known while the program runs, are left as written (the webhook still
    covers them when they are created). The workload's own annotations always win.
    """
    # Each output made plain on its own first: Output.all would lift the output types' members and trip
    # over the getters that shadow dict methods.
    plain = [d.apply(_plain) if isinstance(d, pulumi.Output) else pulumi.Output.from_input(_plain(d)) for d in pod_defaults]
    defaults = pulumi.Output.all(*plain).apply(_merge)

    def transform(args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
        path = POD_METADATA_PATHS.get(args.type_)
        if path is None or not args.custom:
            return None
        props = args.props
        # Pods run in the namespace of the workload; a template's own namespace is ignored by Kubernetes.
        metadata = props.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if namespace is None:
            return None
        at: Any = props
        for key in path:
            if not isinstance(at, dict):
                return None
            at = at.get(key) or {}
        if not isinstance(at, dict):
            return None
        # The pods' labels (a template's for a workload) pick the defaults scoped by pod selectors.
        result = apply_pod_defaults_output(
            pod_defaults=defaults, namespace=namespace, annotations=at.get("annotations"), labels=at.get("labels")
        )

        def annotations(r: Any) -> Optional[Mapping[str, str]]:
            for warning in r.warnings or []:
                pulumi.log.warn(f"{args.name}: {warning}")
            return r.annotations

        merged = result.apply(annotations)
        return pulumi.ResourceTransformResult(props=_set_in(props, path + ["annotations"], merged), opts=args.opts)

    return transform


def register_pod_defaults_transform(*pod_defaults: "pulumi.Input[Mapping[str, Any]]") -> None:
    """Registers :func:`pod_defaults_transform` for every resource of the stack declared after it."""
    pulumi.runtime.register_resource_transform(pod_defaults_transform(*pod_defaults))
