// npm run db:migrate — migrate the database (local cluster or DATABASE_URL), re-apply functions,
// and rewrite the committed schema dump db/schema.sql.
import { dumpSchema, migrate } from "./lib/migrate.js";
import { devTarget } from "./lib/target.js";

const target = await devTarget();
await migrate(target.adminUrl);
if (!process.argv.includes("--no-dump")) {
  dumpSchema(target.adminUrl);
  console.log("wrote db/schema.sql");
}
await target.teardown();
