#!/usr/bin/env node
// Runs first in `npm start` and `npm test`: installs the locked dependencies when node_modules is
// missing or older than package-lock.json, so a fresh clone needs no other command. Install
// scripts are skipped: @pulumi/kubernetes' one downloads its plugin from the internet, and
// toolchain/build.sh provides that plugin instead. Then compiles the provider (below).
// Plain Node on purpose: it runs before any dependency exists.

const { execFileSync, execSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const lock = path.join(root, "package-lock.json");
const installed = path.join(root, "node_modules", ".package-lock.json");
const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.error("[setup] installing dependencies (npm ci)...");
  execSync("npm ci --ignore-scripts --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}

// The compiled provider (build/) that bin/pulumi-resource-kubeovn and bin/kubeovn-tenants run when it
// is up to date: rebuilt when buildFresh (bin/launch.js, the one place of that rule) says no. With it,
// the declarations (the package's `types`) and the webhook's ready-made bundle (provider/webhook/bundle.ts).
const { buildFresh } = require("../bin/launch.js");
const stamp = path.join(root, "build", ".stamp");
if (!buildFresh(root)) {
  console.error("[setup] compiling the provider (tsc -p tsconfig.build.json)...");
  const started = new Date();
  fs.rmSync(path.join(root, "build"), { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  const bundle = require(path.join(root, "build", "provider", "webhook", "bundle.js"));
  fs.writeFileSync(
    path.join(root, "build", "provider", "webhook", bundle.PREBUILT),
    JSON.stringify(bundle.transpileBundle()),
  );
  // Stamped with the start time: a source edited during the build makes it stale again.
  fs.writeFileSync(stamp, "");
  fs.utimesSync(stamp, started, started);
}
