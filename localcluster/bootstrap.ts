// What a fresh control plane needs before anyone uses it: the objects a real cluster always has
// (made by kube-apiserver itself, so we wait rather than create) and the CRDs, served and discoverable.
import * as fs from "node:fs";
import * as k8s from "@kubernetes/client-node";
import * as YAML from "yaml";
import { waitFor } from "./procs";

const TIMEOUT_MS = 60_000;

function client<T extends k8s.ApiType>(kubeconfigPath: string, api: new (config: k8s.Configuration) => T): T {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(api);
}

/** True for a 404 from @kubernetes/client-node (its ApiException carries the status in `code`). */
export function isNotFound(err: unknown): boolean {
  return (err as { code?: number })?.code === 404;
}

/** Waits for namespaces default/kube-system/kube-public and the default/kubernetes Service. */
export async function waitForCoreObjects(kubeconfigPath: string): Promise<void> {
  const core = client(kubeconfigPath, k8s.CoreV1Api);
  for (const name of ["default", "kube-system", "kube-public"]) {
    await waitFor(`namespace ${name}`, TIMEOUT_MS, async () => {
      const ns = await core.readNamespace({ name }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return ns?.status?.phase === "Active" ? true : undefined;
    });
  }
  await waitFor("service default/kubernetes", TIMEOUT_MS, async () => {
    const svc = await core
      .readNamespacedService({ name: "kubernetes", namespace: "default" })
      .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    return svc?.spec?.clusterIP ? true : undefined;
  });
}

/** The CustomResourceDefinition documents in a multi-document YAML file (empty documents skipped). */
export function readCrds(file: string): k8s.V1CustomResourceDefinition[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
      return doc.toJS() as k8s.V1CustomResourceDefinition | null;
    })
    .filter((d): d is k8s.V1CustomResourceDefinition => d?.kind === "CustomResourceDefinition");
}

/**
 * Creates the CRDs in `files` and waits until each is Established. Returns them, for waitForCrdsServed.
 */
export async function installCrds(kubeconfigPath: string, files: string[]): Promise<k8s.V1CustomResourceDefinition[]> {
  const ext = client(kubeconfigPath, k8s.ApiextensionsV1Api);
  const crds = files.flatMap(readCrds);
  for (const body of crds) {
    await ext.createCustomResourceDefinition({ body }).catch((e) => {
      if ((e as { code?: number }).code !== 409) throw e; // already there: a restarted cluster
    });
  }
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    await waitFor(`CRD ${name} Established`, TIMEOUT_MS, async () => {
      const live = await ext.readCustomResourceDefinition({ name });
      const established = live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
      return established ? true : undefined;
    });
  }
  return crds;
}

/**
 * Waits until every CRD resource is in discovery and can be listed. Established comes before
 * discovery (which pulumi-kubernetes uses), and kube-apiserver builds a CRD's storage and watch
 * cache only on its first request, answering 429 "storage is (re)initializing" meanwhile - which
 * @kubernetes/client-node does not retry. So touch each one now (again after every restart).
 * `get` fetches an API path (raw discovery is simplest over plain HTTPS).
 */
export async function waitForCrdsServed(
  crds: k8s.V1CustomResourceDefinition[],
  get: (path: string) => Promise<string>,
): Promise<void> {
  const wanted = new Map<string, Set<string>>();
  for (const crd of crds) {
    for (const v of crd.spec.versions.filter((v) => v.served)) {
      const gv = `${crd.spec.group}/${v.name}`;
      wanted.set(gv, (wanted.get(gv) ?? new Set()).add(crd.spec.names.plural));
    }
  }
  for (const [gv, plurals] of wanted) {
    await waitFor(`discovery of ${gv}`, TIMEOUT_MS, async () => {
      const list = JSON.parse(await get(`/apis/${gv}`)) as { resources: { name: string }[] };
      const served = new Set(list.resources.map((r) => r.name));
      return [...plurals].every((p) => served.has(p)) ? true : undefined;
    });
    // All at once: each first request starts that resource's cache initialising in parallel.
    await Promise.all(
      [...plurals].map((plural) =>
        waitFor(`list of ${gv} ${plural}`, TIMEOUT_MS, async () => {
          await get(`/apis/${gv}/${plural}?limit=1`);
          return true;
        }),
      ),
    );
  }
}
