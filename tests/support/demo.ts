/** The demo program's specs, read from Pulumi.yaml so tests and the demo can never drift apart. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { repoRoot } from "../../provider/automation/env";
import type { ClusterNetworkSpec, TenantSpec } from "../../provider/core";

export { repoRoot };

export interface DemoSpecs {
  cluster: ClusterNetworkSpec;
  tenants: TenantSpec[];
}

export function loadDemo(file = path.join(repoRoot, "Pulumi.yaml")): DemoSpecs {
  const doc = YAML.parse(fs.readFileSync(file, "utf8"));
  const resources = Object.values(doc.resources) as { type: string; properties: any }[];
  const cluster = resources.find((r) => r.type === "kubeovn:index:ClusterNetwork")?.properties as ClusterNetworkSpec;
  const tenants = resources
    .filter((r) => r.type === "kubeovn:index:TenantNetwork")
    .map((r) => {
      const { cluster: _ref, ...spec } = r.properties;
      return spec as TenantSpec;
    });
  return { cluster, tenants };
}

/** A deep copy to mutate in a test. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}
