// Runs the Go example as a Pulumi Automation API inline program.
//
// This machine's toolchain has no pulumi-language-go host, so `pulumi up` cannot build and start
// the program itself. The Automation API runs the example's own program function (the one its
// main.go hands to pulumi.Run) in this process instead. Prints one JSON line: the resources the
// operation changed (anything but same, read or refresh) and the stack outputs.
//
// Usage: gorunner <work-dir with Pulumi.yaml> <stack> up|preview|destroy
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

	"example.com/kubeovn-example-go/tenants"
)

var noOp = map[apitype.OpType]bool{apitype.OpSame: true, apitype.OpRead: true, apitype.OpRefresh: true}

type result struct {
	Changes []string       `json:"changes"`
	Outputs map[string]any `json:"outputs"`
}

func run(workDir, stackName, op string) (result, error) {
	ctx := context.Background()
	res := result{Changes: []string{}, Outputs: map[string]any{}}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "unused-the-work-dir-has-Pulumi.yaml",
		tenants.Program, auto.WorkDir(workDir))
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
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gorunner <work-dir> <stack> up|preview|destroy")
		os.Exit(2)
	}
	res, err := run(os.Args[1], os.Args[2], os.Args[3])
	if err != nil {
		fmt.Fprintf(os.Stderr, "gorunner: %v\n", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}
