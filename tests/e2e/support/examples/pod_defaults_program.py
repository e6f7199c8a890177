"""A tenant and workloads given its pod defaults by the Python SDK's transform (pulumi_kubeovn.pod_defaults).

Run by run_python.py like the Python example. The workloads are declared as plain pulumi-kubernetes
resources by type token (the test's virtualenv has no pulumi_kubernetes package; the transform sees
exactly what pulumi_kubernetes.apps.v1.Deployment would send). The same program in Go:
gorunner/poddefaults.
"""
import pulumi
import pulumi_kubeovn as kubeovn
from pulumi_kubeovn.pod_defaults import register_pod_defaults_transform

cluster = kubeovn.ClusterNetwork(
    "cluster",
    interconnect=kubeovn.InterconnectNetworkSpecArgs(master_interface="eth1", cidr="172.31.0.0/24", gateway="172.31.0.1"),
    eip_pools=[kubeovn.EipPoolSpecArgs(name="public-a", cidr="203.0.113.0/24", gateway="203.0.113.1")],
    nat_gateway=kubeovn.NatGatewayConfigSpecArgs(image="docker.io/kubeovn/vpc-nat-gateway:v1.16.2"),
)

acme = kubeovn.TenantNetwork(
    "acme",
    cluster=cluster.info,
    tenant="acme",
    namespaces=[
        kubeovn.TenantNamespaceSpecArgs(
            name="acme-web",
            routes=[kubeovn.PodRouteSpecArgs(dst="192.168.0.0/16", gw="10.10.1.253")],
        ),
    ],
    subnets=[kubeovn.TenantSubnetSpecArgs(name="web", cidr="10.10.1.0/24", namespaces=["acme-web"])],
    # Bound only to the pods labelled tier: front (a pod selector), not to every pod of acme-web.
    security_groups=[
        kubeovn.SecurityGroupSpecArgs(
            name="web",
            namespaces=["acme-web"],
            pod_selector=kubeovn.PodSelectorSpecArgs(
                match_expressions=[
                    kubeovn.PodSelectorRequirementSpecArgs(
                        key="tier", operator=kubeovn.PodSelectorOperator.IN_, values=["front"]
                    )
                ]
            ),
            ingress_rules=[
                kubeovn.SecurityGroupRuleSpecArgs(
                    priority=10, policy=kubeovn.SecurityGroupPolicy.ALLOW, remote_address="10.10.0.0/16"
                )
            ],
        )
    ],
)

register_pod_defaults_transform(acme.pod_defaults)


def pod_spec(annotations):
    metadata = {"labels": {"app": "web"}}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"metadata": metadata, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}


def deployment(name, namespace, annotations):
    return pulumi.CustomResource(
        "kubernetes:apps/v1:Deployment",
        name,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": pod_spec(annotations)},
        },
        pulumi.ResourceOptions(depends_on=[acme]),
    )


# In the tenant namespace: inherits the namespace's route, keeps its own annotation.
deployment("web", "acme-web", {"app.example/keep": "yes"})
# Outside any tenant namespace: left exactly as written.
deployment("outside", "default", {"app.example/keep": "yes"})
# Its own route to the same destination wins: the pod always wins.
pulumi.CustomResource(
    "kubernetes:core/v1:Pod",
    "own-route",
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "own-route",
            "namespace": "acme-web",
            "annotations": {"ovn.kubernetes.io/routes": '[{"dst":"192.168.0.0/16","gw":"10.10.1.1"}]'},
        },
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    },
    pulumi.ResourceOptions(depends_on=[acme]),
)
# Labelled tier: front: the only workload the scoped security group binds.
pulumi.CustomResource(
    "kubernetes:core/v1:Pod",
    "front",
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "front", "namespace": "acme-web", "labels": {"tier": "front"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
    },
    pulumi.ResourceOptions(depends_on=[acme]),
)
