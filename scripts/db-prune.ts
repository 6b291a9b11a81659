// npm run db:prune — applies the retention policy (internal.retention_policy) once, on the local
// cluster or DATABASE_URL, and prints what was deleted, per kind. internal.prune is a procedure
// that commits each bounded step: it is called outside any transaction.
//   npm run db:prune -- --schedule '17 3 * * *'   schedule it daily with pg_cron (job wa-campaigns-prune)
//   npm run db:prune -- --unschedule              remove that job
// Nothing else ever schedules it: migrate leaves a host's pg_cron alone (docs/operations.md).
import { parseArgs } from "node:util";
import { withClient } from "./lib/db.js";
import { devTarget } from "./lib/target.js";
import { invokedAs } from "./lib/paths.js";

const JOB = "wa-campaigns-prune";
const { values } = parseArgs({ options: { schedule: { type: "string" }, unschedule: { type: "boolean" } } });

const target = await devTarget();
try {
  await withClient(target.adminUrl, async (c) => {
    if (values.schedule !== undefined || values.unschedule) {
      const cron = (await c.query("select 1 from pg_extension where extname = 'pg_cron'")).rowCount;
      if (!cron) {
        console.error(
          `pg_cron is not installed in this database: schedule \`${invokedAs("npm run db:prune", "prune")}\` with cron or a systemd timer instead (docs/operations.md).`,
        );
        process.exitCode = 1;
      } else if (values.unschedule) {
        const { rowCount } = await c.query("select cron.unschedule(jobid) from cron.job where jobname = $1", [JOB]);
        console.log(rowCount ? `removed the pg_cron job ${JOB}` : `there was no pg_cron job ${JOB}`);
      } else {
        await c.query("select cron.schedule($1, $2, 'call internal.prune()')", [JOB, values.schedule]);
        console.log(`pg_cron job ${JOB} runs "call internal.prune()" at "${values.schedule}"`);
      }
      return;
    }
    const deleted = (await c.query<{ deleted: Record<string, number> }>("call internal.prune()")).rows[0]!.deleted;
    console.log(JSON.stringify({ deleted }));
  });
} finally {
  await target.teardown();
}
