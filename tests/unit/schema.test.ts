import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { componentProvider } from "../../provider/served";
import { SCHEMA_FILE, inferSchema } from "../../provider/provider";

describe("provider schema", () => {
  it("provider/schema.json is what the components' TypeScript infers (run `npm run schema` after changing args)", async function () {
    this.timeout(300_000); // runs the TypeScript compiler over the components: slow on a busy machine
    const fresh = JSON.parse(JSON.stringify(await inferSchema(componentProvider())));
    const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    assert.deepEqual(committed, fresh);
  });

  it("every input and output carries a description for the SDKs", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    const missing: string[] = [];
    const walk = (where: string, props: { [k: string]: { description?: string } } = {}) => {
      for (const [k, v] of Object.entries(props)) if (!v.description) missing.push(`${where}.${k}`);
    };
    for (const [t, r] of Object.entries<any>(schema.resources)) {
      walk(`${t} input`, r.inputProperties);
      walk(`${t} output`, r.properties);
    }
    for (const [t, ty] of Object.entries<any>(schema.types)) walk(t, ty.properties);
    assert.deepEqual(missing, []);
  });
});
