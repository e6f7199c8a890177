/**
 * Admission of one pod: read its namespace's pod defaults, merge them into the pod's annotations,
 * answer with a JSONPatch. Node built-ins and the pure merge only: this file also runs, transpiled,
 * from a ConfigMap on a stock Node image (see bundle.ts).
 */
import { mergePodDefaults, readPodDefaults } from "../core/pod-defaults";

/** The path the API server calls. */
export const MUTATE_PATH = "/mutate-pods";

/** A namespace's annotations; `undefined` when the namespace does not exist. Throws when it cannot be read. */
export type NamespaceReader = (name: string) => Promise<{ [key: string]: string } | undefined>;

/** The part of the admitted object the webhook reads; the rest passes through untouched. */
export interface AdmittedObject {
  [field: string]: unknown;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: { [key: string]: string };
    annotations?: { [key: string]: string };
  };
}

export interface AdmissionReview {
  apiVersion: string;
  kind: string;
  request?: { uid: string; namespace?: string; operation?: string; object?: AdmittedObject };
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
  status?: { code: number; message: string };
}

/**
 * Decides on one pod. Allowed with a patch when defaults apply; allowed with warnings when a pod value
 * cannot be read (the pod's own value stays and Kube-OVN reports it in its turn); denied when the
 * namespace's defaults cannot be read at all, because admitting would silently create a pod without them.
 */
export async function admitPod(review: AdmissionReview, readNamespace: NamespaceReader): Promise<AdmissionReview> {
  const req = review.request;
  if (!req?.uid) throw new Error("AdmissionReview without request.uid");
  const answer = (response: Omit<AdmissionResponse, "uid">): AdmissionReview => ({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid: req.uid, ...response },
  });
  const pod = req.object;
  const namespace = req.namespace ?? pod?.metadata?.namespace;
  if (req.operation !== "CREATE" || pod?.kind !== "Pod" || !namespace) return answer({ allowed: true });

  let nsAnnotations: { [key: string]: string } | undefined;
  try {
    nsAnnotations = await readNamespace(namespace);
  } catch (e) {
    return answer({
      allowed: false,
      status: {
        code: 500,
        message: `pulumi-kubeovn: cannot read the pod defaults of namespace ${namespace}: ${(e as Error).message}`,
      },
    });
  }
  const { defaults, problem } = readPodDefaults(nsAnnotations);
  if (problem)
    return answer({
      allowed: false,
      status: { code: 500, message: `pulumi-kubeovn: ${problem} (namespace ${namespace})` },
    });
  if (!defaults) return answer({ allowed: true });

  const own: { [key: string]: string } | undefined = pod.metadata?.annotations;
  // The pod's labels as created (a controller's template labels included) pick its selected defaults.
  const { annotations, warnings } = mergePodDefaults(own, defaults, namespace, pod.metadata?.labels);
  const changed = JSON.stringify(annotations) !== JSON.stringify(own ?? {});
  const response: Omit<AdmissionResponse, "uid"> = {
    allowed: true,
    ...(warnings.length ? { warnings: warnings.map((w) => `pulumi-kubeovn: ${w}`) } : {}),
  };
  if (!changed) return answer(response);
  // One "add" of the whole map: it creates metadata.annotations when missing and replaces it otherwise (RFC 6902).
  const patch = [{ op: "add", path: "/metadata/annotations", value: annotations }];
  return answer({ ...response, patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(patch)).toString("base64") });
}
