#!/usr/bin/env node
// Runs first in `npm start` and `npm test`: installs the locked dependencies when node_modules is
// missing or older than package-lock.json, so a fresh clone needs no other command. Install
// scripts are skipped: @pulumi/kubernetes' one downloads its plugin from the internet, and
// toolchain/build.sh provides that plugin instead.
// Plain Node on purpose: it runs before any dependency exists.
"use strict";
const { execSync } = require("node:child_process");
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
