// A call cancelled by its role's statement_timeout answers like every other refusal: 503
// statement_timeout, a human message, Retry-After, nothing changed; the TypeScript client retries
// it. A real timeout through a real PostgREST: a role of this test's own (a member of gateway, a
// statement_timeout of 250 ms) signed into a JWT, and a PostgREST started for it (PostgREST reads
// role settings when it starts), waiting on the advisory lock a sync of that session takes while
// the test holds it. No slow path in any shipped function.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, withRetry } from "../../clients/ts/src/index.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { db, jwtSecret } from "../support/env.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { internalNames } from "../support/http.js";
import { startFrontDoor, type FrontDoor } from "../support/nginx.js";

const pgrstDbUri = process.env.WA_PGRST_DB_URI;
const role = `wa_test_timeout_${randomUUID().slice(0, 8)}`;
let api: RunningPostgrest | undefined;
let door: FrontDoor | undefined;
let jwt: string;

beforeAll(async () => {
  if (!pgrstDbUri) return;
  await db.query(`create role ${role} nologin in role gateway`);
  await db.query(`grant ${role} to authenticator`);
  await db.query(`alter role ${role} set statement_timeout = '250ms'`);
  jwt = await new SignJWT({ role }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("10m").sign(new TextEncoder().encode(jwtSecret));
  api = await startPostgrest({ dbUri: pgrstDbUri, jwtSecret, port: await freePort(), poolSize: 4 });
  door = await startFrontDoor(api.url);
});
afterAll(async () => {
  await door?.stop();
  await api?.stop();
  if (pgrstDbUri) await db.query(`drop role if exists ${role}`);
  await db.end();
});

/** Holds the lock a sync of `session` takes first, until the returned function is called. */
async function holdSyncLock(session: string): Promise<() => Promise<void>> {
  const c: pg.PoolClient = await db.connect();
  await c.query("begin");
  await c.query("select pg_advisory_xact_lock(hashtextextended('sync_groups:' || $1, 0))", [session]);
  return async () => {
    await c.query("commit");
    c.release();
  };
}

const sync = (session: string, groups: unknown[], base = api!.url) =>
  fetch(`${base}/rpc/sync_groups`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ sessionId: session, groups }),
  });

describe.skipIf(!pgrstDbUri)("a statement past its role's statement_timeout", () => {
  it("answers 503 statement_timeout with Retry-After and a message, names nothing internal, and changes nothing", async () => {
    const session = uniqueSession("tmo");
    const groups = [baileysGroup(groupJid(), { subject: "Antes" }, 3)];
    // The role can sync when nothing holds it up.
    expect((await sync(session, groups)).status).toBe(200);

    const release = await holdSyncLock(session);
    let res: Response;
    try {
      res = await sync(session, [baileysGroup(groupJid(), { subject: "Depois" }, 4)]);
    } finally {
      await release();
    }
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ code: "statement_timeout" });
    expect(body.message).toMatch(/time/i);
    expect(await internalNames(text)).toEqual([]);
    // Refused whole: the session still has its one group, named as before.
    const { rows } = await db.query("select name from whatsapp_groups where session_id = $1", [session]);
    expect(rows).toEqual([{ name: "Antes" }]);
  });

  it("through the front door too: 503 statement_timeout (not the front door's service_unavailable), with Retry-After", async () => {
    const session = uniqueSession("tmodoor");
    const release = await holdSyncLock(session);
    let res: Response;
    try {
      res = await sync(session, [baileysGroup(groupJid(), { subject: "Porta" }, 2)], door!.url);
    } finally {
      await release();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("statement_timeout");
    expect(body.message).toMatch(/time/i);
  });

  it("the TypeScript client retries it (a 503) and the retry goes through once the lock is gone", async () => {
    const session = uniqueSession("tmoretry");
    const release = await holdSyncLock(session);
    const answers: number[] = [];
    const gateway = createGatewayClient({
      url: api!.url,
      apiKey: "",
      jwt,
      // Watches the answers; the first one releases the lock, so the retry can succeed.
      fetch: async (input, init) => {
        const r = await fetch(input, init);
        answers.push(r.status);
        if (answers.length === 1) await release();
        return r;
      },
    });
    const r = await withRetry(() => gateway.syncGroups({ sessionId: session, groups: [baileysGroup(groupJid(), { subject: "X" }, 2)] }), {
      baseDelayMs: 10,
    });
    expect(answers).toEqual([503, 200]);
    expect(r).toMatchObject({ inserted: 1 });
  });
});
