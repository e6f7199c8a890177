"""A tenant that is valid but for misspelled keys in plain dicts (which Python's type hints do not stop)."""
import pulumi_kubeovn as kubeovn

kubeovn.TenantNetwork(
    "typo",
    cluster={
        "interconnectSubnet": "ovn-vpc-external-network",
        "interconnectCidr": "172.31.0.0/24",
        "interconnectGateway": "172.31.0.1",
        "interconnectExcludeIps": ["172.31.0.1"],
        "eipPools": [
            {"name": "public-a", "cidr": "203.0.113.0/24", "gateway": "203.0.113.1", "excludeIps": ["203.0.113.1"]}
        ],
    },
    tenant="typo",
    namespaces=[{"name": "typo-web", "routes": [{"dest": "192.168.0.0/16", "gw": "10.10.1.253"}]}],
    subnets=[{"name": "web", "cidr": "10.10.1.0/24", "gatway": "10.10.1.1", "namespaces": ["typo-web"]}],
)
