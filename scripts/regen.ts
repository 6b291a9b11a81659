// npm run regen — every generated file, in the one order that works, from a throwaway database
// migrated with this checkout (a throwaway cluster, or one on DATABASE_URL's server: like every
// tool but db:migrate and start, it never migrates the database you work with):
//   1. migrate (functions and views as the checkout has them);
//   2. the checked values (the contracts refer to them), the error-code registry's SQL, the
//      client's Database and payload types, the OpenAPI document;
//   3. migrate again: the registry's SQL is a function file and the OpenAPI document is data the
//      migration loads, both written in step 2;
//   4. the schema dump (db/schema.generated.sql) and the migrations' lock (db/migrations.sha256);
//   5. the README's counts of RPCs and views, from the catalogue (db/contracts/endpoints.json).
// test/generated-files.test.ts regenerates the same and says "run npm run regen" on any drift.
// `npm run gen:types` is the same command (its former name).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadEndpoints } from "./lib/endpoints.js";
import { GENERATORS } from "./lib/generators.js";
import { dumpSchema, migrate } from "./lib/migrate.js";
import { MIGRATION_LOCK_FILE, recordNewMigrations } from "./lib/migration-lock.js";
import { repoRoot } from "./lib/paths.js";
import { testTarget } from "./lib/target.js";

const target = await testTarget();
try {
  await migrate(target.adminUrl, { quiet: true });
  for (const g of GENERATORS) writeFileSync(join(repoRoot, g.file), await g.generate(target.adminUrl));
  await migrate(target.adminUrl, { quiet: true });
  await dumpSchema(target.adminUrl);
  const recorded = recordNewMigrations();
  const endpoints = loadEndpoints();
  const readme = join(repoRoot, "README.md");
  writeFileSync(
    readme,
    readFileSync(readme, "utf8").replace(
      /(`api` — the only schema PostgREST exposes: )\d+ RPCs, \d+ read views/,
      `$1${endpoints.filter((e) => e.kind === "rpc").length} RPCs, ${endpoints.filter((e) => e.kind === "view").length} read views`,
    ),
  );
  console.log(
    `wrote ${GENERATORS.map((g) => g.file).join(", ")}, db/schema.generated.sql and README.md's counts` +
      (recorded.length ? `; recorded in ${MIGRATION_LOCK_FILE}: ${recorded.join(", ")}` : ""),
  );
} finally {
  await target.teardown();
}
