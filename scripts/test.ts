// npm test — everything, on a throwaway cluster (or a throwaway database on DATABASE_URL):
// migrate, pgTAP (pg_prove) on a copy of the database, then vitest against a real PostgREST.
// Ends with one line: "N passed, N failed" over both.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HANG_GUARD_MS } from "./lib/hang-guard.js";
import { migrate } from "./lib/migrate.js";
import { allPgtapFiles, exec, pgProve, preparePgtapDatabase } from "./lib/pgtap.js";
import { repoRoot } from "./lib/paths.js";
import { ensurePrerequisites, ensureTestTools, findServerBinDir } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";
import { testTarget } from "./lib/target.js";

// npm test [-- <vitest file filters>]; npm test -- --pgtap [db/tests/NN_x.sql ...] (pgTAP only);
// npm test -- --fast (the inner loop: pgTAP and the API tests, test/http);
// npm run test:soak (durable cluster, fault injection, minutes).
const soak = process.argv.includes("--soak");
const pgtapOnly = process.argv.includes("--pgtap");
const fast = process.argv.includes("--fast");
const args = process.argv.slice(2).filter((a) => a !== "--soak" && a !== "--pgtap" && a !== "--fast");
const pgtapFiles = pgtapOnly ? args : [];
const vitestArgs = pgtapOnly ? [] : args;
if (soak) vitestArgs.unshift("--config", "vitest.soak.config.ts");
// The tiers (README, "Tests"): --fast leaves out the client's packaging, the tooling, the host
// project and the real-Baileys tests; the API's behaviour is all there.
if (fast && vitestArgs.length === 0) vitestArgs.push("test/http/");

/** Ends a --pgtap run after pgTAP, through the same teardown. */
class Done extends Error {}

async function runPgtap(serverUrl: (db: string) => string, appDb: string, only: string[] = []) {
  const db = `${appDb}_pgtap`;
  await preparePgtapDatabase(serverUrl, appDb, db);
  const { passed, failed } = await pgProve(serverUrl(db), only.length ? only : allPgtapFiles(), { echo: true });
  return { passed, failed };
}

async function runVitest(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), "wa-vitest-"));
  const report = join(dir, "report.json");
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      join(repoRoot, "node_modules", ".bin", "vitest"),
      ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...vitestArgs],
      { cwd: repoRoot, stdio: "inherit", env: { ...process.env, ...env } },
    );
    child.on("error", reject);
    child.on("exit", (c) => resolve(c ?? 1));
  });
  let passed = 0;
  let failed = 0;
  try {
    const r = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      testResults: { status: string; assertionResults: unknown[] }[];
    };
    passed = r.numPassedTests;
    // A file that failed before running any test (import error) counts as one failure.
    failed = r.numFailedTests + r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  } catch {
    /* no report: vitest itself failed */
  }
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0 && failed === 0) failed = 1;
  return { passed, failed };
}

const serverBinDir = ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: true });
const tools = ensureTestTools(serverBinDir ?? findServerBinDir());
const target = await testTarget({ durable: soak });
let total = { passed: 0, failed: 0 };
try {
  await migrate(target.adminUrl, { quiet: true });
  // Migrations must run cleanly twice: the second run is a no-op for dbmate and re-applies functions.
  await migrate(target.adminUrl, { quiet: true });
  if (vitestArgs.length === 0 || fast) {
    // a filtered or soak run skips pgTAP
    console.log("== pgTAP (db/tests) ==");
    const t = await runPgtap(target.serverUrl, target.dbName, pgtapFiles);
    total = { passed: total.passed + t.passed, failed: total.failed + t.failed };
  }
  if (pgtapOnly) throw new Done();
  if (target.cluster && !soak) {
    // Speed is the bench's business. On the run's own cluster the API roles' statement timeouts
    // (production's 30 s / 2 s: pgTAP 04 and 40, above, checked them) become the hang guard for the
    // HTTP tests, so that a large call on a busy machine is not failed for being slow. Never on a
    // server of DATABASE_URL: roles are shared by all of its databases.
    await exec(
      ["anon", "gateway", "crm", "ops"].map((r) => `alter role ${r} set statement_timeout = '${HANG_GUARD_MS}ms'`),
      target.adminUrl,
    );
  }
  console.log("== vitest (HTTP against PostgREST) ==");
  const jwtSecret = randomSecret();
  const api = await startPostgrest({ dbUri: await target.postgrestUri(), jwtSecret, port: await freePort(), poolSize: 20 });
  try {
    const v = await runVitest({
      WA_API_URL: api.url,
      WA_DB_URL: target.adminUrl,
      WA_JWT_SECRET: jwtSecret,
      WA_NGINX_BIN: tools.nginx,
      WA_PGBOUNCER_BIN: tools.pgbouncer,
      // Server binaries, for tests that build clusters of their own (the Supabase-shaped one).
      ...(serverBinDir ? { WA_PG_BINDIR: serverBinDir } : {}),
      // What PostgREST connects with, for tests that start a service of their own (npm start).
      WA_PGRST_DB_URI: await target.postgrestUri(),
      // For fault injection (the soak restarts PostgreSQL under load).
      ...(target.cluster && target.binDir
        ? {
            WA_PG_BINDIR: target.binDir,
            WA_PG_DATADIR: target.cluster.dataDir,
            WA_PG_SOCKETDIR: target.cluster.socketDir,
            WA_PG_PORT: String(target.cluster.port),
          }
        : {}),
    });
    total = { passed: total.passed + v.passed, failed: total.failed + v.failed };
  } finally {
    await api.stop();
  }
} catch (e) {
  if (!(e instanceof Done)) {
    console.error(e);
    total.failed += 1;
  }
} finally {
  await target.teardown();
}
console.log(`\n${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed === 0 && total.passed > 0 ? 0 : 1);
