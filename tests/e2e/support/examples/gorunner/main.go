// Runs the Go example as a Pulumi Automation API inline program.
//
// This machine's toolchain has no pulumi-language-go host, so `pulumi up` cannot build and start
// the program itself. The Automation API runs the example's own program function (the one its
// main.go hands to pulumi.Run) in this process instead. Prints one JSON line: the resources the
// operation changed (anything but same, read or refresh), the stack outputs, and the inputs each
// resource of the operation is planned with (by URN).
//
// Usage: gorunner <work-dir with Pulumi.yaml> <stack> up|preview|destroy [program]
//
// program: "example" (default, the Go example's tenants.Program) or "pod-defaults" (a workload in a
// tenant namespace given its pod defaults by the SDK's transform: ./poddefaults).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/kubeovn-example-go/tenants"
	"kubeovn.test/gorunner/poddefaults"
)

var noOp = map[apitype.OpType]bool{apitype.OpSame: true, apitype.OpRead: true, apitype.OpRefresh: true}

type result struct {
	Changes []string                  `json:"changes"`
	Outputs map[string]any            `json:"outputs"`
	Planned map[string]map[string]any `json:"planned"`
}

var programs = map[string]pulumi.RunFunc{"example": tenants.Program, "pod-defaults": poddefaults.Program}

func run(workDir, stackName, op, program string) (result, error) {
	ctx := context.Background()
	res := result{Changes: []string{}, Outputs: map[string]any{}, Planned: map[string]map[string]any{}}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "unused-the-work-dir-has-Pulumi.yaml",
		programs[program], auto.WorkDir(workDir))
	if err != nil {
		return res, err
	}
	evts := make(chan events.EngineEvent)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range evts {
			if pre := e.ResourcePreEvent; pre != nil && !noOp[pre.Metadata.Op] {
				res.Changes = append(res.Changes, fmt.Sprintf("%s %s", pre.Metadata.Op, pre.Metadata.URN))
			}
			if pre := e.ResourcePreEvent; pre != nil && pre.Metadata.New != nil {
				res.Planned[pre.Metadata.URN] = pre.Metadata.New.Inputs
			}
		}
	}()
	switch op {
	case "up":
		var up auto.UpResult
		up, err = stack.Up(ctx, optup.ProgressStreams(os.Stderr), optup.EventStreams(evts))
		for k, v := range up.Outputs {
			res.Outputs[k] = v.Value
		}
	case "preview":
		_, err = stack.Preview(ctx, optpreview.ProgressStreams(os.Stderr), optpreview.Diff(), optpreview.EventStreams(evts))
	case "destroy":
		_, err = stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stderr), optdestroy.EventStreams(evts))
	default:
		close(evts)
		err = fmt.Errorf("unknown operation %q", op)
	}
	<-done // the engine closes the event channel when the operation ends
	return res, err
}

func main() {
	program := "example"
	if len(os.Args) == 5 {
		program = os.Args[4]
	}
	if (len(os.Args) != 4 && len(os.Args) != 5) || programs[program] == nil {
		fmt.Fprintln(os.Stderr, "usage: gorunner <work-dir> <stack> up|preview|destroy [example|pod-defaults]")
		os.Exit(2)
	}
	res, err := run(os.Args[1], os.Args[2], os.Args[3], program)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gorunner: %v\n", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}
