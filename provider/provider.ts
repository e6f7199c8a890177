// biome-ignore-all lint/suspicious/noExplicitAny: the engine hands a provider untyped property bags; check* validates them.
/**
 * The kubeovn provider: the components (served by Pulumi's component provider, schema inferred
 * from their TypeScript args) plus two real resources with their own CRUD: Teardown, and the
 * webhook's certificate (WebhookCertificate).
 *
 * Only the schema is needed at start: the components and the two resources' modules (Kubernetes
 * client, node-forge) load on first use, so a plugin started just for the schema starts fast.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import type { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { engineWarnings, type Warn } from "./kube/engine-log";
import { packageRoot } from "./package-root";
import type { TeardownProps } from "./kube/teardown-resource";
import { APPLY_POD_DEFAULTS, applyPodDefaultsSchema, invokeApplyPodDefaults } from "./pod-defaults-function";
import { publishingLanguages, publishingSchema } from "./publishing";

/** The package's version, which the plugin reports. */
export { PACKAGE_VERSION } from "./components/version";

/** The components the provider constructs (provider/served.ts). */
export interface ServedComponents {
  classes: ComponentResourceConstructor[];
  componentProvider(): ComponentProvider;
}

const teardownModule = () => import("./kube/teardown-resource");
const certificateModule = () => import("./webhook/certificate-resource");

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
export const SCHEMA_FILE = path.join(packageRoot, "provider", "schema.json");

/** Infers the schema from the components' TypeScript (seconds of type checking) and adds the provider's own resources. */
export async function inferSchema(components: ComponentProvider): Promise<object> {
  const [{ TEARDOWN_TYPE, teardownSchema }, { CERTIFICATE_TYPE, certificateSchema }] = await Promise.all([
    teardownModule(),
    certificateModule(),
  ]);
  const schema = JSON.parse(await components.getSchema());
  schema.types = { ...schema.types, ...teardownSchema.types };
  schema.resources = {
    ...schema.resources,
    [TEARDOWN_TYPE]: teardownSchema.resource,
    [CERTIFICATE_TYPE]: certificateSchema,
  };
  schema.functions = { ...schema.functions, [APPLY_POD_DEFAULTS]: applyPodDefaultsSchema };
  // SDKs in today's layout: a go.mod in sdk/go (so programs can `replace` it) and a pyproject.toml.
  schema.meta = { ...schema.meta, supportPack: true };
  // Publishable names and metadata, the version being package.json's (schema.version, which every SDK carries).
  Object.assign(schema, publishingSchema());
  schema.language = publishingLanguages(schema.language);
  return schema;
}

export class KubeovnProvider implements provider.Provider {
  readonly version: string;
  private readonly warn: Warn;
  private cachedSchema?: { resources: { [type: string]: { properties: object } } };

  constructor(
    version: string,
    private readonly served: () => Promise<ServedComponents>,
    engineAddress?: string,
  ) {
    this.version = version;
    this.warn = engineWarnings(engineAddress);
  }

  private async loadSchema() {
    // The generated file spares every plugin start the type checking; without it, infer.
    this.cachedSchema ??= fs.existsSync(SCHEMA_FILE)
      ? JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"))
      : await inferSchema((await this.served()).componentProvider());
    return this.cachedSchema as { resources: { [type: string]: { properties: object } } };
  }

  async getSchema(): Promise<string> {
    return JSON.stringify({ ...(await this.loadSchema()), version: this.version });
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<provider.ConstructResult> {
    const schema = await this.loadSchema();
    const ctor = (await this.served()).classes.find((c) => `kubeovn:index:${c.name}` === type);
    const outputs = schema.resources[type]?.properties;
    if (!ctor || !outputs) throw new Error(`kubeovn provider: unknown component type ${type}`);
    const instance = new ctor(name, inputs, options) as unknown as { [k: string]: unknown } & pulumi.ComponentResource;
    return {
      urn: instance.urn,
      state: Object.fromEntries(Object.keys(outputs).map((k) => [k, instance[k]])) as pulumi.Inputs,
    };
  }

  /** The provider's functions: applyPodDefaults (pure, no cluster access). */
  async invoke(token: string, inputs: any): Promise<provider.InvokeResult> {
    if (token !== APPLY_POD_DEFAULTS) throw new Error(`kubeovn provider: unknown function ${token}`);
    return invokeApplyPodDefaults(unsecret(inputs));
  }

  /** The module of the resource `urn` names: the teardown's or the certificate's. */
  private async resourceOf(urn: string) {
    const type = urn.split("::")[2]?.split("$").pop();
    const [teardown, certificate] = await Promise.all([teardownModule(), certificateModule()]);
    if (type === teardown.TEARDOWN_TYPE) return { teardown };
    if (type === certificate.CERTIFICATE_TYPE) return { certificate };
    throw new Error(`kubeovn provider: unknown resource type in ${urn}`);
  }

  async check(urn: string, _olds: any, news: any): Promise<provider.CheckResult> {
    const { teardown, certificate } = await this.resourceOf(urn);
    const { failures } = certificate
      ? certificate.checkCertificate(unsecret(news))
      : teardown.checkTeardown(unsecret(news));
    // The engine stores the inputs Check returns: hand back the originals, secrets still marked, so a
    // kubeconfig never lands in the state in plain text.
    return { inputs: news, failures };
  }

  async diff(_id: string, urn: string, olds: any, news: any): Promise<provider.DiffResult> {
    const { teardown, certificate } = await this.resourceOf(urn);
    if (certificate) return certificate.diffCertificate(unsecret(olds), unsecret(news));
    return teardown.diffTeardown(unsecret(olds), unsecret(news));
  }

  async create(urn: string, inputs: any): Promise<provider.CreateResult> {
    // The key is marked secret by the client (additionalSecretOutputs), as the teardown's kubeconfig is.
    const { certificate } = await this.resourceOf(urn);
    if (certificate)
      return { id: urn.split("::").pop() as string, outs: certificate.createCertificate(unsecret(inputs)) };
    return { id: `${unsecret(inputs).owner}-teardown`, outs: inputs };
  }

  async read(id: string, urn: string, props?: any): Promise<provider.ReadResult> {
    await this.resourceOf(urn);
    return { id, props };
  }

  async update(_id: string, urn: string, olds: any, news: any): Promise<provider.UpdateResult> {
    const { teardown, certificate } = await this.resourceOf(urn);
    // A certificate never updates in place: every change is a replacement (see diffCertificate).
    if (certificate) return { outs: { ...unsecret(olds), ...unsecret(news) } };
    const o = unsecret(olds) as TeardownProps;
    const n = unsecret(news) as TeardownProps;
    await teardown.runTeardown(urn, n, teardown.removedObjects(o, n), this.warn);
    return { outs: news };
  }

  async delete(_id: string, urn: string, props: any): Promise<void> {
    const { teardown } = await this.resourceOf(urn);
    if (!teardown) return; // a certificate: nothing outside the state
    const p = unsecret(props) as TeardownProps;
    await teardown.runTeardown(urn, p, p.objects, this.warn);
  }
}
