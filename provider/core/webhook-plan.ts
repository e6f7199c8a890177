/**
 * The pod-defaults webhook as Kubernetes objects. Secret values (the serving key, the CA) come from
 * the component as opaque values of type S (strings here and in tests, Pulumi outputs in the
 * component), so the plan stays pure while secrets never pass through it as plain text.
 */
import { createHash } from "node:crypto";
import { PlanError, Problems } from "./errors";
import { MANAGED_BY, MANAGED_BY_LABEL, TENANT_LABEL, dnsLabelProblem } from "./names";
import { type PodDefaultsWebhookSpec, WebhookCertificates, WebhookFailurePolicy } from "./spec";

export const WEBHOOK_NAME = "pulumi-kubeovn-pod-defaults";
const APP = "pod-defaults-webhook";
const PORT = 8443;
/** Secret with the CA the webhook signs its serving certificates with (`ca.crt`, `ca.key`). */
export const WEBHOOK_CA_SECRET = `${APP}-ca`;
/** Secret with the serving certificate cert-manager issues (`tls.crt`, `tls.key`, `ca.crt`). */
export const WEBHOOK_TLS_SECRET = `${APP}-tls`;
/** cert-manager's annotation asking its cainjector to keep the caBundle equal to a Certificate's CA. */
export const INJECT_CA_FROM = "cert-manager.io/inject-ca-from";
/** Days of CA validity below which `pulumi up` replaces the CA: more than a year, so the webhook outlives the last up by that. */
export const CA_RENEW_DAYS = 400;
const CERT_MANAGER_GROUP = "cert-manager.io";

/** A Kubernetes object of the webhook: apiVersion, kind, metadata and the kind's own top-level fields. */
export interface WebhookObject {
  /** Stable logical id; it names the Pulumi resource. */
  id: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: { [k: string]: string } };
  [field: string]: unknown;
}

export interface WebhookTls<S> {
  /** Base64 of the PEM CA (the webhook configuration's caBundle); cert-manager's cainjector sets it otherwise. */
  caBundle?: S;
  /** PEM CA and its key, from which the in-cluster webhook signs its serving certificates (`certificates: webhook`). */
  caCert?: S;
  caKey?: S;
  /** Changes whenever the CA does, so the webhook pods restart onto the new one. */
  revision?: S;
}

export interface WebhookPlan {
  /** False when the webhook is served at `url` and only registered here. */
  inCluster: boolean;
  namespace: string;
  /** Names the serving certificate must carry (in-cluster). */
  dnsNames: string[];
  certificateValidityDays: number;
  objects: WebhookObject[];
}

export interface WebhookSettings {
  inCluster: boolean;
  /** Who renews the serving certificate (in-cluster). */
  certificates: WebhookCertificates;
  /** The cert-manager issuer of the serving certificate; undefined: the webhook's own self-signed CA Issuer. */
  issuer?: { name: string; kind: string; group: string };
  namespace: string;
  image: string;
  replicas: number;
  failurePolicy: WebhookFailurePolicy;
  timeoutSeconds: number;
  certificateValidityDays: number;
  url?: string;
}

/** Validates the spec, collecting every problem; throws a PlanError naming each field and value. */
export function checkWebhookSpec(spec: PodDefaultsWebhookSpec | undefined): WebhookSettings {
  const s = spec ?? {};
  const p = new Problems();
  const namespace = s.namespace ?? "pulumi-kubeovn";
  const nsProblem = dnsLabelProblem(namespace);
  if (nsProblem) p.add("namespace", s.namespace, nsProblem);
  const image = s.image ?? "node:20-alpine";
  if (typeof image !== "string" || image.trim() === "" || /\s/.test(image))
    p.add("image", s.image, "must be a container image reference");
  const replicas = s.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1)
    p.add("replicas", s.replicas, "must be a whole number of at least 1");
  const failurePolicy = s.failurePolicy ?? WebhookFailurePolicy.Fail;
  if (!Object.values(WebhookFailurePolicy).includes(failurePolicy))
    p.add("failurePolicy", s.failurePolicy, `must be one of ${Object.values(WebhookFailurePolicy).join(", ")}`);
  const timeoutSeconds = s.timeoutSeconds ?? 5;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30)
    p.add(
      "timeoutSeconds",
      s.timeoutSeconds,
      "must be a whole number of seconds from 1 to 30 (the API server's limit)",
    );
  const certificates = s.certificates ?? WebhookCertificates.Webhook;
  if (!Object.values(WebhookCertificates).includes(certificates))
    p.add("certificates", s.certificates, `must be one of ${Object.values(WebhookCertificates).join(", ")}`);
  const certificateValidityDays = s.certificateValidityDays ?? 3650;
  if (!Number.isInteger(certificateValidityDays) || certificateValidityDays <= CA_RENEW_DAYS)
    p.add(
      "certificateValidityDays",
      s.certificateValidityDays,
      `must be a whole number of days above ${CA_RENEW_DAYS} (pulumi up replaces the CA once fewer remain)`,
    );
  else if (s.certificateValidityDays !== undefined && certificates !== WebhookCertificates.Webhook)
    p.add(
      "certificateValidityDays",
      s.certificateValidityDays,
      `is only used with certificates: ${WebhookCertificates.Webhook} (cert-manager sets its own durations)`,
    );
  let issuer: WebhookSettings["issuer"];
  const ref = s.certManagerIssuer;
  if (ref !== undefined) {
    if (certificates !== WebhookCertificates.CertManager)
      p.add(
        "certManagerIssuer",
        ref,
        `is only used with certificates: ${WebhookCertificates.CertManager}, got certificates: ${certificates}`,
      );
    const name = ref?.name;
    const kind = ref?.kind ?? "Issuer";
    const group = ref?.group ?? CERT_MANAGER_GROUP;
    if (typeof name !== "string" || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name))
      p.add("certManagerIssuer.name", name, "must be the name of an Issuer or ClusterIssuer (a DNS subdomain)");
    if (kind !== "Issuer" && kind !== "ClusterIssuer")
      p.add("certManagerIssuer.kind", ref?.kind, "must be Issuer or ClusterIssuer");
    if (typeof group !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(group))
      p.add("certManagerIssuer.group", ref?.group, "must be an API group (e.g. cert-manager.io)");
    issuer = { name, kind, group };
  }
  if (s.url !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(s.url);
    } catch {
      u = undefined;
    }
    if (u?.protocol !== "https:") p.add("url", s.url, "must be an https:// URL");
    else if (u.username || u.password || u.hash || u.search)
      p.add("url", s.url, "must not carry user info, a query or a fragment (the API server refuses them)");
    if (typeof s.caBundle !== "string" || !s.caBundle.includes("-----BEGIN CERTIFICATE-----"))
      p.add(
        "caBundle",
        s.caBundle,
        "must be the PEM CA certificate that signed the webhook's serving certificate (required with url)",
      );
    if (s.certificates !== undefined)
      p.add("certificates", s.certificates, "is only used in-cluster; with url the webhook's certificate is yours");
  } else if (s.caBundle !== undefined) {
    p.add("caBundle", "(set)", "is only used with url; the in-cluster webhook has its own CA");
  }
  p.throwIfAny("PodDefaultsWebhook");
  return {
    inCluster: s.url === undefined,
    certificates,
    issuer,
    namespace,
    image,
    replicas,
    failurePolicy,
    timeoutSeconds,
    certificateValidityDays,
    url: s.url,
  };
}

/** The names the in-cluster webhook's serving certificate needs: its Service's DNS name. */
export function webhookDnsNames(namespace: string): string[] {
  return [`${APP}.${namespace}.svc`];
}

/**
 * cert-manager's objects for the serving certificate (Secret WEBHOOK_TLS_SECRET, 90 days, renewed 45
 * days before expiry). Without an issuer of the user's, the usual bootstrap: a self-signed Issuer
 * issues a 10-year CA, and a CA Issuer signs the serving certificate with it (cert-manager renews both).
 */
function certManagerObjects(
  ns: string,
  labels: { [k: string]: string },
  issuer: WebhookSettings["issuer"],
): WebhookObject[] {
  const v = `${CERT_MANAGER_GROUP}/v1`;
  const own = issuer === undefined;
  const issuerRef = issuer ?? { name: `${APP}-ca`, kind: "Issuer", group: CERT_MANAGER_GROUP };
  return [
    ...(own
      ? [
          {
            id: "selfsigned-issuer",
            apiVersion: v,
            kind: "Issuer",
            metadata: { name: `${APP}-selfsigned`, namespace: ns, labels },
            spec: { selfSigned: {} },
          },
          {
            id: "ca-certificate",
            apiVersion: v,
            kind: "Certificate",
            metadata: { name: `${APP}-ca`, namespace: ns, labels },
            spec: {
              isCA: true,
              commonName: "pulumi-kubeovn webhook CA",
              secretName: WEBHOOK_CA_SECRET,
              duration: "87600h",
              renewBefore: "9600h",
              issuerRef: { name: `${APP}-selfsigned`, kind: "Issuer", group: CERT_MANAGER_GROUP },
            },
          },
          {
            id: "ca-issuer",
            apiVersion: v,
            kind: "Issuer",
            metadata: { name: `${APP}-ca`, namespace: ns, labels },
            spec: { ca: { secretName: WEBHOOK_CA_SECRET } },
          },
        ]
      : []),
    {
      id: "certificate",
      apiVersion: v,
      kind: "Certificate",
      metadata: { name: APP, namespace: ns, labels },
      spec: {
        secretName: WEBHOOK_TLS_SECRET,
        dnsNames: webhookDnsNames(ns),
        duration: "2160h",
        renewBefore: "1080h",
        usages: ["server auth", "digital signature", "key encipherment"],
        issuerRef,
      },
    },
  ];
}

/**
 * Plans the webhook. `code` is the webhook's JavaScript (bundle key -> text, with the path each key
 * is mounted at), needed in-cluster only.
 */
/** The webhook server's code, shipped in a ConfigMap: file contents and paths by ConfigMap key, and the entry file. */
export interface WebhookCode {
  files: { [key: string]: string };
  paths: { [key: string]: string };
  main: string;
}

export function planPodDefaultsWebhook<S>(
  spec: PodDefaultsWebhookSpec | undefined,
  tls: WebhookTls<S>,
  code?: WebhookCode,
): WebhookPlan {
  const s = checkWebhookSpec(spec);
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, "app.kubernetes.io/name": APP };
  const objects: WebhookObject[] = [];
  const ns = s.namespace;
  const certManager = s.certificates === WebhookCertificates.CertManager;
  if (s.inCluster) {
    if (!code || (!certManager && (tls.caCert === undefined || tls.caKey === undefined)))
      throw new PlanError("PodDefaultsWebhook", [
        { path: "tls", value: undefined, message: "the in-cluster webhook needs its code and its CA" },
      ]);
    const codeHash = createHash("sha256").update(JSON.stringify(code.files)).digest("hex").slice(0, 16);
    objects.push(
      // The webhook's own namespace never carries the tenant label, so its pods are out of scope.
      { id: "namespace", apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
      {
        id: "service-account",
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: APP, namespace: ns, labels },
      },
      {
        id: "cluster-role",
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: `${WEBHOOK_NAME}-reader`, labels },
        rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
      },
      {
        id: "cluster-role-binding",
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: `${WEBHOOK_NAME}-reader`, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${WEBHOOK_NAME}-reader` },
        subjects: [{ kind: "ServiceAccount", name: APP, namespace: ns }],
      },
      {
        id: "code",
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `${APP}-code`, namespace: ns, labels },
        data: code.files,
      },
      ...(certManager
        ? certManagerObjects(ns, labels, s.issuer)
        : [
            {
              // The CA key goes to the webhook's pods only: what it signs is trusted by this webhook's
              // caBundle and nothing else, and the webhook needs no right to write anything to renew.
              id: "ca",
              apiVersion: "v1",
              kind: "Secret",
              metadata: { name: WEBHOOK_CA_SECRET, namespace: ns, labels },
              type: "Opaque",
              stringData: { "ca.crt": tls.caCert, "ca.key": tls.caKey },
            },
          ]),
      {
        id: "deployment",
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: APP, namespace: ns, labels },
        spec: {
          replicas: s.replicas,
          selector: { matchLabels: { "app.kubernetes.io/name": APP } },
          template: {
            metadata: {
              labels,
              // A new code or CA restarts the pods onto it (serving certificates are swapped in-process).
              annotations: {
                "pulumi-kubeovn/code": codeHash,
                ...(tls.revision !== undefined ? { "pulumi-kubeovn/certificate": tls.revision } : {}),
              },
            },
            spec: {
              serviceAccountName: APP,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                seccompProfile: { type: "RuntimeDefault" },
              },
              affinity: {
                podAntiAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: {
                        topologyKey: "kubernetes.io/hostname",
                        labelSelector: { matchLabels: { "app.kubernetes.io/name": APP } },
                      },
                    },
                  ],
                },
              },
              containers: [
                {
                  name: "webhook",
                  image: s.image,
                  command: ["node", `/app/${code.main}`],
                  env: [
                    { name: "PORT", value: String(PORT) },
                    { name: "TLS_DIR", value: "/tls" },
                    ...(certManager
                      ? [{ name: "TLS_SOURCE", value: "files" }]
                      : [
                          { name: "TLS_SOURCE", value: "ca" },
                          { name: "DNS_NAMES", value: webhookDnsNames(ns).join(",") },
                        ]),
                  ],
                  ports: [{ name: "https", containerPort: PORT }],
                  readinessProbe: { httpGet: { path: "/healthz", port: PORT, scheme: "HTTPS" }, periodSeconds: 5 },
                  livenessProbe: { httpGet: { path: "/healthz", port: PORT, scheme: "HTTPS" }, periodSeconds: 20 },
                  resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "code", mountPath: "/app", readOnly: true },
                    { name: "tls", mountPath: "/tls", readOnly: true },
                  ],
                },
              ],
              volumes: [
                {
                  name: "code",
                  configMap: {
                    name: `${APP}-code`,
                    items: Object.keys(code.files)
                      .sort()
                      .map((key) => ({ key, path: code.paths[key] })),
                  },
                },
                { name: "tls", secret: { secretName: certManager ? WEBHOOK_TLS_SECRET : WEBHOOK_CA_SECRET } },
              ],
            },
          },
        },
      },
      {
        id: "service",
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: APP, namespace: ns, labels },
        spec: { selector: { "app.kubernetes.io/name": APP }, ports: [{ name: "https", port: 443, targetPort: PORT }] },
      },
    );
    if (s.replicas > 1) {
      objects.push({
        id: "disruption-budget",
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: APP, namespace: ns, labels },
        spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": APP } } },
      });
    }
  }
  const service = { namespace: ns, name: APP, path: "/mutate-pods", port: 443 };
  // With cert-manager the caBundle is left to its cainjector, which keeps it equal to the serving certificate's CA.
  const clientConfig = !s.inCluster
    ? { url: s.url, caBundle: tls.caBundle }
    : certManager
      ? { service }
      : { service, caBundle: tls.caBundle };
  objects.push({
    id: "webhook-configuration",
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: WEBHOOK_NAME,
      labels,
      ...(s.inCluster && certManager ? { annotations: { [INJECT_CA_FROM]: `${ns}/${APP}` } } : {}),
    },
    webhooks: [
      {
        name: "pod-defaults.pulumi-kubeovn.io",
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: s.failurePolicy,
        timeoutSeconds: s.timeoutSeconds,
        // The merge is idempotent, so a second call after other webhooks changed the pod is safe.
        reinvocationPolicy: "IfNeeded",
        matchPolicy: "Equivalent",
        rules: [
          { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" },
        ],
        // Tenant namespaces only: failurePolicy Fail never blocks kube-system or the webhook's own pods.
        namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] },
        clientConfig,
      },
    ],
  });
  return {
    inCluster: s.inCluster,
    namespace: ns,
    dnsNames: webhookDnsNames(ns),
    certificateValidityDays: s.certificateValidityDays,
    objects,
  };
}
