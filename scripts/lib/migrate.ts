// Migrations: dbmate up, then every db/functions/*.sql (CREATE OR REPLACE) and db/views/*.sql in
// one transaction, then ask PostgREST to reload its schema cache and configuration.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./run.js";
import { repoRoot } from "./paths.js";
import { inTransaction, withClient } from "./db.js";
import { MIGRATIONS_TABLE } from "./migration-lock.js";
import { DowngradeRefused, checkNotOlder, checkoutState, recordFunctionSet, type Checkout } from "./downgrade.js";
import type { Target } from "./target.js";
import { resolveBinary } from "dbmate";

/**
 * dbmate's own binary for this platform, wherever npm put the package (a checkout, or beside the
 * installed backend package); looked up when needed, so that importing this module never fails.
 */
const dbmate = () => resolveBinary();

/**
 * dbmate (Go's lib/pq) insists on TLS unless told otherwise; node-postgres and libpq do not. A
 * local server without TLS gets sslmode=disable; anything else keeps what the URL says.
 */
export function dbmateUrl(url: string): string {
  const u = new URL(url);
  const host = u.searchParams.get("host") ?? u.hostname;
  const local = host.startsWith("/") || ["localhost", "127.0.0.1", "::1", "[::1]", ""].includes(host);
  if (local && !u.searchParams.has("sslmode")) u.searchParams.set("sslmode", "disable");
  return u.toString();
}

function dbmateArgs(url: string, migrationsDir = join(repoRoot, "db", "migrations")) {
  return [
    "--url",
    dbmateUrl(url),
    "--migrations-dir",
    migrationsDir,
    "--migrations-table",
    MIGRATIONS_TABLE,
    "--schema-file",
    join(repoRoot, "db", "schema.generated.sql"),
    "--wait",
    "--wait-timeout",
    "30s",
  ];
}

/** Resets plan_cache_mode on our routines where the database has the citus extension (else nothing). */
export const CITUS_PLANS = `
do $$
declare
  f regprocedure;
begin
  if exists (select from pg_extension where extname = 'citus') then
    for f in select p.oid::regprocedure from pg_proc p
             where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
               and 'plan_cache_mode=force_generic_plan' = any(p.proconfig) loop
      execute format('alter routine %s reset plan_cache_mode', f);
    end loop;
  end if;
end
$$`;

/** Generated documents the API serves, by name (internal.api_documents). */
export const DOCUMENTS = { openapi: "db/contracts/openapi.generated.json" };

/**
 * The views of db/views in the order they are created: internal's first (rules read per row, like
 * internal.unsendable_groups: views, so that Citus sees the tables they read), then api's, which
 * read them.
 */
export const viewOrder = (a: string, b: string) =>
  Number(!a.startsWith("internal.")) - Number(!b.startsWith("internal.")) || (a < b ? -1 : a > b ? 1 : 0);
/** Every view of ours, in an order they can be dropped in (api's first: they read internal's). */
export const VIEWS_TO_DROP = `select c.oid::regclass::text as name from pg_class c
  where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace) and c.relkind = 'v'
  order by c.relnamespace = 'internal'::regnamespace, c.relname`;

/**
 * `record`: what migrate passes, so that the set applied is recorded (and an older checkout refused
 * once more, under the history's lock, by the transaction that would replace the functions).
 */
export async function applyFunctions(url: string, record?: { checkout: Checkout; allowDowngrade: boolean }) {
  const dir = join(repoRoot, "db", "functions");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const viewDir = join(repoRoot, "db", "views");
  const views = readdirSync(viewDir)
    .filter((f) => f.endsWith(".sql"))
    .sort(viewOrder);
  // Functions to drop before the files run: those whose result type or parameter names a file
  // changed (found by trying; one transaction in the end, as always).
  const replaced: string[] = [];
  let dropped: string[] | undefined;
  while (!dropped)
    dropped = await inTransaction(url, async (client) => {
      if (record) await recordFunctionSet(client, record.checkout, record.allowDowngrade);
      // The views are the folder db/views, made again on every migrate like the functions: every
      // view in api and internal goes first (a migration may have changed what they read; api's
      // before internal's, which they read), and what the folder defines is created after the
      // functions.
      const { rows: old } = await client.query<{ name: string }>(VIEWS_TO_DROP);
      for (const { name } of old) await client.query(`drop view if exists ${name}`); // never cascade: nothing of a host is dropped
      // Bodies may refer to functions defined in later files.
      await client.query("set local check_function_bodies = off");
      for (const old of replaced) await client.query(`drop routine ${old}`);
      for (const f of files) {
        try {
          await client.query(readFileSync(join(dir, f), "utf8"));
        } catch (e) {
          // A function whose result type or parameter names changed cannot be replaced in place
          // (42P13; PostgreSQL's hint names it): the transaction is tried again, dropping it first.
          const { code, hint } = e as { code?: string; hint?: string };
          const old = code === "42P13" ? /^Use DROP (?:FUNCTION|PROCEDURE) (.+) first\.$/.exec(hint ?? "")?.[1] : undefined;
          throw Object.assign(new Error(`db/functions/${f}: ${(e as Error).message}`), { replace: old });
        }
      }
      // The folder is the whole truth: a function or procedure (or trigger of ours) that it no longer defines,
      // an old overload or a renamed one, is dropped in the same transaction. What this transaction
      // (re)created carries its xid as xmin; anything older in our schemas is gone from the folder.
      // Except what a migration owns: the checked values' rules and what the domains' CHECKs call
      // (internal.value_rules, internal.conforms), found through the catalog's dependencies.
      const { rows } = await client.query<{ ddl: string }>(`
      with recursive migration_owned(oid) as (
        select d.refobjid from pg_depend d
        join pg_constraint c on d.classid = 'pg_constraint'::regclass and c.oid = d.objid and c.contypid <> 0
        where d.refclassid = 'pg_proc'::regclass
        union
        select d.refobjid from pg_depend d join migration_owned m
          on d.classid = 'pg_proc'::regclass and d.objid = m.oid and d.refclassid = 'pg_proc'::regclass
      )
      select format('drop trigger %I on %s', t.tgname, t.tgrelid::regclass) as ddl
      from pg_trigger t join pg_proc p on p.oid = t.tgfoid
      where not t.tgisinternal and p.pronamespace = 'internal'::regnamespace
        and t.xmin <> pg_current_xact_id()::xid
      union all
      select format('drop routine %s', p.oid::regprocedure)
      from pg_proc p
      where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
        and p.xmin <> pg_current_xact_id()::xid
        and p.oid not in (select oid from migration_owned)`);
      for (const { ddl } of rows) await client.query(ddl);
      // On Citus, no function of ours forces generic plans: Citus cannot route a generic plan whose
      // session is a parameter ("could not create distributed plan", docs/citus.md item 9); it
      // plans each statement on the coordinator, where one server keeps its cached generic plans.
      await client.query(CITUS_PLANS);
      for (const f of views) {
        try {
          await client.query(readFileSync(join(viewDir, f), "utf8"));
        } catch (e) {
          throw new Error(`db/views/${f}: ${(e as Error).message}`);
        }
      }
      // The documents the API serves (generated files), loaded as data in the same transaction.
      // (loaded_at from the excluded row, whose default is now(): Citus refuses a non-immutable
      // function in DO UPDATE SET on its tables, and this one is a reference table there.)
      for (const [name, file] of Object.entries(DOCUMENTS)) {
        const path = join(repoRoot, file);
        if (!existsSync(path)) continue; // before the first `npm run regen`
        await client.query(
          `insert into internal.api_documents (name, body) values ($1, $2::json)
        on conflict (name) do update set body = excluded.body, loaded_at = excluded.loaded_at
        where api_documents.body::text is distinct from excluded.body::text`,
          [name, readFileSync(path, "utf8")],
        );
      }
      return rows.map((r) => r.ddl);
    }).catch((e: Error & { replace?: string }) => {
      if (!e.replace || replaced.includes(e.replace)) throw e;
      replaced.push(e.replace);
      return undefined;
    });
  if (dropped.length) console.error(`db/functions: ${dropped.join("; ")}`);
  await withClient(url, (c) => c.query("notify pgrst, 'reload schema'; notify pgrst, 'reload config'"));
}

/**
 * Before dbmate runs: its table's schema exists, and a deployment migrated when the table was
 * still public.schema_migrations (dbmate's default) has it moved, history intact.
 */
async function prepareMigrationsTable(url: string) {
  // A database that does not exist yet is created first (as dbmate up would).
  await withClient(url, async () => {}).catch((e: { code?: string }) => {
    if (e.code !== "3D000") throw e;
    run(dbmate(), [...dbmateArgs(url), "create"]);
  });
  await withClient(url, async (c) => {
    await c.query("create schema if not exists wa_data");
    // Dynamic SQL: the table may not exist, and a static reference would not even plan.
    await c.query(`do $$
    declare ours boolean := false;
    begin
      if to_regclass('public.schema_migrations') is not null and to_regclass('${MIGRATIONS_TABLE}') is null then
        execute 'select exists (select from public.schema_migrations where version = ''20261125000100'')' into ours;
        if ours then
          alter table public.schema_migrations set schema wa_data;
        end if;
      end if;
    end $$`);
  });
}

/**
 * The migrations alone (dbmate up), from `migrationsDir` (default db/migrations): for tests that
 * stop the history at a version, put data in the shape it had, and apply the rest.
 */
export async function applyMigrations(url: string, migrationsDir?: string) {
  await prepareMigrationsTable(url);
  return run(dbmate(), [...dbmateArgs(url, migrationsDir), "--no-dump-schema", "up"]);
}

/**
 * Migrates: dbmate up, then db/functions. Refuses (DowngradeRefused, before anything changes) a
 * checkout older than the database unless `allowDowngrade` (scripts/lib/downgrade.ts).
 */
export async function migrate(url: string, opts: { quiet?: boolean; allowDowngrade?: boolean } = {}) {
  const checkout = checkoutState();
  const allowDowngrade = opts.allowDowngrade ?? false;
  await checkNotOlder(url, checkout, allowDowngrade);
  const out = await applyMigrations(url);
  if (!opts.quiet) process.stdout.write(out);
  await applyFunctions(url, { checkout, allowDowngrade });
}

/**
 * For the two commands that migrate (npm run db:migrate, npm start; `--allow-downgrade` on their
 * command line): a refusal is its one line on stderr, then exit code 1 with nothing started.
 */
export async function migrateOrExit(target: Target, opts: { quiet?: boolean } = {}) {
  try {
    await migrate(target.adminUrl, { ...opts, allowDowngrade: process.argv.includes("--allow-downgrade") });
  } catch (e) {
    if (!(e instanceof DowngradeRefused)) throw e;
    console.error(e.message);
    await target.teardown();
    process.exit(1);
  }
}

/**
 * What pg_dump writes that depends on the machine, not on the schema: the server and pg_dump
 * versions, and psql's \\restrict guard (its key is per dump since 15.14). Dropped so that the
 * committed dump is the same whichever PostgreSQL 15 minor generated it.
 */
const MACHINE_SPECIFIC = /^(-- Dumped (from database|by pg_dump) version .*|\\(un)?restrict .*)$/;

export function normalizeDump(text: string): string {
  return text
    .split("\n")
    .filter((l) => !MACHINE_SPECIFIC.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n");
}

/** Our schemas: the only ones the committed dump holds, whatever else the database has (a host's). */
export const OUR_SCHEMAS = ["api", "internal", "wa_data"];

/**
 * Writes the schema dump of the migrated database to `file`: pg_dump of our schemas only (in a
 * host project the database holds the host's objects too), and the migrations applied, as dbmate
 * writes them; machine-independent.
 */
export async function dumpSchema(url: string, file = join(repoRoot, "db", "schema.generated.sql")) {
  const ddl = run("pg_dump", [
    "--schema-only",
    "--no-privileges",
    "--no-owner",
    "--encoding=UTF8",
    ...OUR_SCHEMAS.map((s) => `--schema=${s}`),
    "--dbname",
    url,
  ]);
  const versions = await withClient(url, async (c) =>
    (await c.query<{ version: string }>(`select version from ${MIGRATIONS_TABLE} order by version`)).rows.map((r) => r.version),
  );
  const applied =
    `\n--\n-- Dbmate schema migrations\n--\n\nINSERT INTO ${MIGRATIONS_TABLE} (version) VALUES\n` +
    versions.map((v) => `    ('${v}')`).join(",\n") +
    ";\n";
  const header = "-- Generated by `npm run regen` or `npm run db:migrate` (pg_dump of api, internal, wa_data): do not edit.\n";
  writeFileSync(file, header + normalizeDump(ddl + applied));
}
