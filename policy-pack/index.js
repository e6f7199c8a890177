// The policy pack's entry point: the engine's policy runner requires this directory. The policies live
// in provider/policy/pack.ts (compiled, or the source in a checkout whose build is stale; see bin/launch.js).
require("../bin/launch.js").load("provider/policy/pack").serve();
