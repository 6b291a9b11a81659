// Ops: never backwards. Only `npm run db:migrate` and `npm start` migrate, and they refuse, in one
// line, a checkout older than the database (migrations it does not know, or functions newer than
// its own) unless told --allow-downgrade; the key CLI never changes the schema. Tried with real
// checkouts built from git (test/support/checkouts.ts) against databases of their own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeDump } from "../../scripts/lib/migrate.js";
import { freePort, run } from "../../scripts/lib/run.js";
import { db, dbUrl } from "../support/env.js";
import { buildCheckouts, runScript, type Checkouts } from "../support/checkouts.js";

let checkouts: Checkouts;
const databases: string[] = [];

beforeAll(() => {
  checkouts = buildCheckouts();
});
afterAll(async () => {
  for (const d of databases) await db.query(`drop database if exists ${d} with (force)`);
  await db.end();
  checkouts?.remove();
});

/** A new, empty database on the test server. */
async function newDatabase(): Promise<string> {
  const name = `wa_backwards_${databases.length}_${process.pid}`;
  await db.query(`create database ${name}`);
  databases.push(name);
  const u = new URL(dbUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Everything migrate could change: the schema of our schemas, the migrations and function sets recorded. */
function snapshot(url: string): string {
  return (
    normalizeDump(run("pg_dump", ["--schema-only", "--schema=api", "--schema=internal", "--schema=wa_data", "--dbname", url])) +
    run("psql", [
      "-XAtq",
      "--dbname",
      url,
      "-c",
      "select version from wa_data.schema_migrations order by 1",
      "-c",
      "select to_regclass('wa_data.function_sets') is not null",
    ])
  );
}

const migrateWith = (checkout: string, url: string, ...args: string[]) =>
  runScript(checkout, "db-migrate.ts", ["--no-dump", ...args], { DATABASE_URL: url });
const keyCli = (checkout: string, url: string, ...args: string[]) => runScript(checkout, "api-key.ts", args, { DATABASE_URL: url });
/** Without git: what a checkout copied without its history (a container image) knows. */
const NO_GIT = { GIT_DIR: "/nonexistent", GIT_CEILING_DIRECTORIES: "/" };

const REFUSAL = /^Refusing to migrate: .*--allow-downgrade.*$/;

describe("never backwards", () => {
  it("the key CLI never migrates: on an empty database it says so in one line and creates nothing", async () => {
    const url = await newDatabase();
    const r = keyCli(checkouts.older, url, "create", "--role", "gateway", "--label", "vps-1");
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/^The database is not migrated[^\n]*npm run db:migrate[^\n]*$/);
    expect(
      run("psql", [
        "-XAtq",
        "--dbname",
        url,
        "-c",
        "select count(*) from pg_namespace where nspname in ('api', 'internal', 'wa_data')",
      ]).trim(),
    ).toBe("0");
  });

  // One database for the two below (in this order): a fresh migration is the expensive part.
  let url: string;
  it("functions newer than the checkout's are refused too (no unknown migration); --allow-downgrade goes back on purpose", async () => {
    url = await newDatabase();
    expect(migrateWith(checkouts.newerFunctions, url).code).toBe(0);
    const before = snapshot(url);

    // Never applied here, but git knows the database's commit descends from this checkout's.
    const byHistory = migrateWith(checkouts.older, url);
    expect(byHistory.code).toBe(1);
    expect(byHistory.err).toMatch(REFUSAL);
    expect(byHistory.err).toMatch(/runs functions from commit [0-9a-f]{12}, newer than this checkout's [0-9a-f]{12}\./);
    expect(snapshot(url)).toBe(before);

    const back = migrateWith(checkouts.older, url, "--allow-downgrade");
    expect(back.code, back.err).toBe(0);
    expect(snapshot(url)).not.toContain("added_later");
    // Going forward again after a downgrade is an upgrade.
    expect(migrateWith(checkouts.newerFunctions, url).code).toBe(0);
    expect(snapshot(url)).toBe(before);

    // Without git (a copy of the checkout): the database remembers that this function set was replaced.
    const copy = runScript(checkouts.older, "db-migrate.ts", ["--no-dump"], { DATABASE_URL: url, ...NO_GIT });
    expect(copy.code).toBe(1);
    expect(copy.err).toMatch(REFUSAL);
    expect(copy.err).toMatch(
      /runs functions newer than this checkout's: its set [0-9a-f]{12} was replaced on \S+ by [0-9a-f]{12} \(commit/,
    );
    expect(snapshot(url)).toBe(before);
  });

  it("an older checkout's CLI against a newer database (a migration it does not have) changes nothing", async () => {
    const up = migrateWith(checkouts.newer, url);
    expect(up.code, up.err).toBe(0);
    const before = snapshot(url);
    expect(before).toContain("added_later");

    const refused = migrateWith(checkouts.older, url);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(REFUSAL);
    expect(refused.err).toContain("has 1 migration(s) this checkout does not have (29991231000000)");
    expect(snapshot(url)).toBe(before);

    // npm start migrates too: refused the same way, before anything is started.
    const start = runScript(checkouts.older, "start.ts", [], {
      DATABASE_URL: url,
      PGRST_DB_URI: url,
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
    });
    expect(start.code).toBe(1);
    expect(start.err).toMatch(REFUSAL);
    expect(start.out).not.toContain("API:");

    // The key commands work against it, and change no schema.
    const created = keyCli(checkouts.older, url, "create", "--role", "gateway", "--label", "vps-1");
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/^wak_[A-Za-z0-9_-]{43}$/);
    expect(run("psql", ["-XAtq", "--dbname", url, "-c", "select role from internal.api_keys where label = 'vps-1'"]).trim()).toBe(
      "gateway",
    );
    expect(snapshot(url)).toBe(before);
  });
});
