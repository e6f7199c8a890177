/**
 * The provider plugin process (`pulumi-resource-kubeovn`): serves the components and the teardown
 * resource to programs in every Pulumi language.
 */
import * as path from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { ClusterNetwork, PodDefaultsWebhook, TenantNetwork } from "./index";
import { KubeovnProvider } from "./provider";

const root = path.resolve(__dirname, "..");
const version: string = require(path.join(root, "package.json")).version;

const classes = [ClusterNetwork, TenantNetwork, PodDefaultsWebhook];

export function componentProvider(): ComponentProvider {
    return new ComponentProvider({ components: classes, dirname: root, name: "kubeovn", version });
}

export function makeProvider(engineAddress?: string): KubeovnProvider {
    return new KubeovnProvider(componentProvider(), classes, engineAddress);
}

if (require.main === module) {
    const args = process.argv.slice(2);
    // The engine passes its own address as the first argument.
    const engine = args.find((a) => !a.startsWith("-"));
    provider.main(makeProvider(engine), args).catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
