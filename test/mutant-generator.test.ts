// The mutant generator (scripts/lib/mutant-generator.ts, npm run test:mutation -- --generate;
// docs/testing.md): every generated mutant can be planted (its find-text once in its file) and
// changes the file; ids are unique; a seed gives the same sample; every mark of
// db/tests/mutants-equivalent.json names a mutant still generated. No database: about a second.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateMutants, sample } from "../scripts/lib/mutant-generator.js";
import { plantMutant } from "../scripts/lib/mutants.js";
import { repoRoot } from "../scripts/lib/paths.js";

const marks = JSON.parse(readFileSync(join(repoRoot, "db", "tests", "mutants-equivalent.json"), "utf8")).marks as Record<string, string>;
const mutants = await generateMutants(repoRoot, marks);

describe("generated mutants", () => {
  it("cover every operator, each plantable once, each a change, with unique ids", () => {
    expect(new Set(mutants.map((m) => m.operator))).toEqual(
      new Set([
        "comparison",
        "and-or",
        "not-dropped",
        "predicate-dropped",
        "integer",
        "coalesce-swapped",
        "least-greatest",
        "limit",
        "statement-removed",
      ]),
    );
    const bad = mutants.filter((m) => {
      const text = readFileSync(join(repoRoot, m.file), "utf8");
      const planted = plantMutant(text, m.find, m.replace);
      return typeof planted === "number" || planted === text;
    });
    expect(bad.map((m) => m.id)).toEqual([]);
    expect(new Set(mutants.map((m) => m.id)).size).toBe(mutants.length);
  });

  it("never swap an UPDATE's SET assignment (it would not compile)", () => {
    const setSwap = /\bset\s+[\w.]+\s*<>/gi;
    const bad = mutants.filter((m) => {
      if (m.operator !== "comparison") return false;
      const text = readFileSync(join(repoRoot, m.file), "utf8");
      const planted = plantMutant(text, m.find, m.replace) as string;
      return (planted.match(setSwap) ?? []).length > (text.match(setSwap) ?? []).length;
    });
    expect(bad.map((m) => m.id)).toEqual([]);
  });

  it("give the same sample for the same seed, another for another", () => {
    const ids = (seed: number) => sample(mutants, 60, seed).map((m) => m.id);
    expect(ids(37)).toEqual(ids(37));
    expect(ids(37)).not.toEqual(ids(38));
  });

  it("carry every equivalent mark (a mark naming no generated mutant is stale)", () => {
    const marked = mutants.filter((m) => m.equivalent).map((m) => m.id);
    expect(marked.sort()).toEqual(Object.keys(marks).sort());
  });

  it("change a LIMIT clause's count, never a call of a function named limit (internal.limit('…'))", async () => {
    const root = mkdtempSync(join(tmpdir(), "wa-mutant-generator-"));
    try {
      mkdirSync(join(root, "db", "functions"), { recursive: true });
      mkdirSync(join(root, "db", "views"), { recursive: true });
      const sql = [
        "create or replace function internal.f(jsonb)",
        "returns bigint",
        "language plpgsql",
        "stable",
        "as $$",
        "begin",
        "  if jsonb_array_length($1) > internal.limit('sendBatchItems') then",
        "    return 0;",
        "  end if;",
        "  return (select count(*) from (select 1 from jsonb_array_elements($1) limit 3) as x)",
        "    + (select count(*) from jsonb_array_elements($1) as e where length(e::text) < internal.limit('rawEventBytes'));",
        "end",
        "$$;",
        "",
      ].join("\n");
      writeFileSync(join(root, "db", "functions", "internal.f.sql"), sql);
      const generated = await generateMutants(root);
      const changes = (operator: string) =>
        generated.filter((m) => m.operator === operator).map((m) => plantMutant(sql, m.find, m.replace) as string);
      expect(changes("limit")).toEqual([sql.replace("limit 3", "limit 4")]);
      // A WHERE predicate holding the call is dropped whole: the call's name ends no clause.
      expect(changes("predicate-dropped")).toEqual([sql.replace("where length(e::text) < internal.limit('rawEventBytes')", "where true")]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("never swap the = of a RAISE's USING option, a GET DIAGNOSTICS item or any UPDATE SET item, nor an exception handler's or (they would not compile)", async () => {
    const root = mkdtempSync(join(tmpdir(), "wa-mutant-generator-"));
    try {
      mkdirSync(join(root, "db", "functions"), { recursive: true });
      mkdirSync(join(root, "db", "views"), { recursive: true });
      const sql = [
        "create or replace function internal.g(x bigint)",
        "returns bigint",
        "language plpgsql",
        "volatile",
        "as $$",
        "declare",
        "  c bigint;",
        "begin",
        "  update t set a = 1, b = case when x = 2 then 1 else 2 end, d = 3 where id = x;",
        "  get diagnostics c = row_count;",
        "  raise sqlstate 'PGRST' using message = 'm', detail = 'd';",
        "  exit when x = 1 or x = 2;",
        "exception when lock_not_available or deadlock_detected then",
        "  null;",
        "end",
        "$$;",
        "",
      ].join("\n");
      writeFileSync(join(root, "db", "functions", "internal.g.sql"), sql);
      const swapped = (await generateMutants(root))
        .filter((m) => m.operator === "comparison")
        .map((m) => (plantMutant(sql, m.find, m.replace) as string).split("\n").find((l, i) => l !== sql.split("\n")[i]));
      expect(swapped.sort()).toEqual(
        [
          "  update t set a = 1, b = case when x <> 2 then 1 else 2 end, d = 3 where id = x;",
          "  update t set a = 1, b = case when x = 2 then 1 else 2 end, d = 3 where id <> x;",
          "  exit when x <> 1 or x = 2;",
          "  exit when x = 1 or x <> 2;",
        ].sort(),
      );
      // An exception handler's list of conditions is no boolean expression.
      const andOr = (await generateMutants(root))
        .filter((m) => m.operator === "and-or")
        .map((m) => (plantMutant(sql, m.find, m.replace) as string).split("\n").find((l, i) => l !== sql.split("\n")[i]));
      expect(andOr).toEqual(["  exit when x = 1 and x = 2;"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
