// npm run test:stryker [-- <stryker run options, e.g. --mutate clients/ts/src/retry.ts>]: mutation
// testing of the TypeScript client with Stryker (stryker.config.json: the batcher and the retry
// first; docs/testing.md, "Stryker"). The client's tests call the real API, so this starts what
// npm test starts (a throwaway cluster, migrated, and PostgREST on a free port), passes the same
// environment (WA_API_URL, WA_DB_URL, WA_JWT_SECRET) and runs Stryker's vitest runner inside it, on
// the test files of vitest.stryker.config.ts. Not part of npm test (minutes: one vitest run per
// mutant, only the tests that cover it). Exits with Stryker's status.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { HANG_GUARD_MS } from "./lib/hang-guard.js";
import { migrate } from "./lib/migrate.js";
import { exec } from "./lib/pgtap.js";
import { repoRoot } from "./lib/paths.js";
import { ensurePrerequisites } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";
import { testTarget } from "./lib/target.js";

ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: false });
const target = await testTarget();
let code = 1;
try {
  await migrate(target.adminUrl, { quiet: true });
  if (target.cluster)
    // As npm test: on the run's own cluster the API roles' statement timeouts are the hang guard.
    await exec(
      ["anon", "gateway", "crm", "ops"].map((r) => `alter role ${r} set statement_timeout = '${HANG_GUARD_MS}ms'`),
      target.adminUrl,
    );
  const jwtSecret = randomSecret();
  const pgrstUri = await target.postgrestUri();
  const api = await startPostgrest({ dbUri: pgrstUri, jwtSecret, port: await freePort(), poolSize: 20 });
  try {
    code = await new Promise<number>((resolve, reject) => {
      const child = spawn(join(repoRoot, "node_modules", ".bin", "stryker"), ["run", ...process.argv.slice(2)], {
        cwd: repoRoot,
        stdio: "inherit",
        env: {
          ...process.env,
          WA_API_URL: api.url,
          WA_DB_URL: target.adminUrl,
          WA_JWT_SECRET: jwtSecret,
          // What PostgREST connects with: the outage test starts and stops a PostgREST of its own.
          WA_PGRST_DB_URI: pgrstUri,
        },
      });
      child.on("error", reject);
      child.on("exit", (c) => resolve(c ?? 1));
    });
  } finally {
    await api.stop();
  }
} catch (e) {
  console.error(e);
} finally {
  await target.teardown();
}
process.exit(code);
