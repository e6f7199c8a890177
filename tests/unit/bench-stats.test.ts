import { strict as assert } from "node:assert";
import { benchRuns, formatTable, median, ratio } from "../../bench/stats";

describe("benchmark helpers", () => {
  it("median of odd and even counts, independent of order", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.throws(() => median([]), /no values/);
  });

  it("ratio rounds to two decimals", () => {
    assert.equal(ratio(10, 4), 2.5);
    assert.equal(ratio(1, 3), 0.33);
  });

  it("table columns are padded to their widest cell", () => {
    const t = formatTable(
      ["a", "bb"],
      [
        ["long cell", "x"],
        ["y", "z"],
      ],
    );
    assert.deepEqual(t.split("\n"), ["a          bb", "---------  --", "long cell  x", "y          z"]);
  });

  it("runs come from BENCH_RUNS, default 3, refusing nonsense", () => {
    assert.equal(benchRuns({}), 3);
    assert.equal(benchRuns({ BENCH_RUNS: "5" }), 5);
    assert.equal(benchRuns({ BENCH_FLEET_RUNS: "2" }, 1, "BENCH_FLEET_RUNS"), 2);
    assert.throws(() => benchRuns({ BENCH_RUNS: "0" }), /BENCH_RUNS: "0" is not a positive whole number/);
    assert.throws(() => benchRuns({ BENCH_RUNS: "two" }), /BENCH_RUNS/);
  });
});
