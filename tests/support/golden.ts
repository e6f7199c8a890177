/** Golden files: compare text with a checked-in file; `UPDATE_GOLDEN=1` rewrites the files instead. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

export function assertGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file))
    assert.fail(`golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it, then review it`);
  assert.equal(
    actual,
    fs.readFileSync(file, "utf8"),
    `differs from ${file} (UPDATE_GOLDEN=1 rewrites it; review the diff)`,
  );
}
