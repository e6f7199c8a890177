/**
 * The kubeovn provider: the components (served by Pulumi's component provider, schema inferred
 * from their TypeScript args) plus two real resources with their own CRUD: Teardown, and the
 * webhook's certificate (WebhookCertificate).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";
import { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { engineWarnings, Warn } from "./kube/engine-log";
import { TEARDOWN_TYPE, TeardownProps, checkTeardown, diffTeardown, removedObjects, runTeardown, teardownSchema } from "./kube/teardown-resource";
import { CERTIFICATE_TYPE, certificateSchema, checkCertificate, createCertificate, diffCertificate } from "./webhook/certificate-resource";

/** Pulumi hands secret inputs to providers wrapped in a signature object; our logic wants the value. */
function unsecret(v: any): any {
    if (v && typeof v === "object") {
        if (v["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") return unsecret(v.value);
        if (Array.isArray(v)) return v.map(unsecret);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unsecret(x)]));
    }
    return v;
}

/** The schema, generated from the components' TypeScript by `npm run schema` (a test keeps it fresh). */
export const SCHEMA_FILE = path.join(__dirname, "schema.json");

/** Infers the schema from the components' TypeScript (seconds of type checking) and adds the provider's own resources. */
export async function inferSchema(components: ComponentProvider): Promise<object> {
    const schema = JSON.parse(await components.getSchema());
    schema.types = { ...schema.types, ...teardownSchema.types };
    schema.resources = { ...schema.resources, [TEARDOWN_TYPE]: teardownSchema.resource, [CERTIFICATE_TYPE]: certificateSchema };
    // SDKs in today's layout: a go.mod in sdk/go (so programs can `replace` it) and a pyproject.toml.
    schema.meta = { ...schema.meta, supportPack: true };
    // Go: without this, args that are plain arrays of objects refer to `...Args` types that are never generated.
    schema.language = { ...schema.language, go: { ...schema.language?.go, generateExtraInputTypes: true } };
    return schema;
}

export class KubeovnProvider implements provider.Provider {
    readonly version: string;
    private readonly warn: Warn;
    private cachedSchema?: { resources: { [type: string]: { properties: object } } };

    constructor(
        private readonly components: ComponentProvider,
        private readonly classes: ComponentResourceConstructor[],
        engineAddress?: string,
    ) {
        this.version = components.version;
        this.warn = engineWarnings(engineAddress);
    }

    private async loadSchema() {
        // The generated file spares every plugin start the type checking; without it, infer.
        this.cachedSchema ??= fs.existsSync(SCHEMA_FILE) ? JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) : await inferSchema(this.components);
        return this.cachedSchema as { resources: { [type: string]: { properties: object } } };
    }

    async getSchema(): Promise<string> {
        return JSON.stringify({ ...(await this.loadSchema()), version: this.version });
    }

    async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<provider.ConstructResult> {
        const schema = await this.loadSchema();
        const ctor = this.classes.find((c) => `kubeovn:index:${c.name}` === type);
        const outputs = schema.resources[type]?.properties;
        if (!ctor || !outputs) throw new Error(`kubeovn provider: unknown component type ${type}`);
        const instance = new ctor(name, inputs, options) as unknown as { [k: string]: unknown } & pulumi.ComponentResource;
        return { urn: instance.urn, state: Object.fromEntries(Object.keys(outputs).map((k) => [k, instance[k]])) as pulumi.Inputs };
    }

    private typeOf(urn: string): typeof TEARDOWN_TYPE | typeof CERTIFICATE_TYPE {
        const type = urn.split("::")[2]?.split("$").pop();
        if (type !== TEARDOWN_TYPE && type !== CERTIFICATE_TYPE) throw new Error(`kubeovn provider: unknown resource type in ${urn}`);
        return type;
    }

    async check(urn: string, _olds: any, news: any): Promise<provider.CheckResult> {
        const { failures } = this.typeOf(urn) === CERTIFICATE_TYPE ? checkCertificate(unsecret(news)) : checkTeardown(unsecret(news));
        // The engine stores the inputs Check returns: hand back the originals, secrets still marked, so a
        // kubeconfig never lands in the state in plain text.
        return { inputs: news, failures };
    }

    async diff(_id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
        if (this.typeOf(urn) === CERTIFICATE_TYPE) return diffCertificate(unsecret(olds), unsecret(news));
        return diffTeardown(unsecret(olds), unsecret(news));
    }

    async create(urn: string, inputs: any): Promise<provider.CreateResult> {
        // The key is marked secret by the client (additionalSecretOutputs), as the teardown's kubeconfig is.
        if (this.typeOf(urn) === CERTIFICATE_TYPE) return { id: urn.split("::").pop() as string, outs: createCertificate(unsecret(inputs)) };
        return { id: `${unsecret(inputs).owner}-teardown`, outs: inputs };
    }

    async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
        this.typeOf(urn);
        return { id, props };
    }

    async update(_id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
        // A certificate never updates in place: every change is a replacement (see diffCertificate).
        if (this.typeOf(urn) === CERTIFICATE_TYPE) return { outs: { ...unsecret(olds), ...unsecret(news) } };
        const o = unsecret(olds) as TeardownProps;
        const n = unsecret(news) as TeardownProps;
        await runTeardown(urn, n, removedObjects(o, n), this.warn);
        return { outs: news };
    }

    async delete(_id: string, urn: string, props: any): Promise<void> {
        if (this.typeOf(urn) === CERTIFICATE_TYPE) return; // nothing outside the state
        const p = unsecret(props) as TeardownProps;
        await runTeardown(urn, p, p.objects, this.warn);
    }
}
