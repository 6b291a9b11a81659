// A guest in a Supabase project: our migrations run as Supabase's non-superuser postgres in a
// cluster built with Supabase's role graph (test/host/supabase-host.sql, from supabase/postgres's
// init scripts and migrations) whose host app already serves anon through a PostgREST configured
// the way the platform configures it. Afterwards every privilege and role setting outside our
// schemas is what it was, the host's API answers exactly as before, ours works with the platform's
// anon JWT plus our x-api-key, no platform role can read or write our tables, and the answers that
// depend on the role graph are the ones that graph gives — through the platform's PostgREST
// (connected as authenticator) and through ours connected as postgres, as `DATABASE_URL=… npm test`
// runs it on a host project.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../scripts/lib/api-keys.js";
import { withClient } from "../../scripts/lib/db.js";
import { migrate } from "../../scripts/lib/migrate.js";
import type { Cluster } from "../../scripts/lib/postgres.js";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { randomSecret } from "../../scripts/lib/secrets.js";
import { API_ROLES } from "../../scripts/lib/api-keys.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { expectedForJwtRole, jwtRoleReach } from "../support/role-graph.js";
import { HOST_SNAPSHOT as SNAPSHOT, startSupabaseLike, type SupabaseLike } from "../support/supabase-like.js";

const binDir = process.env.WA_PG_BINDIR;
const OURS = ["api", "internal", "wa_data"];

let host: SupabaseLike;
let cluster: Cluster;
let jwtSecret: string;
const jwt = (role: string) =>
  new SignJWT({ role }).setProtectedHeader({ alg: "HS256" }).setExpirationTime("1h").sign(new TextEncoder().encode(jwtSecret));
const admin = (sql: string, params: unknown[] = []) => withClient(cluster.url("app"), async (c) => (await c.query(sql, params)).rows);

/** PostgREST as the platform runs it: its own settings, anon role, JWT secret; no file of ours. */
async function platformPostgrest(schemas: string, preRequest = ""): Promise<RunningPostgrest> {
  return startPostgrest({
    dbUri: cluster.urlAs("authenticator", "app"),
    jwtSecret,
    port: await freePort(),
    bare: true,
    env: { PGRST_DB_SCHEMAS: schemas, PGRST_DB_ANON_ROLE: "anon", PGRST_DB_PRE_REQUEST: preRequest, PGRST_DB_MAX_ROWS: "1000" },
  });
}

/** What the host's own API answers, request by request. */
async function hostAnswers(api: RunningPostgrest) {
  const out: string[] = [];
  for (const role of ["anon", "authenticated", "service_role"]) {
    const auth = { authorization: `Bearer ${await jwt(role)}` };
    for (const [method, path, body] of [
      ["GET", "/notes?order=id", undefined],
      ["POST", "/rpc/hello", '{"name":"host"}'],
      ["GET", "/notification_campaigns", undefined],
      ["POST", "/notes", '{"body":"x"}'],
    ] as const) {
      const r = await fetch(api.url + path, { method, headers: { ...auth, "content-type": "application/json" }, body });
      out.push(`${role} ${method} ${path} → ${r.status} ${await r.text()}`);
      await admin("delete from public.notes where body = 'x'"); // service_role may write: undo it
    }
  }
  return out;
}

let before: { snapshot: unknown[]; answers: string[] };
let after: { snapshot: unknown[]; answers: string[] };
let api: RunningPostgrest | undefined;
/** Our PostgREST (deploy/postgrest.conf) connected as postgres: what the test harness runs on a host project. */
let asPostgres: RunningPostgrest | undefined;
let migratorIsSuperuser: boolean | undefined;

beforeAll(async () => {
  if (!binDir) return;
  host = await startSupabaseLike(binDir);
  cluster = host.cluster;
  jwtSecret = randomSecret();

  const hostApi = await platformPostgrest("public,graphql_public");
  try {
    before = { snapshot: await admin(SNAPSHOT, [OURS, API_ROLES]), answers: await hostAnswers(hostApi) };
  } finally {
    await hostApi.stop(); // also when the snapshot fails: no PostgREST outlives the test
  }

  // As a Supabase user would: the project's connection string (postgres, not a superuser), twice.
  migratorIsSuperuser = await withClient(
    cluster.urlAs("postgres", "app"),
    async (c) => (await c.query("select rolsuper from pg_roles where rolname = current_user")).rows[0].rolsuper,
  );
  await migrate(cluster.urlAs("postgres", "app"), { quiet: true });
  await migrate(cluster.urlAs("postgres", "app"), { quiet: true });
  // Ours, connected as postgres: what `DATABASE_URL=<host> npm test` runs (scripts/lib/target.ts).
  asPostgres = await startPostgrest({ dbUri: cluster.urlAs("postgres", "app"), jwtSecret, port: await freePort() });

  // The user exposes api (dashboard) and sets the pre-request hook (docs/deployment.md).
  api = await platformPostgrest("public,graphql_public,api", "internal.pre_request");
  after = { snapshot: await admin(SNAPSHOT, [OURS, API_ROLES]), answers: await hostAnswers(api) };
});

afterAll(async () => {
  if (!binDir) return;
  await api?.stop();
  await asPostgres?.stop();
  await host.stop();
});

describe.skipIf(!binDir)("installed into a Supabase-shaped project", () => {
  it("changes no privilege, default privilege, role setting or membership outside its own", () => {
    expect(after.snapshot).toEqual(before.snapshot);
    expect(before.snapshot.length).toBeGreaterThan(40);
    const kinds = new Map<string, number>();
    for (const r of before.snapshot as { what: string }[]) kinds.set(r.what.split(" ")[0]!, (kinds.get(r.what.split(" ")[0]!) ?? 0) + 1);
    console.log(
      `privilege snapshot outside our schemas: ${before.snapshot.length} entries (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}), identical after migrating twice as postgres`,
    );
  });

  it("the host's API answers exactly as before, for anon, authenticated and service_role", () => {
    expect(after.answers).toEqual(before.answers);
    expect(before.answers[0]).toMatch(/^anon GET \/notes\?order=id → 200 \[\{"id":1,"body":"hello"/);
  });

  it("our API works with the platform's anon JWT, our x-api-key and Content-Profile: api", async () => {
    const key = (await createApiKey(cluster.urlAs("postgres", "app"), "gateway", "supabase-vps")).key;
    const anon = await jwt("anon");
    const sessionId = uniqueSession("supa");
    const r = await fetch(api!.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { authorization: `Bearer ${anon}`, "x-api-key": key, "content-profile": "api", "content-type": "application/json" },
      body: JSON.stringify({ sessionId, groups: [baileysGroup(groupJid())] }),
    });
    expect([r.status, ((await r.json()) as { inserted: number }).inserted]).toEqual([200, 1]);
    // Dispatch too: the gateway claims with its key; the platform's anon JWT alone claims nothing.
    const claim = (headers: Record<string, string>) =>
      fetch(api!.url + "/rpc/claim_sends", {
        method: "POST",
        headers: { authorization: `Bearer ${anon}`, "content-profile": "api", "content-type": "application/json", ...headers },
        body: JSON.stringify({ sessionId }),
      }).then(async (res) => [res.status, (await res.json()) as Record<string, unknown>] as const);
    const [status, body] = await claim({ "x-api-key": key });
    expect([status, body.sends, body.held]).toEqual([200, [], null]);
    const [anonStatus, anonBody] = await claim({});
    expect([anonStatus, anonBody.code]).toEqual([401, "missing_credentials"]);
    const noKey = await fetch(api!.url + "/campaigns", { headers: { authorization: `Bearer ${anon}`, "accept-profile": "api" } });
    expect([noKey.status, ((await noKey.json()) as { code: string }).code]).toEqual([401, "missing_credentials"]);
  });

  it("no platform role can read or write our tables or views, or run our routines (dispatch's too), every table has RLS, and nothing of ours is in public", async () => {
    const rows = await admin(`
      select r.rolname, c.relname, p.priv
      from pg_class c cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
      cross join (values ('select'), ('insert'), ('update'), ('delete'), ('truncate')) p(priv)
      where c.relnamespace = 'wa_data'::regnamespace and c.relkind in ('r', 'v', 'S')
        and has_table_privilege(r.rolname, c.oid, p.priv)`);
    expect(rows).toEqual([]);
    for (const role of ["anon", "authenticated", "service_role"]) {
      const [{ usage }] = await admin(`select has_schema_privilege($1, 'wa_data', 'usage') as usage`, [role]);
      expect([role, usage]).toEqual([role, false]);
    }
    // Nor any relation of api or internal (the API's views, internal's rules, keys), nor any routine
    // of ours but those every role may run by design (the pre-request hook and its helpers, the
    // OpenAPI document: pgTAP 01) — dispatch's (issue 35) by name, so a rename cannot empty the check.
    const granted = await admin(`
      select r.rolname, c.oid::regclass::text as what from pg_class c
      cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
      where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace) and c.relkind in ('r', 'v', 'm', 'S', 'p')
        and has_table_privilege(r.rolname, c.oid, 'select, insert, update, delete, truncate')
      union all
      select r.rolname, p.oid::regprocedure::text from pg_proc p
      cross join (values ('anon'), ('authenticated'), ('service_role')) r(rolname)
      where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
        and has_function_privilege(r.rolname, p.oid, 'execute') and not has_function_privilege('public', p.oid, 'execute')`);
    expect(granted).toEqual([]);
    const dispatch = await admin(
      `select p.oid::regprocedure::text as routine, has_function_privilege('public', p.oid, 'execute') as public,
              array(select r from unnest(array['gateway', 'crm', 'ops', 'anon', 'authenticated', 'service_role']) r
                    where has_function_privilege(r, p.oid, 'execute')) as roles
       from pg_proc p where p.oid = any($1::regprocedure[]) order by 1`,
      [
        [
          "api.claim_sends(jsonb)",
          "api.configure_session(jsonb)",
          "api.schedule_campaign(jsonb)",
          "api.pause_campaign(jsonb)",
          "api.resume_campaign(jsonb)",
          "api.resume_session(jsonb)",
          "api.record_message_sent(jsonb)",
        ],
      ],
    );
    expect(dispatch).toEqual([
      { routine: "api.claim_sends(jsonb)", public: false, roles: ["gateway"] },
      { routine: "api.configure_session(jsonb)", public: false, roles: ["crm"] },
      { routine: "api.pause_campaign(jsonb)", public: false, roles: ["crm"] },
      { routine: "api.record_message_sent(jsonb)", public: false, roles: ["gateway", "crm"] },
      { routine: "api.resume_campaign(jsonb)", public: false, roles: ["crm"] },
      { routine: "api.resume_session(jsonb)", public: false, roles: ["crm"] },
      { routine: "api.schedule_campaign(jsonb)", public: false, roles: ["crm"] },
    ]);
    // Every table of ours has row level security, dispatch's session_dispatch among them (as created
    // by postgres here, not a superuser: Supabase's advisor lints 0007/0013; pgTAP 07 runs the rest).
    const noRls = await admin(`
      select c.oid::regclass::text as t from pg_class c
      where c.relnamespace in ('wa_data'::regnamespace, 'internal'::regnamespace) and c.relkind in ('r', 'p') and not c.relrowsecurity`);
    expect(noRls).toEqual([]);
    const [{ dispatchRls }] = await admin(
      `select relrowsecurity as "dispatchRls" from pg_class where oid = 'wa_data.session_dispatch'::regclass`,
    );
    expect(dispatchRls).toBe(true);
    const inPublic = await admin(`select relname from pg_class where relnamespace = 'public'::regnamespace order by 1`);
    expect(inPublic.map((r) => r.relname)).toEqual([
      "notes",
      "notes_id_seq",
      "notes_pkey",
      "notification_campaigns",
      "notification_campaigns_pkey",
    ]);
    const [{ title }] = await admin(`select title from public.notification_campaigns`);
    expect(title).toBe("the host's own");
  });

  it("the role graph is Supabase's: postgres is no superuser, and reaches authenticator through supabase_storage_admin", async () => {
    expect(migratorIsSuperuser).toBe(false);
    const [{ migrations }] = await admin(`select count(*)::int as migrations from wa_data.schema_migrations`);
    expect(migrations).toBeGreaterThan(10);
    const viaPostgres = await withClient(cluster.url("app"), (c) => jwtRoleReach(c, "postgres", "authenticator"));
    expect([viaPostgres.canBecome, viaPostgres.path]).toEqual([true, ["postgres", "supabase_storage_admin", "authenticator"]]);
    // ... without inheriting what authenticator may do (supabase_storage_admin is NOINHERIT).
    const [{ usage }] = await admin(`select pg_has_role('postgres', 'authenticator', 'USAGE') as usage`);
    expect(usage).toBe(false);
    const [{ storageAdmin }] = await admin(`select pg_has_role('authenticator', 'supabase_storage_admin', 'MEMBER') as "storageAdmin"`);
    expect(storageAdmin).toBe(false);
  });

  // The auth matrix's rows whose answer depends on the role graph, through both PostgRESTs: a JWT
  // for a platform role reaches our hook only where PostgREST's user can become that role, and
  // the hook refuses it there (none has a grant on api); where it cannot, PostgreSQL refuses.
  const GRAPH_ROWS: { via: "authenticator" | "postgres"; role: string; expected: [number, string] }[] = [
    { via: "authenticator", role: "authenticator", expected: [403, "forbidden"] },
    { via: "authenticator", role: "service_role", expected: [403, "forbidden"] },
    { via: "authenticator", role: "supabase_storage_admin", expected: [403, "42501"] },
    { via: "authenticator", role: "postgres", expected: [403, "42501"] },
    { via: "postgres", role: "authenticator", expected: [403, "forbidden"] },
    { via: "postgres", role: "service_role", expected: [403, "forbidden"] },
    { via: "postgres", role: "supabase_storage_admin", expected: [403, "forbidden"] },
    { via: "postgres", role: "supabase_read_only_user", expected: [403, "42501"] },
  ];
  for (const row of GRAPH_ROWS) {
    it(`JWT for ${row.role} through PostgREST connected as ${row.via} → ${row.expected.join(" ")}`, async () => {
      const reach = await withClient(cluster.url("app"), (c) => jwtRoleReach(c, row.via, row.role));
      const server = row.via === "authenticator" ? api! : asPostgres!;
      const auth = { authorization: `Bearer ${await jwt(row.role)}` };
      for (const e of [
        { name: "sync_groups", path: "/rpc/sync_groups", method: "POST" },
        { name: "campaigns", path: "/campaigns", method: "GET" },
      ]) {
        // The graph's prediction (what test/http/auth-matrix.test.ts expects) and this row agree.
        expect(expectedForJwtRole(reach, e, [200, null])).toEqual(row.expected);
        const r = await fetch(server.url + e.path, {
          method: e.method,
          headers: { ...auth, "content-type": "application/json", "content-profile": "api", "accept-profile": "api" },
          body: e.method === "POST" ? JSON.stringify({ sessionId: "graph_rows", groups: [], allowEmpty: true }) : undefined,
        });
        expect([e.path, r.status, ((await r.json()) as { code: string }).code]).toEqual([e.path, ...row.expected]);
      }
    });
  }

  it("API keys work through both: the platform's PostgREST (as authenticator) and ours as postgres", async () => {
    const { key } = await createApiKey(cluster.urlAs("postgres", "app"), "crm", "supabase-crm");
    const anon = await jwt("anon");
    for (const server of [api!, asPostgres!]) {
      const r = await fetch(server.url + "/campaigns?limit=1", {
        headers: { authorization: `Bearer ${anon}`, "x-api-key": key, "accept-profile": "api" },
      });
      expect([server === api ? "platform" : "ours", r.status]).toEqual([server === api ? "platform" : "ours", 200]);
      const refused = await fetch(server.url + "/rpc/sync_groups", {
        method: "POST",
        headers: { authorization: `Bearer ${anon}`, "x-api-key": key, "content-profile": "api", "content-type": "application/json" },
        body: "{}",
      });
      expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, "forbidden"]);
    }
  });
});
