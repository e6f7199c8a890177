/** The PlanError a plan throws; fails the test when it plans fine. */
import { strict as assert } from "node:assert";
import { PlanError } from "../../provider/core";

export function problemsOf(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlanError) return e;
    throw e;
  }
  assert.fail("expected a PlanError, but the spec was accepted");
}
