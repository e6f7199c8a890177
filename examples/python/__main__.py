"""Two tenants on one Kube-OVN cluster network: the same setup as the repository's Pulumi.yaml."""
import pulumi
import pulumi_kubeovn as kubeovn

# Once per cluster: the interconnect range NAT gateways use for themselves, and the real EIP pools.
cluster = kubeovn.ClusterNetwork(
    "cluster",
    interconnect=kubeovn.InterconnectNetworkSpecArgs(
        master_interface="eth1",
        cidr="172.31.0.0/24",
        gateway="172.31.0.1",
        exclude_ips=["172.31.0.2..172.31.0.9"],
    ),
    eip_pools=[
        kubeovn.EipPoolSpecArgs(name="public-a", cidr="203.0.113.0/24", gateway="203.0.113.1"),
        kubeovn.EipPoolSpecArgs(
            name="public-b",
            cidr="198.51.100.0/24",
            gateway="198.51.100.1",
            exclude_ips=["198.51.100.2..198.51.100.20"],
        ),
    ],
    nat_gateway=kubeovn.NatGatewayConfigSpecArgs(image="docker.io/kubeovn/vpc-nat-gateway:v1.16.2"),
)

# Tenant acme: a web tier and an app tier, one static and one allocated EIP.
acme = kubeovn.TenantNetwork(
    "acme",
    cluster=cluster.info,
    tenant="acme",
    namespaces=[
        kubeovn.TenantNamespaceSpecArgs(
            name="acme-web",
            routes=[kubeovn.PodRouteSpecArgs(dst="192.168.0.0/16", gw="10.10.1.253")],
        ),
        kubeovn.TenantNamespaceSpecArgs(name="acme-app"),
    ],
    subnets=[
        kubeovn.TenantSubnetSpecArgs(
            name="web",
            cidr="10.10.1.0/24",
            exclude_ips=["10.10.1.250..10.10.1.254"],
            namespaces=["acme-web"],
        ),
        kubeovn.TenantSubnetSpecArgs(
            name="app",
            cidr="10.10.2.0/24",
            namespaces=["acme-app"],
            private=True,
            allow_subnets=["10.10.1.0/24"],
        ),
    ],
    nat_gateway=kubeovn.TenantNatGatewaySpecArgs(subnet="web", lan_ip="10.10.1.254"),
    eips=[
        kubeovn.EipSpecArgs(name="egress", pool="public-a", v4ip="203.0.113.10"),
        kubeovn.EipSpecArgs(name="web", pool="public-a"),
    ],
    snat_rules=[
        kubeovn.SnatRuleSpecArgs(name="web-out", eip="egress", internal_cidr="10.10.1.0/24"),
        kubeovn.SnatRuleSpecArgs(name="app-out", eip="egress", internal_cidr="10.10.2.0/24"),
    ],
    dnat_rules=[
        kubeovn.DnatRuleSpecArgs(
            name="https",
            eip="web",
            protocol=kubeovn.NatProtocol.TCP,
            external_port=443,
            internal_ip="10.10.1.10",
            internal_port=8443,
        ),
    ],
)

# Tenant globex reuses acme's CIDR and lanIp: valid, the VPCs are separate.
globex = kubeovn.TenantNetwork(
    "globex",
    cluster=cluster.info,
    tenant="globex",
    namespaces=[kubeovn.TenantNamespaceSpecArgs(name="globex")],
    subnets=[kubeovn.TenantSubnetSpecArgs(name="main", cidr="10.10.1.0/24", namespaces=["globex"])],
    static_routes=[kubeovn.StaticRouteSpecArgs(cidr="10.99.0.0/16", next_hop_ip="10.10.1.200")],
    nat_gateway=kubeovn.TenantNatGatewaySpecArgs(subnet="main", lan_ip="10.10.1.254"),
    eips=[
        kubeovn.EipSpecArgs(name="out", pool="public-b"),
        kubeovn.EipSpecArgs(name="db", pool="public-b"),
    ],
    snat_rules=[kubeovn.SnatRuleSpecArgs(name="out", eip="out", internal_cidr="10.10.1.0/24")],
    floating_ips=[kubeovn.FloatingIpSpecArgs(name="db", eip="db", internal_ip="10.10.1.20")],
)

pulumi.export("clusterInfo", cluster.info)
pulumi.export("acmeInterconnectIp", acme.interconnect_ip)
pulumi.export("acmeEips", acme.eip_addresses)
pulumi.export("globexInterconnectIp", globex.interconnect_ip)
pulumi.export("globexEips", globex.eip_addresses)
