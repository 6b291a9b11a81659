// Supabase migrations (issue 38, point 3): `wa-campaigns export --supabase <dir>` from the packed
// backend writes this release as one Supabase CLI migration. Applied as `postgres` (not a
// superuser) on a Supabase-shaped project (test/support/supabase-like.ts), in one transaction as
// `supabase db push` applies a file (supabase/cli pkg/migration/file.go, ExecBatch: "implicitly
// transactional"), it gives the same schema, privileges and records as `npx wa-campaigns migrate`
// on another such project (pg_dump of our schemas), and leaves the host's privileges, settings and
// roles as they were. A later release's export is the upgrade from the newest release in the folder
// (only the migrations that one lacked), and ends where that later release's full install does.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROLES } from "../../scripts/lib/api-keys.js";
import { withClient } from "../../scripts/lib/db.js";
import { normalizeDump } from "../../scripts/lib/migrate.js";
import { releaseVersion, repoRoot } from "../../scripts/lib/paths.js";
import { run } from "../../scripts/lib/run.js";
import { exportSupabase } from "../../scripts/lib/supabase-export.js";
import { installProject, pack, type Project } from "../support/packages.js";
import { HOST_SNAPSHOT, startSupabaseLike, type SupabaseLike } from "../support/supabase-like.js";

const binDir = process.env.WA_PG_BINDIR;
const OURS = ["api", "internal", "wa_data"];
const scratch = mkdtempSync(join(tmpdir(), "wa-supabase-export-"));
const migrationsDir = join(scratch, "supabase", "migrations");
const version = releaseVersion();

let viaMigrate: SupabaseLike;
let viaExport: SupabaseLike;
let project: Project;
let hostBefore: unknown[];
let hostAfter: unknown[];
let exported: string;

/** Everything of ours a schema can differ in: DDL with privileges, and what migrate records. */
function ours(url: string): string {
  const ddl = normalizeDump(run("pg_dump", ["--schema-only", "--no-owner", ...OURS.map((s) => `--schema=${s}`), "--dbname", url]));
  const records = run("psql", [
    "-XAtq",
    "--dbname",
    url,
    "-c",
    "select string_agg(version, ' ' order by version) from wa_data.schema_migrations",
    "-c",
    // The release in place (an upgraded database has its earlier release's row before it).
    "select concat_ws(' ', fingerprint, migration, version, downgrade) from wa_data.function_sets order by id desc limit 1",
    "-c",
    "select string_agg(name || ' ' || md5(body::text), E'\\n' order by name) from internal.api_documents",
  ]);
  return ddl + records;
}

const hostSnapshot = (s: SupabaseLike, db = "app") =>
  withClient(s.cluster.url(db), async (c) => (await c.query(HOST_SNAPSHOT, [OURS, API_ROLES])).rows);
/** As `supabase db push` would: the file's statements, one transaction, as postgres. */
const push = (s: SupabaseLike, file: string, db = "app") =>
  withClient(s.cluster.urlAs("postgres", db), (c) => c.query(readFileSync(file, "utf8")));

beforeAll(async () => {
  if (!binDir) return;
  project = installProject([pack("packages/backend", scratch)]);
  [viaMigrate, viaExport] = await Promise.all([startSupabaseLike(binDir), startSupabaseLike(binDir)]);
  // A second copy of the fresh host project, for the later release's full install.
  await withClient(viaExport.cluster.url("postgres"), (c) => c.query("create database app_later template app"));
  await withClient(viaExport.cluster.url("postgres"), (c) => c.query("grant create on database app_later to postgres"));
  hostBefore = await hostSnapshot(viaExport);

  const m = project.cli(["migrate"], { DATABASE_URL: viaMigrate.cluster.urlAs("postgres", "app") });
  if (m.code !== 0) throw new Error(`migrate failed: ${m.err}`);
  const e = project.cli(["export", "--supabase", migrationsDir]);
  if (e.code !== 0) throw new Error(`export failed: ${e.err}`);
  exported = join(migrationsDir, readdirSync(migrationsDir)[0]!);
  await push(viaExport, exported);
  hostAfter = await hostSnapshot(viaExport);
});

afterAll(async () => {
  await viaMigrate?.stop();
  await viaExport?.stop();
  project?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!binDir)("wa-campaigns export --supabase", () => {
  it("writes one timestamped migration for this release: the full install", () => {
    expect(readdirSync(migrationsDir)).toEqual([
      expect.stringMatching(new RegExp(`^\\d{14}_wa_campaigns_${version.replace(/\./g, "_")}\\.sql$`)),
    ]);
    const text = readFileSync(exported, "utf8");
    expect(text).toContain(`-- wa-campaigns-release: ${version}`);
    expect(text).toContain("-- The full install");
    // Every migration of the tree at pack time, none duplicated by hand.
    for (const f of readdirSync(join(repoRoot, "db", "migrations"))) expect(text).toContain(`-- db/migrations/${f}\n`);
  });

  it("applied as postgres, gives the schema `npx wa-campaigns migrate` gives (pg_dump of our schemas, privileges, records)", () => {
    expect(ours(viaExport.cluster.url("app"))).toBe(ours(viaMigrate.cluster.url("app")));
  });

  it("leaves the host's privileges, default privileges, settings, memberships and roles unchanged", () => {
    expect(hostAfter).toEqual(hostBefore);
  });

  it("refuses, in one line and changing nothing, a database that already has what it installs (migrated another way)", async () => {
    const before = ours(viaMigrate.cluster.url("app"));
    await expect(push(viaMigrate, exported)).rejects.toThrow(
      new RegExp(`^wa-campaigns ${version.replace(/\./g, "\\.")}: this database already has \\d+ of the migrations this file installs`),
    );
    expect(ours(viaMigrate.cluster.url("app"))).toBe(before);
  });

  it("exported again for the same release: nothing written", () => {
    const again = project.cli(["export", "--supabase", migrationsDir]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/already has release .*: nothing written$/);
    expect(readdirSync(migrationsDir)).toHaveLength(1);
  });

  it("a later release's export is the upgrade from this one, and ends where its full install does; an older one is refused", async () => {
    // A later release: this tree plus a migration and a function (as a later version would add).
    const later = join(scratch, "later");
    const laterMigration = "29991231000000_added_later.sql";
    mkdirSync(later);
    cpSync(join(repoRoot, "db"), join(later, "db"), { recursive: true });
    writeFileSync(join(later, "package.json"), JSON.stringify({ version: "99.0.0" }));
    writeFileSync(
      join(later, "db", "migrations", laterMigration),
      "-- migrate:up\ncreate table wa_data.added_later (id integer primary key);\nalter table wa_data.added_later enable row level security;\n\n-- migrate:down\ndrop table wa_data.added_later;\n",
    );
    writeFileSync(
      join(later, "db", "functions", "internal.added_later.sql"),
      "create or replace function internal.added_later() returns integer language sql immutable set search_path = pg_catalog, pg_temp return 2;\nrevoke all on function internal.added_later() from public;\n",
    );
    const upgrade = exportSupabase(migrationsDir, new Date(), later);
    const text = readFileSync(upgrade.written!, "utf8");
    expect(upgrade.message).toContain(`upgrade from ${version} to 99.0.0`);
    expect(text.match(/^-- db\/migrations\//gm)).toHaveLength(1);
    expect(text).toContain(`-- db/migrations/${laterMigration}`);
    const names = readdirSync(migrationsDir).sort();
    expect(names).toHaveLength(2);
    expect(names[1]).toBe(upgrade.written!.split("/").at(-1));

    const full = join(scratch, "full-later");
    const install = exportSupabase(full, new Date(), later);
    await push(viaExport, upgrade.written!);
    await push(viaExport, install.written!, "app_later");
    expect(ours(viaExport.cluster.url("app"))).toBe(ours(viaExport.cluster.url("app_later")));
    expect(await hostSnapshot(viaExport)).toEqual(hostBefore);

    // This package after the later release: never backwards.
    const older = project.cli(["export", "--supabase", migrationsDir]);
    expect([older.code, older.out]).toEqual([1, ""]);
    expect(older.err).toMatch(/has release 99\.0\.0 .*newer than this package's/);
  });
});
