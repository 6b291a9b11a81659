// Retention is scheduled with pg_cron where it exists: on a cluster that preloads Debian's
// pg_cron (as Supabase does), migrate schedules internal.prune() once, however often it runs,
// and the job runs the function.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withClient } from "../../scripts/lib/db.js";
import { migrate } from "../../scripts/lib/migrate.js";
import { localCluster, startCluster, stopCluster } from "../../scripts/lib/postgres.js";
import { freePort } from "../../scripts/lib/run.js";

const binDir = process.env.WA_PG_BINDIR;
const dir = mkdtempSync(join(tmpdir(), "wa-cron-"));
let cluster: ReturnType<typeof localCluster> | undefined;
afterAll(() => {
  if (cluster && binDir) stopCluster(binDir, cluster, "immediate");
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!binDir)("retention with pg_cron", () => {
  it("migrate schedules internal.prune() daily, once, and the job's command runs", async () => {
    cluster = localCluster(join(dir, "data"), join(dir, "sock"), await freePort());
    startCluster(binDir!, cluster, { throwaway: true,
      settings: ["shared_preload_libraries = 'pg_cron'", "cron.database_name = 'app'"] });
    await withClient(cluster.url("postgres"), (c) => c.query("create database app"));
    const url = cluster.url("app");
    await withClient(url, (c) => c.query("create extension pg_cron"));
    await migrate(url, { quiet: true });
    await migrate(url, { quiet: true });
    const jobs = await withClient(url, async (c) =>
      (await c.query("select jobname, schedule, command from cron.job where jobname = 'wa-campaigns-prune'")).rows);
    expect(jobs).toEqual([{ jobname: "wa-campaigns-prune", schedule: "17 3 * * *", command: "call internal.prune()" }]);
    const ran = await withClient(url, async (c) => (await c.query(jobs[0]!.command)).rows[0].deleted);
    expect(Object.keys(ran).sort()).toEqual(["finished_campaigns", "inbox_expired", "inbox_settled",
      "message_id_locks", "quarantine_resolved", "quarantine_unresolved", "skipped", "status_inbox"]);
  });
});
