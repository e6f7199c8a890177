import { strict as assert } from "node:assert";
import fc from "fast-check";
import { allocate } from "../../provider/core/allocate";
import { parseCidr, parseRange } from "../../provider/core/net";
import {
  type AddressClaims,
  type ClusterNetworkSpec,
  type TenantSpec,
  planFleet,
  planTenant,
  planCluster,
} from "../../provider/core";
import { ClaimIndex } from "../../provider/core/tenant-plan";
import { clone, loadDemo } from "../support/demo";

const demo = loadDemo();

/** A cluster with one small pool, so collisions and probing really happen. */
function smallCluster(): ClusterNetworkSpec {
  const c = clone(demo.cluster);
  c.eipPools = [
    { name: "pool", cidr: "203.0.113.0/26", gateway: "203.0.113.1", excludeIps: ["203.0.113.50..203.0.113.55"] },
  ];
  c.interconnect = { masterInterface: "eth1", cidr: "172.31.0.0/26", gateway: "172.31.0.1" };
  return c;
}

function tenant(name: string, eips: number): TenantSpec {
  return {
    tenant: name,
    namespaces: [{ name }],
    subnets: [{ name: "main", cidr: "10.0.0.0/24", namespaces: [name] }],
    natGateway: { subnet: "main", lanIp: "10.0.0.254" },
    eips: Array.from({ length: eips }, (_, i) => ({ name: `e${i}`, pool: "pool" })),
  };
}

/** "tenant/eip" -> address for every EIP and interconnect address of a fleet plan. */
function addressesOf(
  plans: { tenant: string; addresses: { interconnectIp: string; eips: { [n: string]: { v4ip?: string } } } }[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of plans) {
    out.set(`${p.tenant}/interconnect`, p.addresses.interconnectIp);
    for (const [n, e] of Object.entries(p.addresses.eips)) out.set(`${p.tenant}/${n}`, e.v4ip as string);
  }
  return out;
}

const tenantNames = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { minLength: 1, maxLength: 8 });

describe("allocation", () => {
  it("is deterministic: the same tenant gets the same addresses on every run", () => {
    const info = planCluster(demo.cluster).info;
    const a = planTenant(demo.tenants[0], info);
    const b = planTenant(clone(demo.tenants[0]), info);
    assert.deepEqual(a.addresses, b.addresses);
    assert.equal(a.addresses.eips.egress.v4ip, "203.0.113.10");
    assert.match(a.addresses.eips.web.v4ip as string, /^203\.0\.113\.\d+$/);
    assert.match(a.addresses.interconnectIp, /^172\.31\.0\.\d+$/);
  });

  it("never hands out an excluded address, a gateway, the network or broadcast address, or one twice", () => {
    fc.assert(
      fc.property(tenantNames, fc.integer({ min: 1, max: 3 }), (names, eips) => {
        const fleet = planFleet(
          smallCluster(),
          names.map((n) => tenant(n, eips)),
        );
        const all = [...addressesOf(fleet.tenants).entries()]
          .filter(([k]) => !k.endsWith("/interconnect"))
          .map(([, v]) => v);
        assert.equal(new Set(all).size, all.length, "duplicate address");
        const pool = parseCidr("203.0.113.0/26")!;
        const excluded = parseRange("203.0.113.50..203.0.113.55")!;
        for (const a of all) {
          const last = Number(a.split(".")[3]);
          assert.ok(last > 1 && last < 63, `${a} is the network, gateway or broadcast address`);
          assert.ok(last < 50 || last > 55, `${a} is excluded`);
          assert.ok(a.startsWith("203.0.113."), `${a} is outside ${pool.text}`);
          assert.ok(excluded.first > 0n);
        }
        const ic = [...addressesOf(fleet.tenants).entries()]
          .filter(([k]) => k.endsWith("/interconnect"))
          .map(([, v]) => v);
        assert.equal(new Set(ic).size, ic.length, "duplicate interconnect address");
        assert.ok(!ic.includes("172.31.0.1"), "interconnect gateway handed out");
      }),
      { numRuns: 60 },
    );
  });

  it("adding or removing another tenant never moves anyone else's address", () => {
    fc.assert(
      fc.property(tenantNames, fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), fc.nat(), (names, extra, pick) => {
        fc.pre(!names.includes(extra));
        const cluster = smallCluster();
        const before = planFleet(
          cluster,
          names.map((n) => tenant(n, 2)),
        );
        const was = addressesOf(before.tenants);

        const added = planFleet(
          cluster,
          [...names, extra].map((n) => tenant(n, 2)),
          before.claims,
        );
        const now = addressesOf(added.tenants);
        for (const [k, v] of was) assert.equal(now.get(k), v, `${k} moved when ${extra} was added`);

        const gone = names[pick % names.length];
        const claims: AddressClaims = JSON.parse(JSON.stringify(added.claims));
        for (const range of Object.values(claims))
          for (const [a, holder] of Object.entries(range)) if (holder.startsWith(`${gone}/`)) delete range[a];
        const removed = planFleet(
          cluster,
          [...names, extra].filter((n) => n !== gone).map((n) => tenant(n, 2)),
          claims,
        );
        const after = addressesOf(removed.tenants);
        for (const [k, v] of now)
          if (!k.startsWith(`${gone}/`)) assert.equal(after.get(k), v, `${k} moved when ${gone} was removed`);
      }),
      { numRuns: 60 },
    );
  });

  it("does not depend on the order tenants are listed in", () => {
    fc.assert(
      fc.property(tenantNames, (names) => {
        const a = planFleet(
          smallCluster(),
          names.map((n) => tenant(n, 1)),
        );
        const b = planFleet(
          smallCluster(),
          [...names].reverse().map((n) => tenant(n, 1)),
        );
        assert.deepEqual(addressesOf(a.tenants), addressesOf(b.tenants));
      }),
      { numRuns: 40 },
    );
  });

  it("a tenant planned alone gets the address it gets in a fleet without competition", () => {
    const cluster = smallCluster();
    const alone = planTenant(tenant("solo", 1), planCluster(cluster).info);
    const fleet = planFleet(cluster, [tenant("solo", 1)]);
    assert.deepEqual(alone.addresses, fleet.tenants[0].addresses);
  });

  it("a tenant planned against parsed claims (as a fleet does) gets what it gets against the plain claims", () => {
    const cluster = smallCluster();
    const info = planCluster(cluster).info;
    const held = planFleet(
      cluster,
      ["a", "b", "c"].map((n) => tenant(n, 3)),
    ).claims;
    const viaText = planTenant(tenant("d", 3), info, held);
    const viaIndex = planTenant(tenant("d", 3), info, new ClaimIndex(held));
    assert.deepEqual(viaIndex, viaText);
    // and it really avoided the held addresses
    for (const e of Object.values(viaText.addresses.eips)) assert.equal(held.pool[e.v4ip as string], undefined);
  });

  it("a fleet plan's claims are the input claims, the static addresses and every allocated address, in that order", () => {
    const cluster = smallCluster();
    const input: AddressClaims = { pool: { "203.0.113.9": "gone/eip/e0" }, elsewhere: { "192.0.2.1": "x/eip/y" } };
    const fixed = tenant("b", 1);
    fixed.eips = [{ name: "e0", pool: "pool", v4ip: "203.0.113.20" }];
    const fleet = planFleet(cluster, [tenant("c", 2), fixed, tenant("a", 1)], input);
    const want: AddressClaims = {
      pool: { "203.0.113.9": "gone/eip/e0", "203.0.113.20": "b/eip/e0" },
      elsewhere: { "192.0.2.1": "x/eip/y" },
    };
    for (const p of fleet.tenants) {
      want["ovn-vpc-external-network"] ??= {};
      want["ovn-vpc-external-network"][p.addresses.interconnectIp] = `${p.tenant}/interconnect`;
      for (const [name, e] of Object.entries(p.addresses.eips)) want.pool[e.v4ip as string] = `${p.tenant}/eip/${name}`;
    }
    assert.deepEqual(Object.keys(fleet), ["facts", "tenants", "claims"]);
    assert.deepEqual(JSON.parse(JSON.stringify(fleet.claims)), want);
    // Key order too: addresses in the order held, then allocated tenant by tenant (a, b, c).
    assert.deepEqual(Object.keys(fleet.claims.pool), Object.keys(want.pool));
    assert.deepEqual(Object.keys(fleet.claims), ["pool", "elsewhere", "ovn-vpc-external-network"]);
    assert.equal(fleet.claims, fleet.claims, "read twice, the same object");
    assert.deepEqual(input, { pool: { "203.0.113.9": "gone/eip/e0" }, elsewhere: { "192.0.2.1": "x/eip/y" } });
  });

  it("fills a range exactly to capacity, then reports exhaustion", () => {
    const cidr = parseCidr("192.0.2.0/29")!; // 6 usable addresses
    const excluded = [parseRange("192.0.2.1")!];
    const reqs = Array.from({ length: 5 }, (_, i) => ({ key: `k${i}` }));
    const ok = allocate(cidr, reqs, { excluded });
    assert.equal(ok.exhausted.length, 0);
    assert.equal(new Set(ok.addresses.values()).size, 5);
    assert.equal(ok.capacity, 5n);
    const over = allocate(cidr, [...reqs, { key: "k5" }], { excluded });
    assert.equal(over.exhausted.length, 1);
  });

  it("keeps a held address with its holder even when a newcomer prefers it", () => {
    const cidr = parseCidr("192.0.2.0/28")!;
    const first = allocate(cidr, [{ key: "newcomer" }], { excluded: [] });
    const preferred = first.addresses.get("newcomer")!;
    const value = parseCidr(`${preferred}/32`)!.first;
    const r = allocate(cidr, [{ key: "newcomer" }, { key: "old" }], {
      excluded: [],
      claims: new Map([[value, "old"]]),
    });
    assert.equal(r.addresses.get("old"), preferred);
    assert.notEqual(r.addresses.get("newcomer"), preferred);
  });
});
