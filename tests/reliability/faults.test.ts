/**
 * Faults in the middle of an operation: the Kube-OVN controller dies during a destroy, the API
 * server restarts during an up and during a destroy, and the pulumi CLI is killed at a random step
 * of an up. After the recovery a user would run (docs/recovery.md) the cluster matches the
 * program, nothing is orphaned and no address is held twice.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { KubeOvn } from "../../localcluster/kubeovn";
import { getCluster, kubeOvn } from "../e2e/support/cluster";
import { type DemoStack, openDemoStack, ourObjects } from "../e2e/support/stack";
import { demoSpecs } from "./support/programs";
import { assertRecovered, isResourceStep, killPulumi, pendingOperations, seededRandom } from "./support/recovery";

const quiet = { onOutput: () => undefined };
const TRIALS = 10;

/** Leaves the demo program with or without tenant globex. */
function withGlobex(s: DemoStack, on: boolean, original: any): void {
  if (on) s.program.resources.globex = original;
  else delete s.program.resources.globex;
  s.program.outputs = Object.fromEntries(
    Object.entries(s.program.outputs as object).filter(([k]) => on || !k.startsWith("globex")),
  );
  s.write();
}

/**
 * The recovery docs/recovery.md gives after a killed run: remove the dead run's lock (`pulumi
 * cancel`), clear pending operations if the state has any (`pulumi refresh --clear-pending-creates`),
 * then run `pulumi up` again. Returns what the state held before.
 */
async function recoverKilled(s: DemoStack): Promise<number> {
  repairCheckpoint(s);
  await s.stack.cancel();
  const pending = (await pendingOperations(s.stack)).length;
  if (pending > 0) await s.stack.refresh({ ...quiet, clearPendingCreates: true });
  await s.stack.up(quiet);
  return pending;
}

/**
 * A run killed while the file backend writes its checkpoint can leave `<stack>.json.attrs` (written
 * in place before the checkpoint is renamed into place) empty: every command then fails with "failed
 * to load checkpoint: EOF". docs/recovery.md: remove the broken metadata file; restore the `.bak`
 * should the checkpoint itself not parse. Returns what was repaired.
 */
function repairCheckpoint(s: DemoStack): string[] {
  const stacks = path.join(s.dir, ".state", ".pulumi", "stacks");
  const files = fs.existsSync(stacks)
    ? (fs.readdirSync(stacks, { recursive: true }) as string[]).filter((f) => path.basename(f) === "faults.json")
    : [];
  const repaired: string[] = [];
  const parses = (file: string) => {
    try {
      JSON.parse(fs.readFileSync(file, "utf8"));
      return true;
    } catch {
      return false;
    }
  };
  for (const f of files) {
    const file = path.join(stacks, f);
    if (fs.existsSync(`${file}.attrs`) && !parses(`${file}.attrs`)) {
      fs.rmSync(`${file}.attrs`);
      repaired.push(`${f}.attrs removed`);
    }
    if (!parses(file)) {
      fs.copyFileSync(`${file}.bak`, file);
      repaired.push(`${f} restored from ${f}.bak`);
    }
  }
  if (repaired.length) process.stderr.write(`      [faults] unreadable checkpoint: ${repaired.join(", ")}\n`);
  return repaired;
}

/** After a failed (not killed) run there is no lock: a plain re-run. */
async function rerun(s: DemoStack): Promise<void> {
  await s.stack.up(quiet);
}

describe("faults: a failure half-way leaves a state a re-run repairs", function () {
  let controller: KubeOvn;
  let s: DemoStack;
  let globex: any;
  let outputs: any;
  const specs = demoSpecs();

  before(async function () {
    controller = kubeOvn();
    s = await openDemoStack("faults");
    globex = s.program.resources.globex;
    outputs = { ...s.program.outputs };
  });

  after(async function () {
    await controller?.controller.start(); // back for the next test, had this one stopped it
    s?.cleanup();
  });

  for (let trial = 0; trial < TRIALS; trial++) {
    const seed = 1000 + trial;
    it(`pulumi up killed at a random step (seed ${seed}), then recovered as docs/recovery.md says`, async function () {
      const random = seededRandom(seed);
      const on = trial % 2 === 0; // alternately add and remove tenant globex, so creates and deletes are both cut
      s.program.outputs = { ...outputs };
      withGlobex(s, on, globex);
      const killAt = 1 + Math.floor(random() * 8);
      let steps = 0;
      let killed = 0;
      const run = s.stack.up({
        onEvent: (e) => {
          if (isResourceStep(e) && ++steps === killAt) killed = killPulumi("faults");
        },
      });
      await run.then(
        () => assert.fail(`up finished before step ${killAt} (${steps} steps)`),
        () => undefined,
      );
      assert.ok(killed > 0, "no pulumi process was found to kill");
      const pending = await recoverKilled(s);
      process.stderr.write(
        `      [faults] seed ${seed}: killed ${killed} processes at step ${killAt}; pending operations: ${pending}\n`,
      );
      await controller.settled();
      await assertRecovered(s.stack, specs.cluster, on ? [specs.acme, specs.globex] : [specs.acme]);
    });
  }

  it("a checkpoint whose metadata file a kill left empty: removed as docs/recovery.md says, the stack works again", async function () {
    s.program.outputs = { ...outputs };
    withGlobex(s, true, globex);
    await s.stack.up(quiet);
    const attrs = (
      fs.readdirSync(path.join(s.dir, ".state", ".pulumi", "stacks"), { recursive: true }) as string[]
    ).find((f) => path.basename(f) === "faults.json.attrs");
    assert.ok(attrs, "the file backend writes faults.json.attrs");
    fs.writeFileSync(path.join(s.dir, ".state", ".pulumi", "stacks", attrs), "");
    await assert.rejects(s.stack.preview(quiet), /failed to load checkpoint: EOF/);
    assert.deepEqual(repairCheckpoint(s), [`${attrs} removed`]);
    const preview = await s.stack.preview(quiet);
    assert.deepEqual(
      Object.keys(preview.changeSummary).filter((k) => k !== "same"),
      [],
      "the repaired state is the whole, current checkpoint",
    );
  });

  it("kube-apiserver restarted in the middle of an up: a plain re-run completes it", async function () {
    s.program.outputs = { ...outputs };
    withGlobex(s, true, globex);
    await s.stack.destroy(quiet);
    let steps = 0;
    let restart: Promise<void> | undefined;
    const run = s.stack.up({
      onEvent: (e) => {
        if (isResourceStep(e) && ++steps === 4) restart = getCluster().restartApiServer(2000);
      },
    });
    const first = await run.then(
      () => "succeeded",
      (e: Error) => `failed: ${e.message.split("\n")[0]}`,
    );
    assert.ok(restart, "the up ended before the restart point");
    await restart;
    process.stderr.write(`      [faults] up across an API server restart: ${first}\n`);
    await rerun(s);
    await controller.settled();
    await assertRecovered(s.stack, specs.cluster, [specs.acme, specs.globex]);
  });

  it("kube-apiserver restarted in the middle of a destroy: a plain re-run of destroy finishes it", async function () {
    let steps = 0;
    let restart: Promise<void> | undefined;
    const run = s.stack.destroy({
      onEvent: (e) => {
        if (isResourceStep(e) && ++steps === 3) restart = getCluster().restartApiServer(2000);
      },
    });
    const first = await run.then(
      () => "succeeded",
      (e: Error) => `failed: ${e.message.split("\n")[0]}`,
    );
    assert.ok(restart, "the destroy ended before the restart point");
    await restart;
    process.stderr.write(`      [faults] destroy across an API server restart: ${first}\n`);
    await s.stack.destroy(quiet);
    assert.deepEqual(await ourObjects(), []);
    assert.deepEqual(await pendingOperations(s.stack), []);
  });

  it("controller killed in the middle of a destroy: the teardown finishes without it", async function () {
    await s.stack.up(quiet);
    await controller.settled();
    let steps = 0;
    const run = s.stack.destroy({
      onEvent: (e) => {
        if (isResourceStep(e) && ++steps === 1) void controller.controller.kill();
      },
    });
    await run;
    assert.ok(steps > 0);
    assert.deepEqual(await ourObjects(), []);
    assert.deepEqual(await pendingOperations(s.stack), []);
    assert.equal(controller.controller.running, false, "the controller was killed during the destroy");
    await controller.controller.start();
  });
});
