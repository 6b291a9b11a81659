// Retention is scheduled with pg_cron where it exists: on a cluster that preloads Debian's
// pg_cron (as Supabase does), migrate schedules nothing and never touches a job the host changed;
// `npm run db:prune -- --schedule` schedules internal.prune() once, and the job's command runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { withClient } from "../../scripts/lib/db.js";
import { migrate } from "../../scripts/lib/migrate.js";
import { localCluster, startCluster, stopCluster } from "../../scripts/lib/postgres.js";
import { freePort } from "../../scripts/lib/run.js";
import { repoRoot } from "../../scripts/lib/paths.js";

const binDir = process.env.WA_PG_BINDIR;
const dir = mkdtempSync(join(tmpdir(), "wa-cron-"));
let cluster: ReturnType<typeof localCluster> | undefined;
afterAll(() => {
  if (cluster && binDir) stopCluster(binDir, cluster, "immediate");
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!binDir)("retention with pg_cron", () => {
  it("migrate schedules nothing; db:prune --schedule does, and migrate never undoes what the host did with the job", async () => {
    cluster = localCluster(join(dir, "data"), join(dir, "sock"), await freePort());
    startCluster(binDir!, cluster, { throwaway: true, settings: ["shared_preload_libraries = 'pg_cron'", "cron.database_name = 'app'"] });
    await withClient(cluster.url("postgres"), (c) => c.query("create database app"));
    const url = cluster.url("app");
    await withClient(url, (c) => c.query("create extension pg_cron"));
    const jobs = () =>
      withClient(
        url,
        async (c) => (await c.query("select jobname, schedule, command from cron.job where jobname = 'wa-campaigns-prune'")).rows,
      );
    // A job an earlier version scheduled, re-timed by the host: its time stays, its command follows.
    await withClient(url, (c) => c.query("select cron.schedule('wa-campaigns-prune', '5 4 * * *', 'select internal.prune()')"));
    await migrate(url, { quiet: true });
    expect(await jobs()).toEqual([{ jobname: "wa-campaigns-prune", schedule: "5 4 * * *", command: "call internal.prune()" }]);
    // The host removes it: migrating again does not put it back.
    await withClient(url, (c) => c.query("select cron.unschedule('wa-campaigns-prune')"));
    await migrate(url, { quiet: true });
    expect(await jobs()).toEqual([]);
    // Scheduled when the operator asks, once however often.
    for (let i = 0; i < 2; i++) {
      const out = execFileSync("npx", ["tsx", "scripts/db-prune.ts", "--schedule", "17 3 * * *"], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: url },
        encoding: "utf8",
      });
      expect(out).toMatch(/runs "call internal.prune\(\)" at "17 3 \* \* \*"/);
    }
    await migrate(url, { quiet: true });
    const [job] = await jobs();
    expect(job).toEqual({ jobname: "wa-campaigns-prune", schedule: "17 3 * * *", command: "call internal.prune()" });
    const ran = await withClient(url, async (c) => (await c.query(job.command)).rows[0].deleted);
    expect(Object.keys(ran).sort()).toEqual([
      "finished_campaigns",
      "idempotency_keys",
      "inbox_expired",
      "inbox_settled",
      "message_id_locks",
      "quarantine_resolved",
      "quarantine_unresolved",
      "skipped",
      "status_inbox",
    ]);
  });
});
