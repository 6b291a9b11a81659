// docs/deployment.md's Supabase section, walked through in its order: every block marked
// `<!-- tested: supabase-… -->` runs as written (the shell ones with sh from the repository's root,
// the client ones evaluated with our client), with the variables an operator sets, against a
// Supabase-shaped cluster (test/host/supabase-host.sql) that preloads pg_cron as the platform does.
// The dashboard's part is done by its equivalents: exposing `api` is the platform PostgREST's
// db-schemas, enabling pg_cron is what the dashboard runs (CREATE EXTENSION as supabase_admin,
// then the grants of Supabase's own event trigger).
import { SignJWT } from "jose";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrmClient, createGatewayClient, type CrmClient, type GatewayClient } from "../../clients/ts/src/index.js";
import { withClient } from "../../scripts/lib/db.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort, sleep } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { docBlock, runBlock } from "../support/doc-blocks.js";
import { groupJid, uniqueSession } from "../support/fixtures.js";
import { startSupabaseLike, type SupabaseLike } from "../support/supabase-like.js";

const binDir = process.env.WA_PG_BINDIR;
const DOC = "docs/deployment.md";
/** The blocks of the section, in the order this test runs them: the doc's order. */
const STEPS = [
  "supabase-migrate",
  "supabase-hook",
  "supabase-keys",
  "supabase-gateway-client",
  "supabase-crm-client",
  "supabase-retention",
  "supabase-openapi",
];

let host: SupabaseLike;
let platform: RunningPostgrest | undefined;
let jwtSecret: string;
let env: Record<string, string>;
const sessionId = uniqueSession("walk");

beforeAll(async () => {
  if (!binDir) return;
  // pg_cron preloaded, as on Supabase; its database is the project's.
  host = await startSupabaseLike(binDir, ["shared_preload_libraries = 'pg_cron'", "cron.database_name = 'app'"]);
  jwtSecret = randomSecret();
  env = {
    DATABASE_URL: host.cluster.urlAs("postgres", "app"),
    // Set, although the doc says to leave it unset: migrate must say so in one line and go on.
    AUTHENTICATOR_PASSWORD: "not-the-platform's",
    SESSIONS: sessionId,
  };
});

afterAll(async () => {
  if (!binDir) return;
  await platform?.stop();
  await host.stop();
});

const anonKey = () =>
  new SignJWT({ role: "anon" }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(jwtSecret));

/** A `ts` block of the doc: `const <name> = …;`, evaluated with the names it uses. */
function evalClientBlock<T>(block: string, scope: Record<string, unknown>): T {
  const code = docBlock(block, DOC, "ts");
  const m = code.match(/^const (\w+) = ([\s\S]+);$/);
  if (!m) throw new Error(`block ${block} is not one const declaration: ${code}`);
  return new Function(...Object.keys(scope), `return (${m[2]});`)(...Object.values(scope)) as T;
}

describe.skipIf(!binDir)("docs/deployment.md, Supabase: the steps in order", () => {
  it("the section's tested blocks are the ones this walk runs, in the doc's order", () => {
    const doc = readFileSync(join(repoRoot, DOC), "utf8");
    expect([...doc.matchAll(/<!-- tested: (supabase-[\w-]+) -->/g)].map((m) => m[1])).toEqual(STEPS);
  });

  let keys: { gateway: string; crm: string };
  let gateway: GatewayClient;
  let crm: CrmClient;

  it("1. migrate as postgres: AUTHENTICATOR_PASSWORD ignored in one line, nothing written into the checkout", () => {
    const dump = readFileSync(join(repoRoot, "db", "schema.generated.sql"), "utf8");
    const out = runBlock("supabase-migrate", env);
    expect(out).toMatch(/AUTHENTICATOR_PASSWORD ignored/);
    expect(readFileSync(join(repoRoot, "db", "schema.generated.sql"), "utf8")).toBe(dump);
  });

  it("2–3. api exposed, the hook set as the doc says: x-api-key works through the platform's PostgREST", async () => {
    // Step 2's dashboard setting is the platform PostgREST's db-schemas; its hook comes from the
    // database (pgrst.db_pre_request on authenticator), as on the platform.
    platform = await startPostgrest({
      dbUri: host.cluster.urlAs("authenticator", "app"),
      jwtSecret,
      port: await freePort(),
      bare: true,
      env: { PGRST_DB_SCHEMAS: "public,graphql_public,api", PGRST_DB_ANON_ROLE: "anon", PGRST_DB_MAX_ROWS: "1000" },
    });
    const anon = await anonKey();
    const noHook = await fetch(`${platform.url}/campaigns`, { headers: { authorization: `Bearer ${anon}`, "accept-profile": "api" } });
    expect(noHook.status).not.toBe(200); // anon alone has nothing of ours
    runBlock("supabase-hook", env);
    // The block's NOTIFY reloads PostgREST's configuration: the hook answers within moments.
    let code = "";
    for (let i = 0; i < 100 && code !== "missing_credentials"; i++) {
      const r = await fetch(`${platform.url}/campaigns`, { headers: { authorization: `Bearer ${anon}`, "accept-profile": "api" } });
      code = ((await r.json()) as { code?: string }).code ?? "";
      if (code !== "missing_credentials") await sleep(100);
    }
    expect(code).toBe("missing_credentials");
  });

  it("4. keys: each printed alone on stdout", () => {
    const lines = runBlock("supabase-keys", env).trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^wak_\S+$/);
    keys = { gateway: lines[0]!, crm: lines[1]! };
  });

  it("5–6. the gateway and the CRM, with the doc's client options: a campaign, a send, an error ACK, exact totals", async () => {
    const scope = {
      createGatewayClient,
      createCrmClient,
      dataApiUrl: platform!.url,
      anonKey: await anonKey(),
      gatewayKey: keys.gateway,
      crmKey: keys.crm,
    };
    gateway = evalClientBlock<GatewayClient>("supabase-gateway-client", scope);
    crm = evalClientBlock<CrmClient>("supabase-crm-client", scope);
    const jids = [groupJid(), groupJid()];
    expect((await gateway.syncGroups({ sessionId, groups: jids.map((id) => ({ id, subject: id })) })).inserted).toBe(2);
    const { campaignId } = await crm.createCampaign({ name: "walk", message: "m", sessionId, groupJids: jids });
    await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: `${sessionId}W${i}` })) });
    await gateway.recordMessageError({ event: "message_error", sessionId, messageId: `${sessionId}W0`, errorCode: 420 });
    const c = await crm.getCampaign(campaignId);
    expect([c.total_groups, c.sent_count, c.failed_count, c.status]).toEqual([2, 1, 1, "partial_failure"]);
    // The key is bound to the doc's sessions: another session is refused.
    await expect(gateway.syncGroups({ sessionId: uniqueSession("other"), groups: [], allowEmpty: true })).rejects.toMatchObject({
      code: "session_not_allowed",
    });
  });

  it("7. retention scheduled on request, as postgres, and its command runs", async () => {
    // Enabling pg_cron in the dashboard: CREATE EXTENSION as supabase_admin, whose event trigger
    // (supabase/postgres 7db7e1a9, migrations/db/migrations/20231020085357_revoke_writes_on_cron_job_from_postgres.sql,
    // extensions.grant_pg_cron_access) gives postgres the cron schema's functions and only SELECT on cron.job.
    await withClient(host.cluster.url("app"), (c) =>
      c.query(`
      create extension pg_cron;
      grant usage on schema cron to postgres with grant option;
      grant all on all functions in schema cron to postgres with grant option;
      grant all privileges on all tables in schema cron to postgres with grant option;
      revoke all on table cron.job from postgres;
      grant select on table cron.job to postgres with grant option;`),
    );
    const before = await withClient(env.DATABASE_URL!, async (c) => (await c.query("select count(*)::int as n from cron.job")).rows[0].n);
    expect(before).toBe(0); // migrate scheduled nothing
    expect(runBlock("supabase-retention", env)).toMatch(/runs "call internal.prune\(\)" at "17 3 \* \* \*"/);
    const job = await withClient(
      env.DATABASE_URL!,
      async (c) => (await c.query("select jobname, schedule, command, username from cron.job")).rows,
    );
    expect(job).toEqual([
      { jobname: "wa-campaigns-prune", schedule: "17 3 * * *", command: "call internal.prune()", username: "postgres" },
    ]);
    // What pg_cron will run, as the job's user.
    const ran = await withClient(env.DATABASE_URL!, async (c) => (await c.query(job[0].command)).rows[0].deleted);
    expect(ran).toHaveProperty("finished_campaigns");
  });

  it("8. our OpenAPI document through the Data API", async () => {
    const out = runBlock("supabase-openapi", { ...env, DATA_API_URL: platform!.url, ANON_KEY: await anonKey() });
    const doc = JSON.parse(out) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toContain("/rpc/sync_groups");
  });
});
