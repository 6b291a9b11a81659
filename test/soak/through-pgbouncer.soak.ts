// npm run test:soak — PostgREST behind a real PgBouncer (Debian's) in transaction pooling mode, as
// docs/deployment.md describes it: the maximum-size burst passes through it (prepared statements
// off), and a migration's NOTIFY never reaches PostgREST there, while the signal npm run
// db:migrate sends does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort, sleep } from "../../scripts/lib/run.js";
import { db, newKey } from "../support/env.js";
import { startPgbouncer, type Bouncer } from "../support/pgbouncer.js";
import { maximumSizeBurst } from "./burst.js";

let bouncer: Bouncer;
let api: RunningPostgrest;

beforeAll(async () => {
  bouncer = await startPgbouncer(process.env.WA_PGRST_DB_URI!);
  api = await startPostgrest({
    dbUri: bouncer.uri,
    jwtSecret: process.env.WA_JWT_SECRET!,
    port: await freePort(),
    poolSize: 20,
    env: { PGRST_DB_PREPARED_STATEMENTS: "false" },
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await bouncer?.stop();
  await db.end();
});

describe("soak: PostgREST through PgBouncer (transaction pooling)", () => {
  it("carries the maximum-size burst", async () => {
    const r = await maximumSizeBurst(api.url, "bouncer");
    console.log(`through PgBouncer: ${r.sends} sends + ${r.acks} ACKs in ${r.elapsedMs} ms; peak pg_locks ${r.peakLocks}`);
  });

  it("a migration's NOTIFY does not reload PostgREST there; the signal does", async () => {
    const key = await newKey("crm");
    // An RPC: PostgREST finds functions in its schema cache only (a view it would query anyway).
    const probe = () =>
      fetch(api.url + "/rpc/zz_pgbouncer_probe", {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: "{}",
      }).then((r) => r.status);
    await db.query(`create function api.zz_pgbouncer_probe(jsonb) returns jsonb language sql immutable return '{}'::jsonb;
                    grant execute on function api.zz_pgbouncer_probe(jsonb) to crm`);
    try {
      await db.query("notify pgrst, 'reload schema'");
      await sleep(1500);
      expect(await probe()).toBe(404); // PostgREST never heard it: its listener sits behind the pool
      api.child.kill("SIGUSR1"); // what npm run db:migrate sends (scripts/lib/postgrest.ts)
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await sleep(100);
        status = await probe();
      }
      expect(status).toBe(200);
    } finally {
      await db.query("drop function api.zz_pgbouncer_probe(jsonb)");
      api.child.kill("SIGUSR1");
    }
  });
});
