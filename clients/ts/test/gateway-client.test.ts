// The gateway client against the real PostgREST: both RPCs, and a typed error on each error path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient, type GatewayClient } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { rejection } from "../../../test/support/http.js";
import { baileysGroup, groupJid, uniqueSession } from "../../../test/support/fixtures.js";

let gateway: GatewayClient;
let crmKey: string;
beforeAll(async () => {
  gateway = createGatewayClient({ url: apiUrl, apiKey: await newKey("gateway") });
  crmKey = await newKey("crm");
});
afterAll(() => db.end());

describe("createGatewayClient", () => {
  it("syncGroups sends the payload itself and returns the typed result", async () => {
    const sessionId = uniqueSession();
    const r = await gateway.syncGroups({ sessionId, groups: [baileysGroup(groupJid()), baileysGroup(groupJid(), { isCommunity: true })] });
    expect(r).toMatchObject({ sessionId, inserted: 1, skippedParents: 1, total: 2 });
  });

  it("recordMessageError takes one event, an array, or a batch", async () => {
    const one = await gateway.recordMessageError({ sessionId: "wa_client", messageId: `${uniqueSession()}_a`, errorCode: 420 });
    expect(one.results).toEqual([expect.objectContaining({ outcome: "pending_match" })]);
    const arr = await gateway.recordMessageError([
      { sessionId: "wa_client", messageId: `${uniqueSession()}_b` },
      { sessionId: "wa_client", messageId: `${uniqueSession()}_c`, errorCode: "463" },
    ]);
    expect(arr.counts).toEqual({ applied: 0, duplicate: 0, pending_match: 2, quarantined: 0 });
    const batch = await gateway.recordMessageError({
      events: [{ sessionId: "wa_client", messageId: `${uniqueSession()}_d`, errorMessage: "x" }],
    });
    expect(batch.results).toHaveLength(1);
  });

  it("a quarantined ACK throws BackendError 422 with the per-event results", async () => {
    const e = await rejection(
      gateway.recordMessageError({
        events: [
          { sessionId: "wa_client", messageId: "ok_1" },
          { sessionId: "wa_client", messageId: "" },
        ],
      }),
    );
    expect(e).toMatchObject({ code: "invalid_message_id", status: 422, retryable: false });
    expect((e.body as { results: unknown[] }).results).toHaveLength(2);
  });

  it("validation errors carry code, status and structured details", async () => {
    const e = await rejection(gateway.syncGroups({ sessionId: "s", groups: [{ id: "nope@g.us" }] }));
    expect(e).toMatchObject({ code: "invalid_group_jid", status: 422, details: { index: 0, field: "id" } });
  });

  it("a body that is not an object is 400 invalid_body", async () => {
    const e = await rejection(gateway.syncGroups("oops" as never));
    expect(e).toMatchObject({ code: "invalid_body", status: 400 });
  });

  it("a wrong key is 401 invalid_api_key", async () => {
    const bad = createGatewayClient({ url: apiUrl, apiKey: "wak_not_a_key" });
    expect(await rejection(bad.syncGroups({ sessionId: "s", groups: [] }))).toMatchObject({ code: "invalid_api_key", status: 401 });
  });

  it("a CRM key is 403 forbidden", async () => {
    const wrongRole = createGatewayClient({ url: apiUrl, apiKey: crmKey });
    expect(await rejection(wrongRole.recordMessageError({ messageId: "x" }))).toMatchObject({ code: "forbidden", status: 403 });
  });

  it("no answer at all is network_error with status 0, and retryable", async () => {
    const down = createGatewayClient({ url: "http://127.0.0.1:9", apiKey: "k" });
    const e = await rejection(down.syncGroups({ sessionId: "s", groups: [] }));
    expect(e).toMatchObject({ code: "network_error", status: 0, retryable: true });
  });
});
