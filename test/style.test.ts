// One format and one set of lint rules: Biome's check (`npm run lint`, biome.json) passes on the
// whole tree (TypeScript, JSON), and every SQL file the SQL formatter owns (.prettierrc.json,
// .prettierignore) is as it writes it; `npm run format` fixes both (docs/design.md, "Formatting").
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { loadModule } from "libpg-query";
import { expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/paths.js";
import { checkFiles, checkText, comments, meaning, sqlFiles } from "../scripts/lib/sql-format.js";

it("the tree is formatted and lint-clean (biome ci)", () => {
  const r = spawnSync(join(repoRoot, "node_modules", ".bin", "biome"), ["ci", "--colors=off", "."], { cwd: repoRoot, encoding: "utf8" });
  expect(r.status, `${r.stdout}${r.stderr}`.slice(0, 4000)).toBe(0);
});

it("every SQL file the formatter owns is formatted (npm run format)", async () => {
  const files = await sqlFiles();
  expect(files).toContain("db/functions/api.create_campaign.sql");
  expect(files).toContain("db/tests/helpers/tests_schema.sql");
  expect(files.filter((f) => f.startsWith("db/migrations/") || f.includes(".generated."))).toEqual([]);
  const outcomes = await checkFiles(files);
  const wrong = outcomes.filter((o) => !o.formatted).map((o) => `${o.file}: ${o.error ?? "not formatted (npm run format)"}`);
  expect(wrong).toEqual([]);
});

// The guard `npm run format` writes through: where the plugin's output would not mean the same to
// PostgreSQL (its JSON embedding is BigQuery's: ''' quotes, a json value's spacing), or would join
// comments, the file is left as it is and named.
it("the formatter writes only what PostgreSQL reads as before, with every comment", async () => {
  const check = (sql: string) => checkText("db/functions/x.sql", sql);
  expect(await check("select a,b from t where x=1 -- one\n;\n")).toEqual({
    file: "db/functions/x.sql",
    formatted: false,
    text: "select a, b from t where x = 1; -- one\n",
  });
  expect((await check(`select json '{"x":   1}';\n`)).error).toMatch(/would change what PostgreSQL reads/);
  const longJson = `select jsonb '{${Array.from({ length: 8 }, (_, i) => `"key_number_${i}": "it''s ${i}"`).join(", ")}}' as j;\n`;
  expect((await check(longJson)).error).toMatch(/PostgreSQL cannot parse .* formatted form/);
  const joined = "select case when x ~ ('a' -- one\n || 'b' -- two\n) then 1 end -- three\nfrom t;\n";
  expect((await check(joined)).error).toMatch(/would drop, join or reorder comments/);
  expect((await check("create function f() returns int language sql as $$ select 1+2*3 $$;\n")).error).toBeUndefined();
  await loadModule();
  const body = (sql: string) => `create function f() returns int language sql as $$ ${sql} $$;\n`;
  expect(meaning(body("select 1 + 2 * 3"))).toBe(meaning(body("select 1+2*3")));
  expect(meaning(body("select 1 + 2 * 3"))).not.toBe(meaning(body("select (1 + 2) * 3")));
  const plpgsql = (sql: string) => `create function f() returns int language plpgsql as $$ ${sql} $$;\n`;
  expect(meaning(plpgsql("begin return 1; end"))).not.toBe(meaning(plpgsql("begin return  1; end")));
  const lexed = String.raw`select '-- no', $q$ --  yes
$q$, E'\' -- no', "x -- no" /* a /* b */ c */;`;
  expect(comments(lexed)).toEqual(["-- yes", "/* a /* b */ c */"]);
});
