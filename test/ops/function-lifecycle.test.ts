// Ops: migrate leaves the database with exactly the functions and triggers db/functions defines.
// A function removed or renamed there, an old overload, a trigger of an old function: all dropped
// by the next migrate, in the same transaction that re-applies the folder. The same for api's views
// and db/views.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyFunctions } from "../../scripts/lib/migrate.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";

afterAll(() => db.end());

describe("db/functions lifecycle", () => {
  it("drops what the folder no longer defines, keeps what it does", async () => {
    await db.query(`create function internal.retired_helper() returns int language sql immutable return 1`);
    await db.query(`create function api.sync_groups(jsonb, integer) returns jsonb language sql return $1`);
    await db.query(`create function internal.tg_retired() returns trigger language plpgsql as 'begin return null; end'`);
    await db.query(`create trigger tg_whatsapp_sessions__retired after insert on whatsapp_sessions
                    for each statement execute function internal.tg_retired()`);
    await db.query("create view api.retired_view as select 1 as x");
    // A function whose result type the folder has since changed (CREATE OR REPLACE cannot: 42P13).
    await db.query("drop function internal.session_scope()");
    await db.query("create function internal.session_scope() returns text language sql return 'an older version'");
    await applyFunctions(dbUrl);
    const {
      rows: [scope],
    } = await db.query("select pg_get_function_result('internal.session_scope()'::regprocedure) as type");
    expect(scope.type).toBe("text[]");
    // Views too: db/views is the whole truth of api's and internal's views.
    const { rows: views } = await db.query(
      `select c.oid::regclass::text as name from pg_class c
       where c.relnamespace in ('api'::regnamespace, 'internal'::regnamespace) and c.relkind = 'v' order by 1`,
    );
    expect(views.map((v) => `${v.name}.sql`).sort()).toEqual(readdirSync(join(repoRoot, "db", "views")).sort());

    const { rows: fns } = await db.query(
      `select p.oid::regprocedure::text as sig from pg_proc p
       where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace) order by 1`,
    );
    const sigs = fns.map((r) => r.sig as string);
    expect(sigs).not.toContain("internal.retired_helper()");
    expect(sigs).not.toContain("api.sync_groups(jsonb,integer)");
    expect(sigs).not.toContain("internal.tg_retired()");
    const { rows: tgs } = await db.query(`select tgname from pg_trigger where tgname = 'tg_whatsapp_sessions__retired'`);
    expect(tgs).toEqual([]);

    // Every file's functions are there: one file defines one function (by its name).
    const files = readdirSync(join(repoRoot, "db", "functions")).filter((f) => f.endsWith(".sql"));
    const names = new Set(sigs.map((s) => s.replace(/\(.*$/, "")));
    for (const f of files) expect(names, f).toContain(f.replace(/(\.generated)?\.sql$/, ""));
  });
});
