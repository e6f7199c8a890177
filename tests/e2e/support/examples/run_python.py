"""Runs the Python example as a Pulumi Automation API inline program.

This machine's toolchain has no pulumi-language-python host, so `pulumi up` cannot start the
program itself. The Automation API runs it in this process instead: the example stays an ordinary
`__main__.py`, executed as-is by runpy. Prints one JSON line: the resources the operation changed
(anything but same, read or refresh), the stack outputs, the inputs each resource is planned with,
and the engine's step events in order (each resource's start and end, with the engine's sequence).

Usage: python run_python.py <program.py> <work-dir with Pulumi.yaml> <stack> up|preview|destroy
"""
import json
import runpy
import sys

from pulumi import automation as auto


def main() -> None:
    program_file, work_dir, stack_name, op = sys.argv[1:5]
    changes = []
    planned = {}
    steps = []
    no_op = {auto.OpType.SAME, auto.OpType.READ, auto.OpType.REFRESH}

    def on_event(event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is not None and pre.metadata.op not in no_op:
            changes.append(f"{pre.metadata.op.value} {pre.metadata.urn}")
        if pre is not None and pre.metadata.new is not None:
            planned[pre.metadata.urn] = pre.metadata.new.inputs
        for kind, step in (("pre", pre), ("outputs", event.res_outputs_event)):
            if step is not None:
                urn, op_ = step.metadata.urn, step.metadata.op.value
                steps.append({"kind": kind, "op": op_, "urn": urn, "sequence": event.sequence})

    stack = auto.create_or_select_stack(
        stack_name=stack_name,
        project_name="unused-the-work-dir-has-Pulumi.yaml",
        program=lambda: runpy.run_path(program_file, run_name="__main__"),
        opts=auto.LocalWorkspaceOptions(work_dir=work_dir),
    )
    log = lambda line: print(line, file=sys.stderr)  # noqa: E731
    outputs = {}
    if op == "up":
        result = stack.up(on_output=log, on_event=on_event)
        outputs = {k: v.value for k, v in result.outputs.items()}
    elif op == "preview":
        stack.preview(on_output=log, on_event=on_event, diff=True)
    elif op == "destroy":
        stack.destroy(on_output=log, on_event=on_event)
    else:
        raise SystemExit(f"unknown operation {op!r}")
    print(json.dumps({"changes": changes, "outputs": outputs, "planned": planned, "steps": steps}))


if __name__ == "__main__":
    main()
