// Hand-written (sdk-overlay/go in the pulumi-kubeovn repository), copied into the generated SDK.

package kubeovn

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PodMetadataPaths says where each Kubernetes kind keeps the metadata of the pods it creates
// (pulumi-kubernetes type tokens): the same table as the TypeScript transform's.
var PodMetadataPaths = map[string][]string{
	"kubernetes:core/v1:Pod":         {"metadata"},
	"kubernetes:apps/v1:Deployment":  {"spec", "template", "metadata"},
	"kubernetes:apps/v1:StatefulSet": {"spec", "template", "metadata"},
	"kubernetes:apps/v1:DaemonSet":   {"spec", "template", "metadata"},
	"kubernetes:apps/v1:ReplicaSet":  {"spec", "template", "metadata"},
	"kubernetes:batch/v1:Job":        {"spec", "template", "metadata"},
	"kubernetes:batch/v1:CronJob":    {"spec", "jobTemplate", "spec", "template", "metadata"},
}

// PodDefaultsTransform returns a resource transform that gives Pods and pod templates declared in the
// program their namespace's pod defaults (routes, attachments, security groups, port security), so the
// preview already shows what their pods inherit: the Go counterpart of TypeScript's podDefaultsTransform.
// Pass the PodDefaults outputs of one or more TenantNetworks. The merge is done by the provider
// (function applyPodDefaults), the same one the admission webhook applies. Workloads outside those
// namespaces are left as written (the webhook still covers them when they are created).
//
//	err := kubeovn.RegisterPodDefaultsTransform(ctx, acme.PodDefaults, globex.PodDefaults)
func PodDefaultsTransform(ctx *pulumi.Context, podDefaults ...PodDefaultsMapInput) pulumi.ResourceTransform {
	inputs := make([]interface{}, len(podDefaults))
	for i, d := range podDefaults {
		inputs[i] = d
	}
	all := pulumi.All(inputs...).ApplyT(func(maps []interface{}) map[string]PodDefaults {
		merged := map[string]PodDefaults{}
		for _, m := range maps {
			for ns, d := range m.(map[string]PodDefaults) {
				merged[ns] = d
			}
		}
		return merged
	}).(PodDefaultsMapOutput)

	return func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		path, ok := PodMetadataPaths[args.Type]
		if !ok || !args.Custom {
			return nil
		}
		// Pods run in the namespace of the workload; a template's own namespace is ignored by Kubernetes.
		var namespace pulumi.StringPtrInput
		if md, ok := args.Props["metadata"].(pulumi.Map); ok {
			if ns, ok := md["namespace"].(pulumi.String); ok {
				namespace = pulumi.StringPtr(string(ns))
			}
		}
		if namespace == nil {
			return nil // not known while the program runs: left to the webhook
		}
		at := args.Props
		for _, key := range path {
			switch next := at[key].(type) {
			case nil:
				at = pulumi.Map{}
			case pulumi.Map:
				at = next
			default:
				return nil // computed or not an object: left as written
			}
		}
		own, ok := plainStrings(at["annotations"])
		if !ok {
			return nil // an annotation only known later: left as written
		}
		// The pods' labels (a template's for a workload) pick the defaults scoped by pod selectors.
		labels := labelsInput(at["labels"])
		result := ApplyPodDefaultsOutput(ctx, ApplyPodDefaultsOutputArgs{
			PodDefaults: all,
			Namespace:   namespace,
			Annotations: own,
			Labels:      labels,
		})
		name := args.Name
		merged := result.ApplyT(func(r ApplyPodDefaultsResult) map[string]string {
			for _, w := range r.Warnings {
				_ = ctx.Log.Warn(fmt.Sprintf("%s: %s", name, w), nil)
			}
			return r.Annotations
		}).(pulumi.StringMapOutput)
		return &pulumi.ResourceTransformResult{
			Props: setIn(args.Props, append(append([]string{}, path...), "annotations"), merged),
			Opts:  args.Opts,
		}
	}
}

// RegisterPodDefaultsTransform registers PodDefaultsTransform for every resource of the stack declared
// after it.
func RegisterPodDefaultsTransform(ctx *pulumi.Context, podDefaults ...PodDefaultsMapInput) error {
	return ctx.RegisterResourceTransform(PodDefaultsTransform(ctx, podDefaults...))
}

// plainStrings reads a map of plain strings (annotations, labels): nil when absent, false when not plain.
func plainStrings(v interface{}) (pulumi.StringMap, bool) {
	switch m := v.(type) {
	case nil:
		return nil, true
	case pulumi.Map:
		out := pulumi.StringMap{}
		for k, x := range m {
			s, ok := x.(pulumi.String)
			if !ok {
				return nil, false
			}
			out[k] = s
		}
		return out, true
	case pulumi.StringMap:
		return m, true
	default:
		return nil, false
	}
}

// labelsInput is the pods' labels as an input: plain now, or resolved with the resource (a label taken
// from another resource's output), so the scoped defaults are decided on the labels the pods get.
func labelsInput(v interface{}) pulumi.StringMapInput {
	if m, ok := plainStrings(v); ok {
		return m
	}
	return pulumi.ToOutput(v).ApplyT(func(x interface{}) map[string]string {
		out := map[string]string{}
		if m, ok := x.(map[string]interface{}); ok {
			for k, s := range m {
				if str, ok := s.(string); ok {
					out[k] = str
				}
			}
		}
		return out
	}).(pulumi.StringMapOutput)
}

// setIn copies m along path, replacing the value at its end.
func setIn(m pulumi.Map, path []string, value pulumi.Input) pulumi.Map {
	out := pulumi.Map{}
	for k, v := range m {
		out[k] = v
	}
	if len(path) == 1 {
		out[path[0]] = value
		return out
	}
	inner, _ := m[path[0]].(pulumi.Map)
	if inner == nil {
		inner = pulumi.Map{}
	}
	out[path[0]] = setIn(inner, path[1:], value)
	return out
}
