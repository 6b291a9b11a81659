// Generated files are committed; regenerating them from this run's database must change nothing.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTRACT_TYPES_FILE,
  ERROR_CODES_SQL_FILE,
  generateErrorCodesSql,
  VALUES_MODULE_FILE,
  VALUES_FILE,
  generateContractTypes,
  generateValuesModule,
  generateValues,
} from "../scripts/lib/contracts.js";
import { dumpSchema, normalizeDump } from "../scripts/lib/migrate.js";
import { repoRoot } from "../scripts/lib/paths.js";
import { DATABASE_TYPES_FILE, generateDatabaseTypes } from "../scripts/lib/typegen.js";
import { OPENAPI_FILE, generateOpenApi, openApiJson } from "../scripts/lib/openapi.js";
import { releaseVersion } from "../scripts/lib/paths.js";
import { dbUrl } from "./support/env.js";

const committed = (file: string) => readFileSync(join(repoRoot, file), "utf8");
const hint = "regenerate with: npm run db:migrate && npm run gen:types";

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

  it(DATABASE_TYPES_FILE, async () => {
    expect(await generateDatabaseTypes(dbUrl), hint).toBe(committed(DATABASE_TYPES_FILE));
  });

  it(OPENAPI_FILE, async () => {
    expect(openApiJson(await generateOpenApi(dbUrl, releaseVersion())), hint).toBe(committed(OPENAPI_FILE));
  });

  it(VALUES_FILE, async () => {
    expect(await generateValues(dbUrl), hint).toBe(committed(VALUES_FILE));
  });

  it(VALUES_MODULE_FILE, () => {
    expect(generateValuesModule(), hint).toBe(committed(VALUES_MODULE_FILE));
  });

  it(ERROR_CODES_SQL_FILE, () => {
    expect(generateErrorCodesSql(), hint).toBe(committed(ERROR_CODES_SQL_FILE));
  });

  it(CONTRACT_TYPES_FILE, async () => {
    expect(await generateContractTypes(), hint).toBe(committed(CONTRACT_TYPES_FILE));
  });
});
