// npm run schema: writes provider/schema.json, inferred from the components' TypeScript args, and
// the JSON Schema of the same inputs (provider/fleet/fleet.schema.json) derived from it.
import * as fs from "node:fs";
import { inputJsonSchema } from "../provider/core/strict-keys";
import { INPUT_SCHEMA_FILE } from "../provider/input-schema";
import { SCHEMA_FILE, inferSchema } from "../provider/provider";
import { componentProvider } from "../provider/served";

async function main(): Promise<void> {
  const schema = await inferSchema(componentProvider());
  fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  fs.writeFileSync(INPUT_SCHEMA_FILE, `${JSON.stringify(inputJsonSchema(schema as never), null, 2)}\n`);
  process.stdout.write(`wrote ${INPUT_SCHEMA_FILE}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
