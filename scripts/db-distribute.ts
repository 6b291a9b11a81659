// npm run db:distribute — place the tables on a Citus cluster (DATABASE_URL: the coordinator's
// application database; without it, the project's local cluster): see scripts/lib/distribute.ts
// and docs/citus.md. Idempotent; refuses with one line where Citus is absent. Exits 1 when Citus
// refused a table (each refusal printed).
import { distribute, hasCitus } from "./lib/distribute.js";
import { devTarget } from "./lib/target.js";

const target = await devTarget();
let code = 0;
try {
  if (!(await hasCitus(target.adminUrl))) {
    console.error(`db:distribute: the database ${target.dbName} has no citus extension (a Citus coordinator is needed); nothing changed`);
    code = 1;
  } else {
    for (const r of await distribute(target.adminUrl)) {
      console.log(`${r.outcome.padEnd(7)} ${r.kind.padEnd(11)} ${r.table}${r.error ? `\n        ${r.error}` : ""}`);
      if (r.outcome === "failed") code = 1;
    }
  }
} finally {
  await target.teardown();
}
process.exit(code);
