/**
 * What the real kube-ovn-controller wrote for a tenant, read back for assertions: its NAT gateway
 * StatefulSet (routes per interface, env), the OVN northbound database, and the calls it made into
 * the gateway pod.
 */
import * as k8s from "@kubernetes/client-node";
import type { GatewayCall } from "../../../localcluster/kubeovn";
import { kubeConfig, kubeOvn } from "./cluster";

export interface Route {
  dst: string;
  gw: string;
}

export interface NatGatewayWiring {
  /** Routes of eth0, the VPC side (annotation ovn.kubernetes.io/routes of the pod template). */
  eth0Routes: Route[];
  /** Every `<provider>.kubernetes.io/routes` annotation of the template other than eth0's. */
  otherRoutes: { [annotation: string]: Route[] };
  /** The container's environment (GATEWAY_V4/V6: net1's default route). */
  env: { [name: string]: string };
}

/** The StatefulSet upstream makes for VpcNatGateway `gateway` (vpc-nat-gw-<gateway> in kube-system). */
export async function natGatewayWiring(gateway: string): Promise<NatGatewayWiring> {
  const apps = kubeConfig().makeApiClient(k8s.AppsV1Api);
  const sts = await apps.readNamespacedStatefulSet({ name: `vpc-nat-gw-${gateway}`, namespace: "kube-system" });
  const annotations = sts.spec?.template.metadata?.annotations ?? {};
  const routes = (key: string): Route[] => JSON.parse(annotations[key] ?? "[]");
  const otherRoutes: { [k: string]: Route[] } = {};
  for (const key of Object.keys(annotations)) {
    if (key.endsWith(".kubernetes.io/routes") && key !== "ovn.kubernetes.io/routes") otherRoutes[key] = routes(key);
  }
  const env = Object.fromEntries(
    (sts.spec?.template.spec?.containers[0].env ?? []).map((e) => [e.name, e.value ?? ""]),
  );
  return { eth0Routes: routes("ovn.kubernetes.io/routes"), otherRoutes, env };
}

/** The calls into `gateway`'s pod since `since` that succeeded, as "verb args" lines, in order. */
export function gatewayCommands(gateway: string, since: Date): string[] {
  return kubeOvn()
    .gatewayCalls(gateway, since)
    .filter((c: GatewayCall) => c.ok)
    .map((c) => [c.verb, ...c.args].join(" "));
}

/** A logical router's static routes as "prefix nexthop policy" lines (ovn-nbctl lr-route-list). */
export async function routerRoutes(router: string): Promise<string[]> {
  const out = await kubeOvn().nbctl(["lr-route-list", router]);
  return out
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && /^[0-9a-f.:]+\/\d+$/.test(f[0]))
    .map((f) => f.slice(0, 3).join(" "));
}

/** Names of the rows of an NB table's `name` column (Logical_Router, Logical_Switch, Port_Group...). */
export async function nbNames(table: string): Promise<string[]> {
  const out = await kubeOvn().nbctl(["--bare", "--columns=name", "list", table]);
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

export interface TableRoute {
  /** Kube-OVN's main table is the empty name. */
  table: string;
  prefix: string;
  nexthop: string;
  /** `dst-ip` or `src-ip`. */
  policy: string;
}

/** A logical router's static routes with their route table, from the NB rows (lr-route-list prints tables only as headers). */
export async function routerTableRoutes(router: string): Promise<TableRoute[]> {
  const rows = (args: string[]) =>
    kubeOvn()
      .nbctl(["--format=json", ...args])
      .then((o) => JSON.parse(o));
  const lr = await rows(["--columns=static_routes", "find", "Logical_Router", `name=${router}`]);
  const uuids = new Set(ovsdbSet(lr.data[0]?.[0]).map((u: [string, string]) => u[1]));
  const all = await rows([
    "--columns=_uuid,ip_prefix,nexthop,policy,route_table",
    "list",
    "Logical_Router_Static_Route",
  ]);
  return all.data
    .filter((r: any[]) => uuids.has(r[0][1]))
    .map((r: any[]) => ({
      table: r[4],
      prefix: r[1],
      nexthop: r[2],
      // An unset policy is dst-ip (ovn-nb: policy optional, default dst-ip).
      policy: ovsdbSet(r[3])[0] ?? "dst-ip",
    }));
}

/** The route table a logical router port is bound to (its options:route_table; "" when unset). */
export async function routerPortTable(port: string): Promise<string> {
  const out = await kubeOvn().nbctl(["--if-exists", "get", "Logical_Router_Port", port, "options:route_table"]);
  // ovn-nbctl quotes a string only when it has to.
  const v = out.trim();
  return v.startsWith('"') ? JSON.parse(v) : v;
}

/** The members of an OVSDB JSON value: `["set", [...]]`, or a single atom. */
function ovsdbSet(v: any): any[] {
  if (v === undefined) return [];
  return Array.isArray(v) && v[0] === "set" ? v[1] : [v];
}
