/**
 * The provider plugin process (`pulumi-resource-kubeovn`): serves the components and the teardown
 * resource to programs in every Pulumi language.
 *
 * Every `pulumi up` starts this process twice: once from the language host, which only asks for the
 * schema, and once from the engine, which constructs the components. Many stacks running at once
 * start many of these on the same machine, so the process starts with the schema only and loads the
 * components (and their heavy dependencies) on the first construct.
 */
import * as provider from "@pulumi/pulumi/provider";
import { KubeovnProvider, PACKAGE_VERSION } from "./provider";

export function makeProvider(engineAddress?: string): KubeovnProvider {
  return new KubeovnProvider(PACKAGE_VERSION, () => import("./served"), engineAddress);
}

/** Serves the provider; `args` are the plugin's command-line arguments (the engine's address first). */
export function main(args: string[]): void {
  const engine = args.find((a) => !a.startsWith("-"));
  provider.main(makeProvider(engine), args).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

if (require.main === module) main(process.argv.slice(2));
