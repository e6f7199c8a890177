/**
 * The API clients of provider/kube (claims, namespace owners, the cluster snapshot): made from a
 * kubeconfig's current context, each request reported to observers (tests count them).
 */
import * as k8s from "@kubernetes/client-node";

/** One request to the API server: its method and path (with query). */
export interface ApiRequest {
  method: string;
  url: string;
}

const observers = new Set<(r: ApiRequest) => void>();

/** Calls `f` for every request any of our API clients sends (the tests count them); returns the unsubscribe. */
export function observeApiRequests(f: (r: ApiRequest) => void): () => void {
  observers.add(f);
  return () => observers.delete(f);
}

/** An API client for the kubeconfig's current context whose requests the observers see. */
export function apiClient<T>(kc: k8s.KubeConfig, type: new (config: k8s.Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("No active cluster!");
  // As KubeConfig.makeApiClient builds it, plus a middleware that reports each request.
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (ctx) => {
          for (const f of observers) f({ method: ctx.getHttpMethod(), url: ctx.getUrl() });
          return ctx;
        },
        post: async (rsp) => rsp,
      },
    ],
  });
  return new type(config);
}

export function kubeConfig(kubeconfig: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  return kc;
}
