import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type PodDefaultsWebhookSpec,
  type WebhookCode,
  WebhookCertificates,
  type WebhookTls,
  checkWebhookSpec,
  planPodDefaultsWebhook,
} from "../core";
import { checkComponentKeys } from "../input-schema";
import { BUNDLE_MAIN, bundleKey, webhookBundle } from "../webhook/bundle";
import { PACKAGE_VERSION } from "./version";

/** The webhook's settings (see PodDefaultsWebhookSpec). */
export interface PodDefaultsWebhookArgs extends PodDefaultsWebhookSpec {}

/** Client side of the provider's CA resource (provider/webhook/certificate-resource.ts). */
class WebhookCertificate extends pulumi.CustomResource {
  declare readonly caCert: pulumi.Output<string>;
  declare readonly caKey: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  constructor(name: string, args: { validityDays: number }, opts: pulumi.CustomResourceOptions) {
    super(
      "kubeovn:index:WebhookCertificate",
      name,
      { ...args, caCert: undefined, caKey: undefined, notAfter: undefined },
      { ...opts, additionalSecretOutputs: ["caKey"] },
    );
  }
}

const base64 = (s: string) => Buffer.from(s).toString("base64");

/**
 * Gives every pod created in a tenant namespace what its namespace carries (routes of the primary
 * NIC, extra attachments and their routes, security groups, port security), whoever creates the pod.
 * A mutating admission webhook scoped to namespaces labelled `pulumi-kubeovn/tenant`, run from a stock
 * Node.js image with its code in a ConfigMap. It renews its serving certificate itself, from a CA kept
 * in the stack state, or has cert-manager issue it (`certificates`).
 */
export class PodDefaultsWebhook extends pulumi.ComponentResource {
  /** Namespace the webhook runs in (in-cluster). */
  public readonly namespace: pulumi.Output<string>;
  /** Name of the MutatingWebhookConfiguration. */
  public readonly webhookConfigurationName: pulumi.Output<string>;
  /** PEM of the CA the API server trusts for the webhook (empty with cert-manager, whose cainjector sets it). */
  public readonly caCert: pulumi.Output<string>;
  /** What the API server does with tenant pods while the webhook cannot answer. */
  public readonly failurePolicy: pulumi.Output<string>;

  constructor(name: string, args: PodDefaultsWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
    checkComponentKeys("PodDefaultsWebhook", name, args); // an unknown key, before anything is registered
    super("kubeovn:index:PodDefaultsWebhook", name, args, opts);
    const settings = checkWebhookSpec(args); // bad input fails here, before anything is declared
    let tls: WebhookTls<pulumi.Output<string>>;
    let code: WebhookCode | undefined;
    if (settings.inCluster) {
      if (settings.certificates === WebhookCertificates.CertManager) {
        tls = {};
        this.caCert = pulumi.output("");
      } else {
        const ca = new WebhookCertificate(
          `${name}-certificate`,
          { validityDays: settings.certificateValidityDays },
          { parent: this, version: PACKAGE_VERSION },
        );
        tls = { caBundle: ca.caCert.apply(base64), caCert: ca.caCert, caKey: ca.caKey, revision: ca.notAfter };
        this.caCert = ca.caCert;
      }
      const files = webhookBundle();
      code = {
        files: Object.fromEntries(Object.entries(files).map(([f, js]) => [bundleKey(f), js])),
        paths: Object.fromEntries(Object.keys(files).map((f) => [bundleKey(f), f])),
        main: BUNDLE_MAIN,
      };
    } else {
      tls = { caBundle: pulumi.output(base64(args.caBundle as string)) };
      this.caCert = pulumi.output(args.caBundle as string);
    }
    const plan = planPodDefaultsWebhook(args, tls, code);
    const declared = new Map<string, pulumi.CustomResource>();
    for (const o of plan.objects) {
      const { id, apiVersion, kind, ...fields } = o;
      // The webhook is registered only once it can answer: with failurePolicy Fail, earlier would block tenant pods.
      const ns = declared.get("namespace");
      const dependsOn =
        id === "webhook-configuration" ? [...declared.values()] : o.metadata.namespace && ns ? [ns] : [];
      const ropts: pulumi.CustomResourceOptions = { parent: this, dependsOn };
      const rname = `${name}-${id}`;
      declared.set(
        id,
        kind === "Secret"
          ? new k8s.core.v1.Secret(rname, fields as k8s.core.v1.SecretArgs, ropts)
          : new k8s.apiextensions.CustomResource(
              rname,
              { apiVersion, kind, ...(fields as { metadata: k8s.types.input.meta.v1.ObjectMeta }) },
              ropts,
            ),
      );
    }
    this.namespace = pulumi.output(settings.namespace);
    this.webhookConfigurationName = (
      declared.get("webhook-configuration") as k8s.apiextensions.CustomResource
    ).metadata.name;
    this.failurePolicy = pulumi.output(settings.failurePolicy as string);
    this.registerOutputs({
      namespace: this.namespace,
      webhookConfigurationName: this.webhookConfigurationName,
      caCert: this.caCert,
      failurePolicy: this.failurePolicy,
    });
  }
}
