/**
 * The kubeovn provider: the components (served by Pulumi's component provider, schema inferred
 * from their TypeScript args) plus one real resource, TenantTeardown, with its own CRUD.
 */
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { engineWarnings, Warn } from "./kube/engine-log";
import { TEARDOWN_TYPE, TeardownProps, checkTeardown, diffTeardown, removedObjects, runTeardown, teardownSchema } from "./kube/teardown-resource";

/** Pulumi hands secret inputs to providers wrapped in a signature object; our logic wants the value. */
function unsecret(v: any): any {
    if (v && typeof v === "object") {
        if (v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") return unsecret(v.value);
        if (Array.isArray(v)) return v.map(unsecret);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unsecret(x)]));
    }
    return v;
}

export class KubeovnProvider implements provider.Provider {
    readonly version: string;
    private readonly warn: Warn;

    constructor(private readonly components: ComponentProvider, engineAddress?: string) {
        this.version = components.version;
        this.warn = engineWarnings(engineAddress);
    }

    async getSchema(): Promise<string> {
        const schema = JSON.parse(await this.components.getSchema());
        schema.types = { ...schema.types, ...teardownSchema.types };
        schema.resources = { ...schema.resources, [TEARDOWN_TYPE]: teardownSchema.resource };
        return JSON.stringify(schema);
    }

    construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
        return this.components.construct(name, type, inputs, options);
    }

    private only(urn: string): void {
        const type = urn.split("::")[2]?.split("$").pop();
        if (type !== TEARDOWN_TYPE) throw new Error(`kubeovn provider: unknown resource type in ${urn}`);
    }

    async check(urn: string, _olds: any, news: any): Promise<provider.CheckResult> {
        this.only(urn);
        return checkTeardown(unsecret(news));
    }

    async diff(_id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
        this.only(urn);
        return diffTeardown(unsecret(olds), unsecret(news));
    }

    async create(urn: string, inputs: any): Promise<provider.CreateResult> {
        this.only(urn);
        return { id: `${unsecret(inputs).tenant}-teardown`, outs: inputs };
    }

    async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
        this.only(urn);
        return { id, props };
    }

    async update(_id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
        this.only(urn);
        const o = unsecret(olds) as TeardownProps;
        const n = unsecret(news) as TeardownProps;
        await runTeardown(urn, n, removedObjects(o, n), this.warn);
        return { outs: news };
    }

    async delete(_id: string, urn: string, props: any): Promise<void> {
        this.only(urn);
        const p = unsecret(props) as TeardownProps;
        await runTeardown(urn, p, p.objects, this.warn);
    }
}
