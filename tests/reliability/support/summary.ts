// Root hooks for the reliability run: count tried and passed tests per category (the first word of
// each top-level describe, e.g. "bad-input") and print one line per category at the end.
const counts = new Map<string, { tried: number; passed: number }>();

function category(test: Mocha.Runnable): string {
  let suite = test.parent;
  while (suite?.parent && !suite.parent.root) suite = suite.parent;
  return (suite?.title ?? "other").split(/[\s:]/)[0];
}

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    const t = this.currentTest;
    if (!t || t.state === undefined || t.isPending()) return;
    const c = counts.get(category(t)) ?? { tried: 0, passed: 0 };
    c.tried += 1;
    if (t.state === "passed") c.passed += 1;
    counts.set(category(t), c);
  },
  afterAll(): void {
    for (const [name, c] of counts) process.stdout.write(`reliability: ${name} ${c.tried} tried, ${c.passed} passed\n`);
  },
};
