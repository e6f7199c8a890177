/**
 * The webhook as plain JavaScript files for a ConfigMap: no image of ours exists, so the Deployment
 * runs a stock Node image on these files. They are transpiled from the same TypeScript the tests run
 * (the merge, the admission, the server, the certificate renewal), which import nothing but Node
 * built-ins, each other and the node-forge modules that sign certificates: those files (and what they
 * require, with node-forge's licence) are carried as they are, under node_modules/ as Node resolves them.
 *
 * The compiled package carries them ready-made (`bundle.json` beside the compiled module, written by
 * scripts/ensure-deps.js with this same transpilation), so an installed package needs neither the
 * TypeScript sources nor the compiler; from the sources (ts-node) they are transpiled on the spot.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../package-root";

/** Sources, relative to provider/. */
const SOURCES = [
  "core/pod-selector.ts",
  "core/pod-defaults.ts",
  "webhook/admission.ts",
  "webhook/namespaces.ts",
  "webhook/server.ts",
  "webhook/tls.ts",
  "webhook/renewal.ts",
  "webhook/main.ts",
];

/** Path of the entry point inside the bundle. */
export const BUNDLE_MAIN = "webhook/main.js";

/** The webhook's files: path inside the bundle (e.g. `webhook/main.js`) -> JavaScript. */
export function webhookBundle(): { [file: string]: string } {
  const prebuilt = path.join(__dirname, PREBUILT);
  if (!__filename.endsWith(".ts") && fs.existsSync(prebuilt)) return JSON.parse(fs.readFileSync(prebuilt, "utf8"));
  return transpileBundle();
}

/** Name of the ready-made bundle beside the compiled module. */
export const PREBUILT = "bundle.json";

/** Transpiles the webhook's sources (needs the TypeScript compiler, a development dependency). */
export function transpileBundle(): { [file: string]: string } {
  const ts: typeof import("typescript") = require("typescript");
  const root = path.join(packageRoot, "provider");
  const out: { [file: string]: string } = {};
  for (const src of SOURCES) {
    const text = fs.readFileSync(path.join(root, src), "utf8");
    const js = ts.transpileModule(text, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        removeComments: true,
      },
      fileName: src,
    });
    out[src.replace(/\.ts$/, ".js")] = js.outputText;
  }
  return { ...out, ...forgeFiles(Object.values(out)) };
}

/** The node-forge modules the sources require, with everything they require in turn, and its licence. */
function forgeFiles(sources: string[]): { [file: string]: string } {
  const root = path.dirname(require.resolve("node-forge/package.json"));
  const files: { [file: string]: string } = {
    "node_modules/node-forge/LICENSE": fs.readFileSync(path.join(root, "LICENSE"), "utf8"),
  };
  const todo = sources.flatMap((js) => [...js.matchAll(/require\("node-forge\/lib\/([\w.]+)"\)/g)].map((m) => m[1]));
  while (todo.length > 0) {
    const name = (todo.pop() as string).replace(/\.js$/, "");
    const file = `node_modules/node-forge/lib/${name}.js`;
    if (files[file] !== undefined) continue;
    files[file] = fs.readFileSync(path.join(root, "lib", `${name}.js`), "utf8");
    todo.push(...[...files[file].matchAll(/require\('\.\/([\w.]+)'\)/g)].map((m) => m[1]));
  }
  return files;
}

/** ConfigMap keys cannot hold `/`: `webhook/main.js` is stored under `webhook_main.js`. */
export const bundleKey = (file: string) => file.replace(/\//g, "_");
