import { strict as assert } from "node:assert";
import * as fc from "fast-check";
import type { NetworkChange } from "../../provider/fleet/network-terms";
import {
  type FleetReport,
  exitCode,
  failedReport,
  fleetReport,
  renderJson,
  renderMarkdown,
  stackReport,
} from "../../provider/fleet/report";
import { mergeReports, parseShard, reportFromJson, shardOf } from "../../provider/fleet/shard";

const change = (action: NetworkChange["action"], name: string, disruptive = false): NetworkChange => ({
  action,
  kind: "Subnet",
  name,
  text: `${action} subnet ${name}`,
  disruptive,
});

/** What each shard's `plan --shard i/n --json` writes for the stacks of `full`, read back as merge-reports reads it. */
function shardReports(full: FleetReport, count: number): { source: string; report: FleetReport }[] {
  return Array.from({ length: count }, (_, k) => {
    const shard = { index: k + 1, count };
    const stacks = full.stacks.filter((s) => shardOf(s.stack, count) === shard.index);
    const source = `shard-${shard.index}.json`;
    return { source, report: reportFromJson(source, renderJson(fleetReport(full.project, full.file, stacks, shard))) };
  });
}

describe("fleet shards (plan --shard i/n, merge-reports)", function () {
  it("parses i/n and refuses anything else, naming the value", function () {
    assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "2", "-1/2", "1/2/3"])
      assert.throws(() => parseShard(bad), new RegExp(`--shard: "${bad.replace(/[/]/g, "\\/")}" is not i/n`));
  });

  it("puts every stack in exactly one shard, the same one on every run", function () {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        (names, n) => {
          for (const name of names) {
            const s = shardOf(name, n);
            assert.ok(Number.isInteger(s) && s >= 1 && s <= n, `${name} -> ${s} of ${n}`);
            assert.equal(shardOf(name, n), s);
          }
        },
      ),
    );
  });

  it("spreads a large fleet evenly enough to be worth splitting", function () {
    const names = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
    const sizes = [0, 0, 0, 0];
    for (const n of names) sizes[shardOf(n, 4) - 1]++;
    for (const size of sizes) assert.ok(size > 200 && size < 300, `shard sizes ${sizes.join(", ")}`);
  });

  it("merging every shard's report gives the unsharded report, exit code included", function () {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        (names, n) => {
          const full = fleetReport("p", "fleet.yaml", [
            stackReport("cluster", "cluster", []),
            ...names.map((t, i) =>
              i % 5 === 4
                ? failedReport(t, "tenant", `error: ${t}`)
                : stackReport(t, "tenant", i % 3 === 0 ? [] : [change("create", `${t}-a`, i % 7 === 2)]),
            ),
          ]);
          const merged = mergeReports(shardReports(full, n));
          assert.equal(renderMarkdown(merged), renderMarkdown(full));
          assert.deepEqual(JSON.parse(renderJson(merged)), JSON.parse(renderJson(full)));
          assert.equal(exitCode(merged), exitCode(full));
        },
      ),
    );
  });

  it("a shard's report says which shard it is", function () {
    const r = fleetReport("p", "fleet.yaml", [stackReport("acme", "tenant", [])], { index: 2, count: 3 });
    assert.match(renderMarkdown(r), /^## kubeovn-tenants plan: fleet\.yaml \(shard 2 of 3\)$/m);
    assert.deepEqual(JSON.parse(renderJson(r)).shard, { index: 2, count: 3 });
  });

  it("refuses a merge that would hide stacks: a missing shard, a shard twice, mixed splits or fleets", function () {
    const full = fleetReport(
      "p",
      "fleet.yaml",
      ["acme", "globex", "initech", "hooli", "umbrella"].map((t) => stackReport(t, "tenant", [change("update", t)])),
    );
    const three = shardReports(full, 3);
    assert.throws(() => mergeReports(three.slice(0, 2)), /missing shard\(s\) 3\/3/);
    assert.throws(() => mergeReports([...three, three[0]]), /shard 1\/3 given twice: shard-1\.json and shard-1\.json/);
    const [other] = shardReports(full, 2);
    assert.throws(() => mergeReports([three[0], other]), /shard 1\/2, but shard-1\.json is 1\/3/);
    const elsewhere = { source: "x.json", report: { ...three[1].report, file: "other.yaml" } };
    assert.throws(() => mergeReports([three[0], elsewhere]), /x\.json: report of p \(other\.yaml\)/);
    const unsharded = { source: "all.json", report: reportFromJson("all.json", renderJson(full)) };
    assert.throws(() => mergeReports([unsharded, three[0]]), /all\.json: not a shard's report/);
    assert.throws(() => reportFromJson("bad.json", "{"), /bad\.json: not JSON/);
    assert.throws(() => reportFromJson("bad.json", "[]"), /bad\.json: not a report of `kubeovn-tenants plan --json`/);
  });
});
