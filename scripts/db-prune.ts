// npm run db:prune — applies the retention policy (internal.retention_policy) once, on the local
// cluster or DATABASE_URL: for databases without pg_cron (where pg_cron exists, migrate schedules
// internal.prune() daily). Prints what was deleted, per kind. internal.prune is a procedure that
// commits each bounded step: it is called outside any transaction.
import { withClient } from "./lib/db.js";
import { devTarget } from "./lib/target.js";

const target = await devTarget();
try {
  const deleted = await withClient(target.adminUrl, async (c) =>
    (await c.query<{ deleted: Record<string, number> }>("call internal.prune()")).rows[0]!.deleted);
  console.log(JSON.stringify({ deleted }));
} finally {
  await target.teardown();
}
