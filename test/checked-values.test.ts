// One definition of each checked value (internal.value_rules(), docs/design.md "Checked values"):
// the database's check and the contract's JSON Schema must accept exactly the same strings, and
// the client's patterns are the contract's. Property-based, seeded (WA_TEST_SEED replays a run).
import { Ajv } from "ajv";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LIMITS, PATTERNS } from "../clients/ts/src/values.generated.js";
import { loadValues } from "../scripts/lib/contracts.js";
import { repoRoot } from "../scripts/lib/paths.js";
import { db } from "./support/env.js";

const seed = Number(process.env.WA_TEST_SEED ?? 20261125);
const { definitions, limits } = loadValues();
const stringRules = Object.entries(definitions).filter(([, d]) => d.type === "string");

/** Strings near each rule's edges: its lengths ± 1, blanks, JID-like shapes, unicode. */
const candidate = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom("", " ", "\t", "\n", "a", " a ", "é"),
  fc.tuple(fc.stringMatching(/^[0-9]{3,34}$/), fc.constantFrom("", "-1600000000", "-", "-123456789012345678901"),
    fc.constantFrom("@g.us", "@g.usx", "@s.whatsapp.net", "@gxus", "")).map(([a, b, c]) => a + b + c),
  ...[199, 200, 201, 299, 300, 301, 999, 1000, 1001, 3999, 4000, 4001].map((n) =>
    fc.constantFrom("x".repeat(n), " ".repeat(n), "é".repeat(n))),
);

describe("checked values: the database and the contracts agree", () => {
  it.each(stringRules)("%s: internal.conforms() accepts exactly what the JSON Schema accepts", async (name, def) => {
    const validate = new Ajv({ strict: false }).compile(def);
    const samples = fc.sample(candidate, { seed, numRuns: 400 });
    const { rows } = await db.query<{ ok: boolean }>(
      "select coalesce(internal.conforms(x, $2), false) as ok from unnest($1::text[]) with ordinality u(x, i) order by i",
      [samples, name]);
    const disagreements = samples.filter((s, i) => rows[i]!.ok !== validate(s));
    expect(disagreements.map((s) => JSON.stringify(s).slice(0, 40)), `seed ${seed}`).toEqual([]);
  });

  it("the client's patterns are the contract's", () => {
    for (const [name, re] of Object.entries(PATTERNS)) {
      const def = definitions[name]!;
      expect(re.source, name).toBe(def.pattern ?? def.oneOf.find((a: { pattern?: string }) => a.pattern).pattern);
    }
  });

  it("the client's limits are the database's, and PostgREST's db-max-rows is rowsPerRead", async () => {
    const { rows } = await db.query("select internal.limits() as limits");
    expect(LIMITS).toEqual(rows[0].limits);
    expect(limits).toEqual(rows[0].limits);
    const conf = readFileSync(join(repoRoot, "deploy", "postgrest.conf"), "utf8");
    expect(Number(/^db-max-rows\s*=\s*(\d+)/m.exec(conf)?.[1])).toBe(LIMITS.rowsPerRead);
  });
});
