// Two tenants on one Kube-OVN cluster network: the same setup as the repository's Pulumi.yaml.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/kubeovn-example-go/tenants"
)

func main() {
	pulumi.Run(tenants.Program)
}
