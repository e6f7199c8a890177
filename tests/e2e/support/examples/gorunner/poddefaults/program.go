// Package poddefaults is a tenant and workloads given its pod defaults by the Go SDK's transform
// (kubeovn.RegisterPodDefaultsTransform): the Go twin of ../../pod_defaults_program.py. The workloads
// are declared as plain pulumi-kubernetes resources by type token (this module does not pull in the
// pulumi-kubernetes Go SDK; the transform sees what its Deployment would send).
package poddefaults

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pulumi-kubeovn/pulumi-kubeovn/sdk/go/kubeovn"
)

type resource struct{ pulumi.CustomResourceState }

func podSpec(annotations pulumi.Map) pulumi.Map {
	metadata := pulumi.Map{"labels": pulumi.Map{"app": pulumi.String("web")}}
	if annotations != nil {
		metadata["annotations"] = annotations
	}
	return pulumi.Map{
		"metadata": metadata,
		"spec": pulumi.Map{"containers": pulumi.Array{
			pulumi.Map{"name": pulumi.String("web"), "image": pulumi.String("nginx:1.27")},
		}},
	}
}

// Program declares the tenant, registers the transform and declares the workloads.
func Program(ctx *pulumi.Context) error {
	cluster, err := kubeovn.NewClusterNetwork(ctx, "cluster", &kubeovn.ClusterNetworkArgs{
		Interconnect: kubeovn.InterconnectNetworkSpecArgs{MasterInterface: "eth1", Cidr: "172.31.0.0/24", Gateway: "172.31.0.1"},
		EipPools:     []kubeovn.EipPoolSpecArgs{{Name: "public-a", Cidr: "203.0.113.0/24", Gateway: "203.0.113.1"}},
		NatGateway:   kubeovn.NatGatewayConfigSpecArgs{Image: "docker.io/kubeovn/vpc-nat-gateway:v1.16.2"},
	})
	if err != nil {
		return err
	}
	acme, err := kubeovn.NewTenantNetwork(ctx, "acme", &kubeovn.TenantNetworkArgs{
		Cluster: cluster.Info,
		Tenant:  "acme",
		Namespaces: []kubeovn.TenantNamespaceSpecArgs{{
			Name:   "acme-web",
			Routes: []kubeovn.PodRouteSpecArgs{{Dst: pulumi.StringRef("192.168.0.0/16"), Gw: "10.10.1.253"}},
		}},
		Subnets: []kubeovn.TenantSubnetSpecArgs{{Name: "web", Cidr: "10.10.1.0/24", Namespaces: []string{"acme-web"}}},
		// Bound only to the pods labelled tier: front (a pod selector), not to every pod of acme-web.
		SecurityGroups: []kubeovn.SecurityGroupSpecArgs{{
			Name:       "web",
			Namespaces: []string{"acme-web"},
			PodSelector: &kubeovn.PodSelectorSpecArgs{MatchExpressions: []kubeovn.PodSelectorRequirementSpecArgs{
				{Key: "tier", Operator: kubeovn.PodSelectorOperatorIn, Values: []string{"front"}},
			}},
			IngressRules: []kubeovn.SecurityGroupRuleSpecArgs{
				{Priority: 10, Policy: kubeovn.SecurityGroupPolicyAllow, RemoteAddress: pulumi.StringRef("10.10.0.0/16")},
			},
		}},
	})
	if err != nil {
		return err
	}
	if err := kubeovn.RegisterPodDefaultsTransform(ctx, acme.PodDefaults); err != nil {
		return err
	}

	deployment := func(name, namespace string, annotations pulumi.Map) error {
		var r resource
		return ctx.RegisterResource("kubernetes:apps/v1:Deployment", name, pulumi.Map{
			"apiVersion": pulumi.String("apps/v1"),
			"kind":       pulumi.String("Deployment"),
			"metadata":   pulumi.Map{"name": pulumi.String(name), "namespace": pulumi.String(namespace)},
			"spec": pulumi.Map{
				"selector": pulumi.Map{"matchLabels": pulumi.Map{"app": pulumi.String("web")}},
				"template": podSpec(annotations),
			},
		}, &r, pulumi.DependsOn([]pulumi.Resource{acme}))
	}
	// In the tenant namespace: inherits the namespace's route, keeps its own annotation.
	if err := deployment("web", "acme-web", pulumi.Map{"app.example/keep": pulumi.String("yes")}); err != nil {
		return err
	}
	// Outside any tenant namespace: left exactly as written.
	if err := deployment("outside", "default", pulumi.Map{"app.example/keep": pulumi.String("yes")}); err != nil {
		return err
	}
	// Labelled tier: front: the only workload the scoped security group binds.
	var front resource
	if err := ctx.RegisterResource("kubernetes:core/v1:Pod", "front", pulumi.Map{
		"apiVersion": pulumi.String("v1"),
		"kind":       pulumi.String("Pod"),
		"metadata": pulumi.Map{
			"name":      pulumi.String("front"),
			"namespace": pulumi.String("acme-web"),
			"labels":    pulumi.Map{"tier": pulumi.String("front")},
		},
		"spec": pulumi.Map{"containers": pulumi.Array{
			pulumi.Map{"name": pulumi.String("web"), "image": pulumi.String("nginx:1.27")},
		}},
	}, &front, pulumi.DependsOn([]pulumi.Resource{acme})); err != nil {
		return err
	}
	// Its own route to the same destination wins: the pod always wins.
	var pod resource
	return ctx.RegisterResource("kubernetes:core/v1:Pod", "own-route", pulumi.Map{
		"apiVersion": pulumi.String("v1"),
		"kind":       pulumi.String("Pod"),
		"metadata": pulumi.Map{
			"name":      pulumi.String("own-route"),
			"namespace": pulumi.String("acme-web"),
			"annotations": pulumi.Map{
				"ovn.kubernetes.io/routes": pulumi.String(`[{"dst":"192.168.0.0/16","gw":"10.10.1.1"}]`),
			},
		},
		"spec": pulumi.Map{"containers": pulumi.Array{
			pulumi.Map{"name": pulumi.String("web"), "image": pulumi.String("nginx:1.27")},
		}},
	}, &pod, pulumi.DependsOn([]pulumi.Resource{acme}))
}
