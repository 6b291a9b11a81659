// One registry of error codes: the contract's ErrorCode union (db/contracts/error.schema.json),
// which the database holds as internal.error_codes() (generated) and enforces — raise_api_error
// refuses a code outside it — and docs/errors.md explains, with its statuses.
import { describe, expect, it } from "vitest";
import { loadContracts } from "../scripts/lib/contracts.js";
import { errorTable } from "../scripts/lib/openapi.js";
import { db } from "./support/env.js";

const enumCodes: string[] = loadContracts().error!.definitions.ErrorCode.enum;

describe("error codes", () => {
  it("the database's registry is the contract's union", async () => {
    const { rows } = await db.query<{ codes: string[] }>("select internal.error_codes() as codes");
    expect(rows[0]!.codes).toEqual(enumCodes);
  });

  it("a code outside the registry cannot be raised", async () => {
    await expect(db.query("select internal.raise_api_error(422, 'not_a_registered_code', 'x')")).rejects.toThrow(/not in the registry/);
    await expect(db.query("select internal.raise_api_error(422, 'invalid_body', 'x')")).rejects.toMatchObject({ code: "PGRST" });
  });

  it("every quarantine reason an error ACK can get is a registered code", async () => {
    const broken = [
      "[]",
      "1",
      '{"messageId": 1}',
      '{"messageId": " "}',
      '{"messageId": "A", "event": "other"}',
      '{"messageId": "A", "sessionId": ""}',
      '{"messageId": "A", "groupJid": 5}',
      '{"messageId": "A", "errorCode": "x"}',
      '{"messageId": "A", "errorCode": -1}',
      '{"messageId": "A", "errorMessage": 7}',
      `{"messageId": "${"x".repeat(301)}"}`,
    ];
    const { rows } = await db.query<{ code: string }>(
      "select (internal.parse_message_error(e::jsonb)).problem_code as code from unnest($1::text[]) e",
      [broken],
    );
    expect(
      rows.every((r) => r.code !== null),
      "each of these is a problem",
    ).toBe(true);
    expect(rows.map((r) => r.code).filter((c) => !enumCodes.includes(c))).toEqual([]);
  });

  it.each(enumCodes)("%s is documented in docs/errors.md with its status", (code) => {
    const rows = errorTable().filter((r) => r.code === code);
    expect(rows.length, `a row for ${code}`).toBeGreaterThan(0);
  });
});
