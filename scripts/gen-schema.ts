// npm run schema: writes provider/schema.json, inferred from the components' TypeScript args.
import * as fs from "node:fs";
import { componentProvider } from "../provider/served";
import { SCHEMA_FILE, inferSchema } from "../provider/provider";

async function main(): Promise<void> {
  const schema = await inferSchema(componentProvider());
  fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
