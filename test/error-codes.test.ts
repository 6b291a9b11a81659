// Every error code the database can answer is in the contract's ErrorCode enum (and so in the
// client's typed union), and every code of the enum is explained in docs/errors.md.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadContracts } from "../scripts/lib/contracts.js";
import { repoRoot } from "../scripts/lib/paths.js";

const enumCodes: string[] = loadContracts().error!.definitions.ErrorCode.enum;
const sql = readdirSync(join(repoRoot, "db", "functions"))
  .map((f) => readFileSync(join(repoRoot, "db", "functions", f), "utf8")).join("\n");
const raised = new Set<string>([
  ...[...sql.matchAll(/raise_api_error\(\s*\d+,\s*'([a-z_]+)',/g)].map((m) => m[1]!),
  ...[...sql.matchAll(/'([a-z_]+):[a-zA-Z]/g)].map((m) => m[1]!),          // parse_message_error problems
  ...[...sql.matchAll(/body_code := '([a-z_]+)'/g)].map((m) => m[1]!),
  ...[...sql.matchAll(/'(invalid_group_field):/g)].map((m) => m[1]!),
  "duplicate_group_jid", "duplicate_message_id",                          // built as 'duplicate_' || …
]);
const doc = readFileSync(join(repoRoot, "docs", "errors.md"), "utf8");

describe("error codes", () => {
  it("finds the codes raised in db/functions", () => {
    expect(raised.size).toBeGreaterThan(20);
  });
  it.each([...raised].sort())("%s is in the ErrorCode enum", (code) => {
    expect(enumCodes).toContain(code);
  });
  it.each(enumCodes)("%s is documented in docs/errors.md", (code) => {
    expect(doc).toContain("`" + code + "`");
  });
});
