// The policy pack's entry point: the engine's policy runner (@pulumi/pulumi's run-policy-pack) requires
// this directory. The policies are provider/policy/pack.ts, always run compiled: the runner type-checks
// any TypeScript it loads, which would take the whole provider's sources with it. In a checkout whose
// build is stale (bin/launch.js's rule), scripts/ensure-deps.js compiles it first, output on stderr
// (the engine reads the pack's port from stdout).
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { buildFresh, root } = require("../bin/launch.js");

const checkout = fs.existsSync(path.join(root, "provider", "policy", "pack.ts"));
if (checkout && !buildFresh(root))
  execFileSync(process.execPath, [path.join(root, "scripts", "ensure-deps.js")], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
require(path.join(root, "build", "provider", "policy", "pack.js")).serve();
