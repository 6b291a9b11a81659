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
  // Enum rules (statuses): their values, and near misses.
  fc.constantFrom("draft", "sending", "partial_failure", "cancelled", "pending", "sent", "failed", "Draft", "sent ", "partial-failure"),
  fc
    .tuple(
      fc.stringMatching(/^[0-9]{3,34}$/),
      fc.constantFrom("", "-1600000000", "-", "-123456789012345678901"),
      fc.constantFrom("@g.us", "@g.usx", "@s.whatsapp.net", "@gxus", ""),
    )
    .map(([a, b, c]) => a + b + c),
  ...[199, 200, 201, 299, 300, 301, 999, 1000, 1001, 3999, 4000, 4001].map((n) =>
    fc.constantFrom("x".repeat(n), " ".repeat(n), "é".repeat(n)),
  ),
);

describe("checked values: the database and the contracts agree", () => {
  it.each(stringRules)("%s: internal.conforms() accepts exactly what the JSON Schema accepts", async (name, def) => {
    const validate = new Ajv({ strict: false }).compile(def);
    const samples = fc.sample(candidate, { seed, numRuns: 400 });
    const { rows } = await db.query<{ ok: boolean }>(
      "select coalesce(internal.conforms(x, $2), false) as ok from unnest($1::text[]) with ordinality u(x, i) order by i",
      [samples, name],
    );
    const disagreements = samples.filter((s, i) => rows[i]!.ok !== validate(s));
    expect(
      disagreements.map((s) => JSON.stringify(s).slice(0, 40)),
      `seed ${seed}`,
    ).toEqual([]);
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

// A value the rules accept must also convert (issue: an errorCode with a Unicode space passed the
// check and failed the cast, refusing a whole batch with 400 22P02). Each conversion the API does
// is one function; what its rule accepts, it converts.
describe("checked values: what the rules accept converts", () => {
  const spaces = ["", " ", "\t", "\n", "\r", "\u2003", "\u00a0", "\u3000", "\ufeff", "\v", "\f"];
  const digits = fc.oneof(fc.stringMatching(/^[0-9]{1,11}$/), fc.constantFrom("٤٦٣", "４６３", "4٦3", "+463", "-1", "0x1F", "1e3", "46 3"));
  const codeStrings = fc.tuple(fc.constantFrom(...spaces), digits, fc.constantFrom(...spaces)).map(([a, b, c]) => a + b + c);
  const codeNumbers = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, 420, 463.0, 999999999, 1e9, 4.63e2, -0),
  );

  it("GatewayErrorCode: every string or number internal.is_error_code accepts, internal.error_code converts", async () => {
    const samples = [...fc.sample(codeStrings, { seed, numRuns: 300 }), ...fc.sample(codeNumbers, { seed, numRuns: 200 })].map((v) =>
      JSON.stringify(v),
    );
    const c = await db.connect();
    try {
      const failures: string[] = [];
      let accepted = 0;
      for (const s of samples) {
        const {
          rows: [{ ok }],
        } = await c.query("select internal.is_error_code($1::jsonb) as ok", [s]);
        if (!ok) continue;
        accepted++;
        await c.query("select internal.error_code($1::jsonb)", [s]).catch((e: Error) => failures.push(`${s}: ${e.message}`));
      }
      expect(failures, `seed ${seed}`).toEqual([]);
      expect(accepted).toBeGreaterThan(50);
    } finally {
      c.release();
    }
  });
});
