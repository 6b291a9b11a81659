// Generated files are committed; regenerating them from this run's database must change nothing.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATORS } from "../scripts/lib/generators.js";
import { dumpSchema, normalizeDump } from "../scripts/lib/migrate.js";
import { repoRoot } from "../scripts/lib/paths.js";
import { dbUrl } from "./support/env.js";

const committed = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const hint = "out of date: run npm run regen";

describe("generated files are up to date", () => {
  it("db/schema.generated.sql (pg_dump of our schemas)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "wa-schema-")), "schema.generated.sql");
    await dumpSchema(dbUrl, file);
    expect(readFileSync(file, "utf8"), hint).toBe(committed("db/schema.generated.sql"));
  });

  it("db/schema.generated.sql holds nothing of the machine that dumped it (server version, restrict key)", () => {
    // What another machine's pg_dump adds (built in pieces, so no committed file reads like a dump's header).
    const dumped = (what: string) => ["--", "Dumped", what, "version 15.99"].join(" ");
    const other = committed("db/schema.generated.sql").replace(
      "\nSET statement_timeout",
      `\n\\restrict 9fQe1x\n${dumped("from database")}\n${dumped("by pg_dump")}\n\nSET statement_timeout`,
    );
    expect(normalizeDump(other)).toBe(normalizeDump(committed("db/schema.generated.sql")));
    expect(committed("db/schema.generated.sql")).not.toMatch(/Dumped (from|by)|^\\(un)?restrict|PostgreSQL 1\d\.\d/m);
  });

  for (const g of GENERATORS) {
    it(g.file, async () => {
      expect(await g.generate(dbUrl), hint).toBe(committed(g.file));
    });
  }
});
