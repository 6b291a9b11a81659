// The Baileys helpers with a fake socket emitting realistic events; the backend behind is real.
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCrmClient,
  createGatewayClient,
  forwardBaileysErrors,
  syncBaileysGroups,
  toMessageErrorEvent,
  type BaileysMessageUpdate,
  type BaileysSocketLike,
} from "../src/index.js";
import { freePort } from "../../../scripts/lib/run.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { baileysGroup, groupJid, uniqueSession } from "../../../test/support/fixtures.js";

let gatewayKey: string;
let crmKey: string;
beforeAll(async () => {
  gatewayKey = await newKey("gateway");
  crmKey = await newKey("crm");
});
afterAll(() => db.end());

/** What makeWASocket() offers, as far as the helpers use it. */
function fakeSocket(groups: ReturnType<typeof baileysGroup>[]) {
  const ev = new EventEmitter();
  const sock: BaileysSocketLike & { emitUpdates(u: BaileysMessageUpdate[]): void } = {
    groupFetchAllParticipating: async () => Object.fromEntries(groups.map((g) => [g.id, g])),
    ev: {
      on: (e, l) => {
        ev.on(e, l);
      },
      off: (e, l) => {
        ev.off(e, l);
      },
    },
    emitUpdates: (u) => {
      ev.emit("messages.update", u);
    },
  };
  return sock;
}

const errorUpdate = (remoteJid: string, id: string, params: string[]): BaileysMessageUpdate => ({
  key: { remoteJid, id, fromMe: true },
  update: { status: 0, messageStubParameters: params },
});

describe("Baileys helpers", () => {
  it("toMessageErrorEvent reads code and message from messageStubParameters", () => {
    expect(toMessageErrorEvent(errorUpdate("1@g.us", "ID1", ["420", "not-acceptable"]), "s")).toEqual({
      event: "message_error",
      sessionId: "s",
      messageId: "ID1",
      groupJid: "1@g.us",
      errorCode: 420,
      errorMessage: "not-acceptable",
    });
    expect(toMessageErrorEvent({ key: { id: "X" }, update: { status: 3 } }, "s")).toBeUndefined();
  });

  it("syncBaileysGroups posts groupFetchAllParticipating() and skips parents", async () => {
    const sessionId = uniqueSession();
    const parent = groupJid();
    const sock = fakeSocket([
      baileysGroup(parent, { isCommunity: true, subject: "Acme" }),
      baileysGroup(groupJid(), { isCommunityAnnounce: true, linkedParent: parent, subject: "Acme" }),
      baileysGroup(groupJid()),
    ]);
    const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
    expect(await syncBaileysGroups(sock, gateway, sessionId)).toMatchObject({ inserted: 2, skippedParents: 1 });
  });

  it("forwardBaileysErrors batches ERROR updates and the campaign rows fail", async () => {
    const sessionId = uniqueSession();
    const jids = [groupJid(), groupJid(), groupJid()];
    const sock = fakeSocket(jids.map((j) => baileysGroup(j)));
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey, fetch: countingFetch });
    await syncBaileysGroups(sock, gateway, sessionId);
    calls = 0;

    const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
    const { campaignId } = await crm.createCampaign({ name: "b", message: "m", sessionId, groupJids: jids });
    await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: `${sessionId}_${i}` })) });

    const fwd = forwardBaileysErrors(sock, gateway, sessionId, { flushMs: 50 });
    sock.emitUpdates([
      errorUpdate(jids[0]!, `${sessionId}_0`, ["420"]),
      { key: { remoteJid: jids[1]!, id: `${sessionId}_1` }, update: { status: 3 } }, // delivered: ignored
    ]);
    sock.emitUpdates([errorUpdate(jids[2]!, `${sessionId}_2`, ["463", "not allowed"])]);
    await fwd.stop();
    expect(calls).toBe(1); // one burst, one request
    expect(fwd.pending).toBe(0);
    const failed = await crm.listFailedGroups(campaignId);
    expect(failed.map((g) => [g.group_jid, g.error_code, g.error_message]).sort()).toEqual(
      [
        [jids[0], 420, null],
        [jids[2], 463, "not allowed"],
      ].sort(),
    );
  });

  it("retries network failures with back-off and loses nothing", async () => {
    let attempts = 0;
    const flaky: typeof fetch = (input, init) => (++attempts <= 2 ? Promise.reject(new TypeError("fetch failed")) : fetch(input, init));
    const gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey, fetch: flaky });
    const sock = fakeSocket([]);
    const sessionId = uniqueSession();
    const fwd = forwardBaileysErrors(sock, gateway, sessionId, { flushMs: 10, baseDelayMs: 10 });
    sock.emitUpdates([errorUpdate(groupJid(), `${sessionId}_r`, ["420"])]);
    await fwd.stop();
    expect(attempts).toBe(3);
    const { rows } = await db.query("select count(*)::int as n from message_error_inbox where message_id = $1", [`${sessionId}_r`]);
    expect(rows[0].n).toBe(1);
  });

  it("never retries a 4xx, and reports it", async () => {
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const gateway = createGatewayClient({ url: apiUrl, apiKey: "wak_revoked_or_wrong", fetch: counting });
    const sock = fakeSocket([]);
    const errors: unknown[] = [];
    const fwd = forwardBaileysErrors(sock, gateway, uniqueSession(), { flushMs: 10, baseDelayMs: 10, onError: (e) => errors.push(e) });
    sock.emitUpdates([errorUpdate(groupJid(), "X1", ["420"])]);
    await fwd.stop();
    expect(attempts).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ code: "invalid_api_key", status: 401 })]);
  });

  it("the buffer is bounded: drop-newest keeps the first maxPending and counts the rest; a stop with no backend returns within its deadline", async () => {
    const nowhere = createGatewayClient({ url: `http://127.0.0.1:${await freePort()}`, apiKey: gatewayKey }); // nothing listens
    const sock = fakeSocket([]);
    const dropped: unknown[] = [];
    const fwd = forwardBaileysErrors(sock, nowhere, uniqueSession(), {
      flushMs: 5,
      baseDelayMs: 5,
      maxDelayMs: 50,
      retries: 0,
      maxPending: 4,
      overflow: "drop-newest",
      onDrop: (e) => dropped.push(...e),
    });
    sock.emitUpdates(Array.from({ length: 10 }, (_, i) => errorUpdate(groupJid(), `DROP${i}`, ["420"])));
    await new Promise((r) => setTimeout(r, 100));
    expect([fwd.pending, fwd.dropped]).toEqual([4, 6]);
    expect(dropped.map((e) => (e as { messageId: string }).messageId)).toEqual(["DROP4", "DROP5", "DROP6", "DROP7", "DROP8", "DROP9"]);
    const t0 = Date.now();
    expect(await fwd.stop({ timeoutMs: 200 })).toBe(4);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});
