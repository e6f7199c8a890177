/**
 * The provider plugin process (`pulumi-resource-kubeovn`): serves the components to programs in
 * every Pulumi language. The schema is inferred from the components' TypeScript args.
 */
import * as path from "node:path";
import * as provider from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { ClusterNetwork, TenantNetwork } from "./index";

const root = path.resolve(__dirname, "..");
const version: string = require(path.join(root, "package.json")).version;

export const kubeovnProvider = new ComponentProvider({ components: [ClusterNetwork, TenantNetwork], dirname: root, name: "kubeovn", version });

if (require.main === module) {
    provider.main(kubeovnProvider, process.argv.slice(2)).catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
