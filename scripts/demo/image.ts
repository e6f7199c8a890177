/**
 * The topology as an image, when a renderer is at hand: `mmdc` of @mermaid-js/mermaid-cli (on PATH
 * or in this repository's node_modules) with a Chrome it can start. Neither is a dependency of ours:
 * mermaid-cli's install downloads its own Chrome, which fails where only package registries are
 * reachable; installed with PUPPETEER_SKIP_DOWNLOAD=1 it runs on a system Chromium (Debian's
 * `chromium-headless-shell` or `chromium`), which is used here when PUPPETEER_EXECUTABLE_PATH is unset.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../../provider/automation/env";

export type Rendered = { image: string } | { skipped: string };

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Renders `mermaid` (a diagram's text) to `<dir>/demo-network.svg`, or says why not. */
export function renderImage(mermaid: string, dir: string): Rendered {
  const local = path.join(repoRoot, "node_modules", ".bin", "mmdc");
  const mmdc = onPath("mmdc") ?? (fs.existsSync(local) ? local : undefined);
  if (!mmdc)
    return {
      skipped:
        "no Mermaid renderer: `mmdc` (@mermaid-js/mermaid-cli) is not installed; it needs a Chrome " +
        "(PUPPETEER_SKIP_DOWNLOAD=1 npm i -g @mermaid-js/mermaid-cli, and Debian's chromium-headless-shell)",
    };
  const browser =
    process.env.PUPPETEER_EXECUTABLE_PATH ??
    ["chromium-headless-shell", "chromium", "google-chrome"].map(onPath).find(Boolean);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kubeovn-demo-mmdc-"));
  try {
    const input = path.join(tmp, "topology.mmd");
    fs.writeFileSync(input, mermaid);
    // Chrome refuses to run as root with its sandbox on.
    const config = path.join(tmp, "puppeteer.json");
    fs.writeFileSync(config, JSON.stringify({ args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] }));
    const image = path.join(dir, "demo-network.svg");
    const run = spawnSync(mmdc, ["--quiet", "-p", config, "-i", input, "-o", image], {
      encoding: "utf8",
      timeout: 90_000,
      env: { ...process.env, ...(browser ? { PUPPETEER_EXECUTABLE_PATH: browser } : {}) },
    });
    if (run.status === 0 && fs.existsSync(image)) return { image };
    const why = `${run.error?.message ?? ""}\n${run.stderr ?? ""}`
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith("at "));
    return { skipped: `${mmdc} failed (${why ?? `exit ${run.status}`})${browser ? "" : "; no Chrome/Chromium found"}` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
