"""A workload that depends on a tenant, through the plugin: `depends_on=[tenant]` must wait for every
object of the tenant, its Subnets Ready included (tests/e2e/ordering.test.ts; the same program as an
inline TypeScript program there).

Run by run_python.py like the Python example. The workload is a plain pulumi-kubernetes ConfigMap
declared by type token (the test's virtualenv has no pulumi_kubernetes package).
"""
import pulumi
import pulumi_kubeovn as kubeovn

cluster = kubeovn.ClusterNetwork(
    "cluster",
    interconnect=kubeovn.InterconnectNetworkSpecArgs(master_interface="eth1", cidr="172.31.0.0/24", gateway="172.31.0.1"),
    eip_pools=[kubeovn.EipPoolSpecArgs(name="public-a", cidr="203.0.113.0/24", gateway="203.0.113.1")],
    nat_gateway=kubeovn.NatGatewayConfigSpecArgs(image="docker.io/kubeovn/vpc-nat-gateway:v1.16.2"),
)

tenant = kubeovn.TenantNetwork(
    "ordering",
    cluster=cluster.info,
    tenant="ordering",
    namespaces=[kubeovn.TenantNamespaceSpecArgs(name="ordering-web"), kubeovn.TenantNamespaceSpecArgs(name="ordering-app")],
    subnets=[
        kubeovn.TenantSubnetSpecArgs(name="web", cidr="10.72.1.0/24", namespaces=["ordering-web"]),
        kubeovn.TenantSubnetSpecArgs(name="app", cidr="10.72.2.0/24", namespaces=["ordering-app"]),
    ],
)


def config_map(name, depends_on):
    return pulumi.CustomResource(
        "kubernetes:core/v1:ConfigMap",
        name,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default"},
            "data": {"waits-for": name},
        },
        pulumi.ResourceOptions(depends_on=depends_on),
    )


config_map("after-tenant", [tenant])
config_map("after-cluster", [cluster])
