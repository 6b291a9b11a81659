// db/contracts is the one contract: its examples are valid and its counter-examples invalid by
// the schema, and the database agrees over HTTP: valid → 2xx with a body matching the response
// schema, invalid → 4xx with a documented error code.
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { loadEndpoints } from "../../scripts/lib/endpoints.js";
import { db, newKey } from "../support/env.js";
import { post } from "../support/http.js";

const contracts = loadContracts();
const ajv = new Ajv({ strict: false, allErrors: true });
const validator = (name: string) => ajv.compile(contracts[name]!);
const errorBody = validator("error");

// Every RPC that takes a body, with the first role that may call it (db/contracts/endpoints.json).
// Their examples build on each other: groups are synced, a campaign made over them and sent,
// before the other examples (a WAHA group.v2.leave deactivates one of those groups) run.
const FIRST = ["sync_groups", "record_message_error", "create_campaign", "record_message_sent"];
const rpcs = loadEndpoints()
  .filter((e) => e.kind === "rpc" && e.method === "POST")
  .map((e) => ({ fn: e.name, role: e.roles[0]! }))
  .sort((a, b) => (FIRST.indexOf(a.fn) + 1 || 99) - (FIRST.indexOf(b.fn) + 1 || 99));

const keys: Record<string, Record<string, string>> = {};
beforeAll(async () => {
  keys.gateway = { "x-api-key": await newKey("gateway") };
  keys.crm = { "x-api-key": await newKey("crm") };
  keys.ops = { "x-api-key": await newKey("ops") };
});
afterAll(() => db.end());

describe("contracts", () => {
  for (const { fn } of rpcs) {
    it(`${fn}: examples and counter-examples agree with the schema`, () => {
      const req = contracts[`${fn}.request`]!;
      const validate = validator(`${fn}.request`);
      for (const ex of req.examples) expect(validate(ex), JSON.stringify(validate.errors)).toBe(true);
      for (const bad of req["x-invalid-examples"]) expect(validate(bad), JSON.stringify(bad)).toBe(false);
    });
  }

  it("the database accepts every example and refuses every counter-example", async () => {
    let campaignId = 0;
    for (const { fn, role } of rpcs) {
      const req = contracts[`${fn}.request`]!;
      const validResponse = validator(`${fn}.response`);
      for (const ex of req.examples) {
        const body = fn === "record_message_sent" ? { ...ex, campaignId } : ex;
        const r = await post(`/rpc/${fn}`, body, keys[role]);
        expect(r.status, `${fn} ${JSON.stringify(body)} → ${r.text}`).toBe(200);
        expect(validResponse(r.json), JSON.stringify(validResponse.errors)).toBe(true);
        if (fn === "create_campaign") campaignId = r.json.campaignId; // the last one targets every group the sends name
      }
      for (const bad of req["x-invalid-examples"]) {
        const r = await post(`/rpc/${fn}`, bad, keys[role]);
        expect(r.status, `${fn} ${JSON.stringify(bad)} → ${r.text}`).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(errorBody(r.json), `${fn} ${JSON.stringify(bad)} → ${r.text}`).toBe(true);
      }
    }
  });
});
