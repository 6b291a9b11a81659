// npm run test:soak — PostgREST behind a real PgBouncer (Debian's) in transaction pooling mode, as
// docs/deployment.md describes it: the maximum-size burst passes through it (prepared statements
// off), and a migration's NOTIFY never reaches PostgREST there, while the signal npm run
// db:migrate sends does.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort, isRoot, sleep } from "../../scripts/lib/run.js";
import { db, newKey } from "../support/env.js";
import { maximumSizeBurst } from "./burst.js";

const socketDir = process.env.WA_PG_SOCKETDIR;
const pgPort = process.env.WA_PG_PORT;
let dir: string;
let bouncer: ChildProcess;
let api: RunningPostgrest;

beforeAll(async () => {
  if (!socketDir || !pgPort) throw new Error("the PgBouncer soak needs the project's own cluster (npm run test:soak)");
  dir = mkdtempSync(join(tmpdir(), "wa-pgbouncer-"));
  const port = await freePort();
  writeFileSync(join(dir, "users.txt"), '"authenticator" ""\n');
  writeFileSync(join(dir, "pgbouncer.ini"), `
[databases]
app = host=${socketDir} port=${pgPort} dbname=app
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, "users.txt")}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = ${join(dir, "pgbouncer.log")}
`);
  // PgBouncer refuses to run as root: as root, run it as the postgres user.
  if (isRoot) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    for (const f of ["", "users.txt", "pgbouncer.ini"]) chownSync(join(dir, f), uid, gid);
  }
  const bin = process.env.WA_PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";
  bouncer = isRoot
    ? spawn("runuser", ["-u", "postgres", "--", bin, join(dir, "pgbouncer.ini")], { stdio: "inherit" })
    : spawn(bin, [join(dir, "pgbouncer.ini")], { stdio: "inherit" });
  await sleep(500);
  api = await startPostgrest({
    dbUri: `postgresql://authenticator@127.0.0.1:${port}/app`, jwtSecret: process.env.WA_JWT_SECRET!, port: await freePort(),
    poolSize: 20, env: { PGRST_DB_PREPARED_STATEMENTS: "false" },
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  bouncer?.kill("SIGTERM");
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

describe("soak: PostgREST through PgBouncer (transaction pooling)", () => {
  it("carries the maximum-size burst", async () => {
    const r = await maximumSizeBurst(api.url, "bouncer");
    console.log(`through PgBouncer: ${r.sends} sends + ${r.acks} ACKs in ${r.elapsedMs} ms; peak pg_locks ${r.peakLocks}`);
  });

  it("a migration's NOTIFY does not reload PostgREST there; the signal does", async () => {
    const key = await newKey("crm");
    // An RPC: PostgREST finds functions in its schema cache only (a view it would query anyway).
    const probe = () => fetch(api.url + "/rpc/zz_pgbouncer_probe", {
      method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: "{}",
    }).then((r) => r.status);
    await db.query(`create function api.zz_pgbouncer_probe(jsonb) returns jsonb language sql immutable return '{}'::jsonb;
                    grant execute on function api.zz_pgbouncer_probe(jsonb) to crm`);
    try {
      await db.query("notify pgrst, 'reload schema'");
      await sleep(1500);
      expect(await probe()).toBe(404); // PostgREST never heard it: its listener sits behind the pool
      api.child.kill("SIGUSR1"); // what npm run db:migrate sends (scripts/lib/postgrest.ts)
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) { await sleep(100); status = await probe(); }
      expect(status).toBe(200);
    } finally {
      await db.query("drop function api.zz_pgbouncer_probe(jsonb)");
      api.child.kill("SIGUSR1");
    }
  });
});
