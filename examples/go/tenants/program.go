// Package tenants declares the cluster network and the tenants acme and globex. It is a package
// of its own (rather than part of main) so Automation API programs can run it inline too.
package tenants

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-kubeovn/pulumi-kubeovn/sdk/go/kubeovn"
)

// Program is the Pulumi program: pass it to pulumi.Run or to an Automation API inline stack.
func Program(ctx *pulumi.Context) error {
	// Once per cluster: the interconnect range NAT gateways use for themselves, and the real EIP pools.
	cluster, err := kubeovn.NewClusterNetwork(ctx, "cluster", &kubeovn.ClusterNetworkArgs{
		Interconnect: kubeovn.InterconnectNetworkSpecArgs{
			MasterInterface: "eth1",
			Cidr:            "172.31.0.0/24",
			Gateway:         "172.31.0.1",
			ExcludeIps:      []string{"172.31.0.2..172.31.0.9"},
		},
		EipPools: []kubeovn.EipPoolSpecArgs{
			{Name: "public-a", Cidr: "203.0.113.0/24", Gateway: "203.0.113.1"},
			{Name: "public-b", Cidr: "198.51.100.0/24", Gateway: "198.51.100.1",
				ExcludeIps: []string{"198.51.100.2..198.51.100.20"}},
		},
		NatGateway: kubeovn.NatGatewayConfigSpecArgs{Image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2"},
	})
	if err != nil {
		return err
	}

	// Tenant acme: a web tier and an app tier, one static and one allocated EIP.
	acme, err := kubeovn.NewTenantNetwork(ctx, "acme", &kubeovn.TenantNetworkArgs{
		Cluster: cluster.Info,
		Tenant:  "acme",
		Namespaces: []kubeovn.TenantNamespaceSpecArgs{
			{Name: "acme-web", Routes: []kubeovn.PodRouteSpecArgs{{Dst: pulumi.StringRef("192.168.0.0/16"), Gw: "10.10.1.253"}}},
			{Name: "acme-app"},
		},
		Subnets: []kubeovn.TenantSubnetSpecArgs{
			{Name: "web", Cidr: "10.10.1.0/24", ExcludeIps: []string{"10.10.1.250..10.10.1.254"},
				Namespaces: []string{"acme-web"}},
			{Name: "app", Cidr: "10.10.2.0/24", Namespaces: []string{"acme-app"},
				Private: pulumi.BoolRef(true), AllowSubnets: []string{"10.10.1.0/24"}},
		},
		NatGateway: &kubeovn.TenantNatGatewaySpecArgs{Subnet: "web", LanIp: "10.10.1.254"},
		Eips: []kubeovn.EipSpecArgs{
			{Name: "egress", Pool: "public-a", V4ip: pulumi.StringRef("203.0.113.10")},
			{Name: "web", Pool: "public-a"},
		},
		SnatRules: []kubeovn.SnatRuleSpecArgs{
			{Name: "web-out", Eip: "egress", InternalCIDR: "10.10.1.0/24"},
			{Name: "app-out", Eip: "egress", InternalCIDR: "10.10.2.0/24"},
		},
		DnatRules: []kubeovn.DnatRuleSpecArgs{
			{Name: "https", Eip: "web", Protocol: kubeovn.NatProtocolTcp, ExternalPort: 443,
				InternalIp: "10.10.1.10", InternalPort: 8443},
		},
	})
	if err != nil {
		return err
	}

	// Tenant globex reuses acme's CIDR and lanIp: valid, the VPCs are separate.
	globex, err := kubeovn.NewTenantNetwork(ctx, "globex", &kubeovn.TenantNetworkArgs{
		Cluster:      cluster.Info,
		Tenant:       "globex",
		Namespaces:   []kubeovn.TenantNamespaceSpecArgs{{Name: "globex"}},
		Subnets:      []kubeovn.TenantSubnetSpecArgs{{Name: "main", Cidr: "10.10.1.0/24", Namespaces: []string{"globex"}}},
		StaticRoutes: []kubeovn.StaticRouteSpecArgs{{Cidr: "10.99.0.0/16", NextHopIP: "10.10.1.200"}},
		NatGateway:   &kubeovn.TenantNatGatewaySpecArgs{Subnet: "main", LanIp: "10.10.1.254"},
		Eips:         []kubeovn.EipSpecArgs{{Name: "out", Pool: "public-b"}, {Name: "db", Pool: "public-b"}},
		SnatRules:    []kubeovn.SnatRuleSpecArgs{{Name: "out", Eip: "out", InternalCIDR: "10.10.1.0/24"}},
		FloatingIps:  []kubeovn.FloatingIpSpecArgs{{Name: "db", Eip: "db", InternalIp: "10.10.1.20"}},
	})
	if err != nil {
		return err
	}

	ctx.Export("clusterInfo", cluster.Info)
	ctx.Export("acmeInterconnectIp", acme.InterconnectIp)
	ctx.Export("acmeEips", acme.EipAddresses)
	ctx.Export("globexInterconnectIp", globex.InterconnectIp)
	ctx.Export("globexEips", globex.EipAddresses)
	return nil
}
