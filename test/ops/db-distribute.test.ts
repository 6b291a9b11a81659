// Ops: npm run db:distribute where Citus is absent (every database npm test makes) refuses in one
// line and changes nothing. On a Citus coordinator it is exercised by npm run test:citus.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";

afterAll(() => db.end());

it("without the citus extension it refuses in one line, exit 1, and changes nothing", async () => {
  const before = (
    await db.query(
      "select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname in ('wa_data', 'internal')",
    )
  ).rows[0].n;
  const r = spawnSync(join(repoRoot, "node_modules", ".bin", "tsx"), [join(repoRoot, "scripts", "db-distribute.ts")], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: dbUrl },
  });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toEqual([
    expect.stringMatching(/^db:distribute: the database \S+ has no citus extension .*nothing changed$/),
  ]);
  const after = (
    await db.query(
      "select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname in ('wa_data', 'internal')",
    )
  ).rows[0].n;
  expect(after).toBe(before);
});
