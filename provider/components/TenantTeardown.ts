import * as pulumi from "@pulumi/pulumi";
import { ObjectRef } from "../core/teardown";

/** Client side of the provider's teardown resource (see provider/kube/teardown-resource.ts). */
export class TenantTeardown extends pulumi.CustomResource {
    constructor(
        name: string,
        args: { tenant: string; objects: ObjectRef[]; graceSeconds: number; kubeconfig: pulumi.Input<string> },
        opts: pulumi.CustomResourceOptions,
    ) {
        super("kubeovn:index:TenantTeardown", name, { ...args, kubeconfig: pulumi.secret(args.kubeconfig) }, { ...opts, additionalSecretOutputs: ["kubeconfig"] });
    }
}
