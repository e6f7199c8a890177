/**
 * Cluster names: the mapping (tenant, kind, role, own name) -> cluster name is injective over every
 * input the preview accepts, and each name it makes is one Kubernetes and Kube-OVN take. Shown on
 * the naming functions alone and through the real planner, on generated names built to collide
 * under a plain `<tenant>-<name>` join (dashes everywhere, tenants that are prefixes of each other).
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  type ClusterNetworkSpec,
  NatProtocol,
  type PlannedObject,
  PlanError,
  SecurityGroupPolicy,
  type TenantSpec,
  objectNames,
  planCluster,
  planTenant,
} from "../../provider/core";
import {
  API_ACCESS_NETWORK,
  DEFAULT_VPC,
  INTERCONNECT_SUBNET,
  NAT_GATEWAY_NAME_MAX,
  TENANT_NAME_MAX,
  dnsLabelProblem,
  namePartProblem,
  objectNameProblem,
  reservedNames,
} from "../../provider/core/names";
import { clone, loadDemo } from "../support/demo";
import { problemsOf } from "../support/problems";

/** Kinds whose names share one space: a Subnet may not take a Vpc's name (upstream refuses it, and OVN port names join the two). */
const nameSpace = (kind: string) => (kind === "Vpc" ? "Subnet" : kind);

/** Name parts built to collide under a plain join: a few letters, single and double dashes, at the edges too. */
const raw = fc.array(fc.constantFrom("a", "b", "0", "-"), { minLength: 1, maxLength: 7 }).map((cs) => cs.join(""));
/** Dashed labels the preview accepts (segments joined by single dashes), the words roles take, and long ones. */
const label = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(fc.constantFrom("a", "b", "ab", "a0"), { minLength: 1, maxLength: 3 }).map((s) => s.join("-")),
  },
  { weight: 2, arbitrary: raw },
  { weight: 1, arbitrary: fc.constantFrom("vpc", "nat", "interconnect", "monitoring", "monitoring-open") },
  { weight: 1, arbitrary: fc.integer({ min: 28, max: 64 }).map((n) => "a".repeat(n)) },
);

/** What names a tenant's objects: lists of own names, and whether it has monitoring (two more role objects). */
interface NamedTenant {
  tenant: string;
  subnets: string[];
  eips: string[];
  snatRules: string[];
  dnatRules: string[];
  floatingIps: string[];
  securityGroups: string[];
  monitoring: boolean;
}
const names = fc.array(label, { minLength: 1, maxLength: 3 });
const namedTenant = fc.record({
  tenant: label,
  subnets: names,
  eips: names,
  snatRules: names,
  dnatRules: names,
  floatingIps: names,
  securityGroups: names,
  monitoring: fc.boolean(),
});

describe("cluster names", () => {
  it("a tenant name, an object name or a pool name holding the separator is refused, naming field and value", () => {
    const demo = loadDemo();
    const info = planCluster(demo.cluster).info;
    const t = clone(demo.tenants[0]);
    t.tenant = "ac--me";
    assert.ok(
      problemsOf(() => planTenant(t, info)).problems.some(
        (p) => p.path === "tenant" && p.value === "ac--me" && /contains "--"/.test(p.message),
      ),
    );
    const e = clone(demo.tenants[0]);
    e.eips![0].name = "web--out";
    assert.deepEqual(
      problemsOf(() => planTenant(e, info)).problems.filter((p) => p.path.endsWith(".name")),
      [
        {
          path: "eips[web--out].name",
          value: "web--out",
          message:
            "contains \"--\", which joins a tenant's name to its objects' names (<tenant>--<name>) and so may appear in no name; use single dashes",
          rule: "name.label",
        },
      ],
    );
    const c: ClusterNetworkSpec = clone(demo.cluster);
    c.eipPools[0].name = "public--a";
    assert.ok(
      problemsOf(() => planCluster(c)).problems.some(
        (p) => p.path === "eipPools[public--a].name" && /contains "--"/.test(p.message),
      ),
    );
    const peer = clone(demo.tenants[0]);
    peer.peerings = [
      { tenant: "glo--bex", localConnectIP: "169.254.0.1/30", remoteConnectIP: "169.254.0.2", remoteCidrs: [] },
    ];
    assert.ok(
      problemsOf(() => planTenant(peer, info)).problems.some(
        (p) => p.path === "peerings[glo--bex].tenant" && /contains "--"/.test(p.message),
      ),
    );
  });

  it("a name whose cluster name would pass 63 characters is refused with the final name and the limit", () => {
    const demo = loadDemo();
    const info = planCluster(demo.cluster).info;
    const t = clone(demo.tenants[0]);
    t.tenant = "t".repeat(TENANT_NAME_MAX);
    const long = "e".repeat(63 - TENANT_NAME_MAX - 1);
    t.eips![0].name = long;
    t.snatRules = (t.snatRules ?? []).map((r) => ({ ...r, eip: long }));
    t.dnatRules = (t.dnatRules ?? []).map((r) => ({
      ...r,
      eip: r.eip === demo.tenants[0].eips![0].name ? long : r.eip,
    }));
    const problems = problemsOf(() => planTenant(t, info)).problems;
    assert.deepEqual(problems, [
      {
        path: `eips[${long}].name`,
        value: long,
        message: `makes the IptablesEIP name ${t.tenant}--${long} (64 characters); at most 63 are allowed`,
        rule: "name.length",
      },
    ]);
    // One character less fits exactly.
    assert.equal(objectNameProblem("IptablesEIP", objectNames.eip(t.tenant, long.slice(1))), undefined);
    assert.match(
      objectNameProblem("VpcNatGateway", "g".repeat(NAT_GATEWAY_NAME_MAX + 1)) ?? "",
      /vpc-nat-gw-<name> allows at most 41/,
    );
  });

  it("the names roles take are refused for the lists whose kind they share, saying whose they are", () => {
    const demo = loadDemo();
    const info = planCluster(demo.cluster).info;
    const t = clone(demo.tenants[0]);
    const old = t.subnets[1].name;
    t.subnets[1].name = "vpc";
    for (const r of t.snatRules ?? []) if (r.internalCIDR === t.subnets[1].cidr) r.name = r.name.replace(old, "x");
    assert.deepEqual(
      problemsOf(() => planTenant(t, info)).problems.map((p) => `${p.path}: ${p.message}`),
      [`subnets[vpc].name: is the name of the tenant's Vpc (Subnet ${t.tenant}--vpc)`],
    );
    assert.deepEqual([...reservedNames("eips", false).keys()], ["interconnect"]);
    assert.deepEqual([...reservedNames("securityGroups", false).keys()], []);
    assert.deepEqual([...reservedNames("securityGroups", true).keys()], ["monitoring", "monitoring-open"]);
  });

  it("is injective over every accepted (tenant, kind, role, name), and each name is a DNS label", () => {
    // Each object: its kind, its owner and role, and its own name; roles carry the role word.
    type Made = { space: string; name: string; who: string };
    const made = (t: NamedTenant): Made[] | undefined => {
      const ok = (own: string) => namePartProblem(own) === undefined;
      if (namePartProblem(t.tenant, TENANT_NAME_MAX) || t.tenant === DEFAULT_VPC) return undefined;
      const lists: [
        string,
        keyof NamedTenant,
        (x: string, y: string) => string,
        "subnets" | "eips" | "securityGroups" | undefined,
      ][] = [
        ["Subnet", "subnets", objectNames.subnet, "subnets"],
        ["IptablesEIP", "eips", objectNames.eip, "eips"],
        ["IptablesSnatRule", "snatRules", objectNames.snat, undefined],
        ["IptablesDnatRule", "dnatRules", objectNames.dnat, undefined],
        ["IptablesFIPRule", "floatingIps", objectNames.fip, undefined],
        ["SecurityGroup", "securityGroups", objectNames.securityGroup, "securityGroups"],
      ];
      const out: Made[] = [
        { space: "Vpc", name: objectNames.vpc(t.tenant), who: `${t.tenant}/vpc` },
        { space: "VpcNatGateway", name: objectNames.natGateway(t.tenant), who: `${t.tenant}/nat` },
        { space: "IptablesEIP", name: objectNames.interconnectEip(t.tenant), who: `${t.tenant}/interconnect` },
      ];
      if (t.monitoring)
        out.push(
          { space: "Subnet", name: objectNames.monitoring(t.tenant), who: `${t.tenant}/monitoring` },
          {
            space: "NetworkAttachmentDefinition",
            name: objectNames.monitoring(t.tenant),
            who: `${t.tenant}/monitoring`,
          },
          { space: "SecurityGroup", name: objectNames.monitoringGroup(t.tenant), who: `${t.tenant}/monitoring` },
          {
            space: "SecurityGroup",
            name: objectNames.monitoringOpenGroup(t.tenant),
            who: `${t.tenant}/monitoring-open`,
          },
        );
      for (const [kind, list, name, reserved] of lists)
        for (const own of new Set(t[list] as string[])) {
          const full = name(t.tenant, own);
          if (!ok(own) || objectNameProblem(kind, full)) return undefined;
          if (reserved && reservedNames(reserved, t.monitoring).has(own)) return undefined;
          out.push({ space: kind, name: full, who: `${t.tenant}/${list}/${own}` });
        }
      return out;
    };
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(namedTenant, { minLength: 2, maxLength: 5 }),
        fc.array(label, { maxLength: 3 }),
        (ts, pools) => {
          const seen = new Map<string, string>();
          const take = (m: Made) => {
            const key = `${nameSpace(m.space)}/${m.name}`;
            const other = seen.get(key);
            assert.ok(other === undefined || other === m.who, `${m.who} and ${other} both make ${key}`);
            seen.set(key, m.who);
            assert.equal(dnsLabelProblem(m.name), undefined, m.name);
            if (m.space === "VpcNatGateway") assert.ok(`vpc-nat-gw-${m.name}`.length <= 52, m.name);
          };
          // The cluster network's names: Kube-OVN's own, ours, and the pools.
          for (const name of ["ovn-default", "join", INTERCONNECT_SUBNET, API_ACCESS_NETWORK])
            take({ space: "Subnet", name, who: `cluster/${name}` });
          take({ space: "Vpc", name: DEFAULT_VPC, who: "cluster/vpc" });
          for (const name of ["ovn-vpc-external-network", API_ACCESS_NETWORK])
            take({ space: "NetworkAttachmentDefinition", name, who: `cluster/${name}` });
          for (const pool of new Set(pools))
            if (namePartProblem(pool) === undefined) take({ space: "Subnet", name: pool, who: `cluster/pool/${pool}` });
          const tenants = new Set<string>();
          for (const t of ts) {
            const objects = made(t);
            if (!objects || tenants.has(t.tenant)) continue;
            tenants.add(t.tenant);
            accepted++;
            objects.forEach(take);
          }
        },
      ),
      { seed: 17, numRuns: 2000 },
    );
    assert.ok(accepted > 1000, `only ${accepted} accepted tenants`);
  });

  it("through the planner: accepted tenants of one cluster never share a name, and refusals are name problems", () => {
    const base = loadDemo();
    let planned = 0;
    let plainJoinClashes = 0;
    fc.assert(
      fc.property(
        fc.array(namedTenant, { minLength: 2, maxLength: 4 }),
        fc.array(label, { minLength: 1, maxLength: 2 }),
        (ts, pools) => {
          const cluster: ClusterNetworkSpec = clone(base.cluster);
          cluster.eipPools = pools.map((name, i) => ({
            name,
            cidr: `198.18.${i}.0/24`,
            gateway: `198.18.${i}.1`,
          }));
          let clusterPlan: ReturnType<typeof planCluster>;
          try {
            clusterPlan = planCluster(cluster);
          } catch (err) {
            assert.ok(err instanceof PlanError, String(err));
            for (const p of err.problems) assert.match(p.path, /^eipPools\[.*\]\.(name|cidr)$/, err.message);
            return;
          }
          const owner = new Map<string, string>();
          const plainJoin = new Set<string>();
          const take = (who: string, o: PlannedObject) => {
            if (o.kind === "Namespace" || o.kind === "ConfigMap") return;
            const key = `${nameSpace(o.kind)}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
            const other = owner.get(key);
            assert.ok(other === undefined || other === who, `${who} and ${other} both plan ${key}`);
            owner.set(key, who);
            const name = String(o.metadata.name);
            assert.equal(dnsLabelProblem(name), undefined, name);
            if (o.kind === "VpcNatGateway") assert.ok(`vpc-nat-gw-${name}`.length <= 52, name);
          };
          for (const o of clusterPlan.objects) take(`cluster ${o.id}`, o);
          const tenants = new Set<string>();
          ts.forEach((t, i) => {
            if (tenants.has(t.tenant)) return;
            const spec = tenantSpec(t, i, clusterPlan.info.eipPools[0].name);
            let objects: PlannedObject[];
            try {
              objects = planTenant(spec, clusterPlan.info).objects;
            } catch (err) {
              assert.ok(err instanceof PlanError, String(err));
              for (const p of err.problems)
                assert.ok(p.path === "tenant" || /\.name$/.test(p.path), `not a name problem: ${err.message}`);
              return;
            }
            tenants.add(t.tenant);
            planned++;
            for (const o of objects) {
              take(`tenant ${t.tenant} ${o.id}`, o);
              // What a plain `<tenant>-<name>` join would have made of the same own names.
              const own = o.id.split("/")[1];
              if (["subnet", "eip", "security-group"].includes(o.id.split("/")[0])) {
                const plain = `${o.kind}/${t.tenant}-${own}`;
                if (plainJoin.has(plain)) plainJoinClashes++;
                plainJoin.add(plain);
              }
            }
          });
        },
      ),
      { seed: 17, numRuns: 400 },
    );
    assert.ok(planned > 150, `only ${planned} tenants planned`);
    // The generator finds the collisions the scheme exists for.
    assert.ok(plainJoinClashes > 0, "no input collided under a plain join");
  });
});

/** A tenant spec with these names, valid in everything else: tenant `i` has 10.<i+1>.x.0/24 ranges. */
function tenantSpec(t: NamedTenant, i: number, pool: string): TenantSpec {
  const net = i + 1;
  const subnets = [...new Set(t.subnets)];
  const eips = [...new Set(t.eips)];
  const fips = [...new Set(t.floatingIps)];
  // The first EIP serves SNAT and DNAT; each floating IP gets an EIP of its own, named after it.
  const fipEips = fips.map((f) => `${f}-f`);
  return {
    tenant: t.tenant,
    namespaces: subnets.map((_, j) => ({ name: `ns-${net}-${j}` })),
    subnets: subnets.map((name, j) => ({ name, cidr: `10.${net}.${j}.0/24`, namespaces: [`ns-${net}-${j}`] })),
    natGateway: { subnet: subnets[0], lanIp: `10.${net}.0.254` },
    eips: [...eips, ...fipEips].map((name) => ({ name, pool })),
    snatRules: [...new Set(t.snatRules)].map((name) => ({ name, eip: eips[0], internalCIDR: `10.${net}.0.0/24` })),
    dnatRules: [...new Set(t.dnatRules)].map((name, j) => ({
      name,
      eip: eips[0],
      protocol: NatProtocol.Tcp,
      externalPort: 1000 + j,
      internalIp: `10.${net}.0.10`,
      internalPort: 80,
    })),
    floatingIps: fips.map((name, j) => ({ name, eip: fipEips[j], internalIp: `10.${net}.0.${20 + j}` })),
    securityGroups: [...new Set(t.securityGroups)].map((name) => ({
      name,
      namespaces: [`ns-${net}-0`],
      ingressRules: [{ priority: 10, policy: SecurityGroupPolicy.Allow, remoteAddress: "10.0.0.0/8" }],
    })),
    ...(t.monitoring
      ? { monitoring: { scraperNamespace: `scrape-${net}`, cidr: `10.${net}.255.0/28`, ports: ["9090"] } }
      : {}),
  };
}
