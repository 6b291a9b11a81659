// The bench's world: a throwaway cluster (or database on DATABASE_URL), migrated, with our
// PostgREST and a second PostgREST exposing the tables directly for the baselines.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import pg from "pg";
import { createApiKey } from "../../scripts/lib/api-keys.js";
import { withSearchPath } from "../../scripts/lib/db.js";
import { migrate } from "../../scripts/lib/migrate.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { testTarget, type Target } from "../../scripts/lib/target.js";

export interface BenchEnv {
  target: Target;
  db: pg.Pool;
  ours: RunningPostgrest;
  baseline: RunningPostgrest;
  gatewayKey: string;
  crmKey: string;
  baselineJwt: string;
  close(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const target = await testTarget();
  await migrate(target.adminUrl, { quiet: true });
  const db = new pg.Pool({ connectionString: target.adminUrl, max: 4, ...withSearchPath() });
  await db.query(readFileSync(join(repoRoot, "bench", "sql", "baseline-role.sql"), "utf8"));
  await db.query(readFileSync(join(repoRoot, "bench", "sql", "per-row-totals-trigger.sql"), "utf8"));
  await db.query(readFileSync(join(repoRoot, "bench", "sql", "dynamic-totals-trigger.sql"), "utf8"));
  await db.query(readFileSync(join(repoRoot, "bench", "sql", "sync-groups-with-joins.sql"), "utf8"));
  const jwtSecret = randomSecret();
  const dbUri = await target.postgrestUri();
  const ours = await startPostgrest({ dbUri, jwtSecret, port: await freePort(), poolSize: 20 });
  // The original flow: PostgREST over the tables (schema wa_data here; public in the original),
  // as a service client would use them. No pre-request hook, PostgREST's own OpenAPI.
  const baseline = await startPostgrest({
    dbUri,
    jwtSecret,
    port: await freePort(),
    poolSize: 20,
    env: { PGRST_DB_SCHEMAS: "wa_data", PGRST_DB_PRE_REQUEST: "", PGRST_DB_ROOT_SPEC: "" },
  });
  const close = async () => {
    await ours.stop();
    await baseline.stop();
    await db.end();
    await target.teardown();
  };
  try {
    const baselineJwt = await new SignJWT({ role: "bench_baseline" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("2h")
      .sign(new TextEncoder().encode(jwtSecret));
    return {
      target,
      db,
      ours,
      baseline,
      baselineJwt,
      close,
      gatewayKey: (await createApiKey(target.adminUrl, "gateway", "bench-gateway")).key,
      crmKey: (await createApiKey(target.adminUrl, "crm", "bench-crm")).key,
    };
  } catch (e) {
    await close(); // nothing started here outlives a failed start
    throw e;
  }
}
