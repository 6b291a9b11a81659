// A throwaway cluster shaped like a Supabase project's database (test/host/supabase-host.sql),
// with a host app in it (test/host/host-app.sql): what test/host/supabase-guest.test.ts installs
// into, and what `npx tsx test/support/supabase-like.ts` serves for running the whole suite
// against it (DATABASE_URL=<printed url> npm test).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withClient } from "../../scripts/lib/db.js";
import { findServerBinDir, localCluster, startCluster, stopCluster, type Cluster } from "../../scripts/lib/postgres.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { freePort } from "../../scripts/lib/run.js";

/** ($1: our schemas, $2: our roles) Every privilege, default privilege, role setting, membership and role attribute outside our schemas and roles. */
export const HOST_SNAPSHOT = `
  with ours as (select oid from pg_namespace where nspname = any($1)),
       our_roles as (select oid from pg_roles where rolname = any($2))
  select 'relation ' || c.oid::regclass::text as what, coalesce(c.relacl::text, '') as value
    from pg_class c where c.relnamespace not in (select oid from ours)
     and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
  union all select 'function ' || p.oid::regprocedure::text, coalesce(p.proacl::text, '')
    from pg_proc p where p.pronamespace not in (select oid from ours)
     and p.pronamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  union all select 'schema ' || nspname, coalesce(nspacl::text, '') || ' owner ' || pg_get_userbyid(nspowner)
    from pg_namespace where oid not in (select oid from ours)
  union all select 'default acl ' || pg_get_userbyid(defaclrole) || ' ' || coalesce(defaclnamespace::regnamespace::text, '*') || ' ' || defaclobjtype::text,
                   defaclacl::text from pg_default_acl where defaclnamespace not in (select oid from ours)
  union all select 'setting ' || coalesce(pg_get_userbyid(setrole), '*') || ' db ' || setdatabase, setconfig::text
    from pg_db_role_setting where setrole not in (select oid from our_roles)
  union all select 'member ' || pg_get_userbyid(roleid) || ' > ' || pg_get_userbyid(member), admin_option::text
    from pg_auth_members where roleid not in (select oid from our_roles)
  union all select 'role ' || rolname, concat_ws(',', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls, rolconnlimit)
    from pg_roles where oid not in (select oid from our_roles)
  union all select 'database ' || datname, coalesce(datacl::text, '') from pg_database
  order by 1, 2`;

export interface SupabaseLike {
  cluster: Cluster;
  stop(): Promise<void>;
}

/** `settings`: more server settings (say, pg_cron preloaded as on the platform). */
export async function startSupabaseLike(binDir: string, settings: string[] = []): Promise<SupabaseLike> {
  const dir = mkdtempSync(join(tmpdir(), "wa-supabase-"));
  const cluster = localCluster(join(dir, "pg"), join(dir, "run"), await freePort(), "supabase_admin");
  startCluster(binDir, cluster, { throwaway: true, settings });
  await withClient(cluster.url("postgres"), (c) => c.query("create database app"));
  const host = (f: string) => readFileSync(join(repoRoot, "test", "host", f), "utf8");
  await withClient(cluster.url("app"), (c) => c.query(host("supabase-host.sql")));
  await withClient(cluster.urlAs("postgres", "app"), (c) => c.query(host("host-app.sql")));
  // pgTAP, as the platform offers it: in extensions, in every new database (template1) too.
  for (const db of ["app", "template1"]) {
    await withClient(cluster.url(db), (c) =>
      c.query(`create schema if not exists extensions;
      grant usage on schema extensions to postgres with grant option;
      grant usage on schema extensions to anon, authenticated, service_role;
      create extension if not exists pgtap schema extensions`),
    );
  }
  return {
    cluster,
    stop: async () => {
      stopCluster(binDir, cluster, "immediate");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1]?.endsWith("supabase-like.ts")) {
  const binDir = process.env.PG_BINDIR ?? findServerBinDir();
  if (!binDir) throw new Error("PostgreSQL server binaries not found (npm run setup)");
  const s = await startSupabaseLike(binDir);
  console.log(`DATABASE_URL='${s.cluster.urlAs("postgres", "app")}'`);
  console.log("Ctrl-C stops it.");
  const stop = () => void s.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => {}, 1 << 30);
}
