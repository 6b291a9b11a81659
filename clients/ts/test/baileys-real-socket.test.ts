// The helpers on real Baileys sockets (6.7 and 7), never logged in: their websocket reaches a
// silent loopback server (the handshake never completes, so the socket stays up and idle). An error ack node is fed to the socket's own handler exactly as the
// WhatsApp server's would be (ws 'CB:ack,class:message'), with event buffering off and on; the
// backend behind is the real one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import makeWASocket6, { initAuthCreds as initAuthCreds6 } from "@whiskeysockets/baileys";
import makeWASocket7, { initAuthCreds as initAuthCreds7 } from "baileys-7";
import pino from "pino";
import { WebSocketServer } from "ws";
import { createCrmClient, createGatewayClient, forwardBaileysErrors, forwardBaileysProgress, type GatewayClient } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { seedSession } from "../../../test/support/fixtures.js";
import { until } from "../../../test/support/wait.js";

const versions = [
  { name: "Baileys 6.7", make: makeWASocket6, creds: initAuthCreds6 },
  { name: "Baileys 7", make: makeWASocket7, creds: initAuthCreds7 },
] as const;

let silentServer: WebSocketServer;
/** Both versions' sockets, typed as 6.7's (the union of the two has no callable ev.on). */
function realSocket(v: (typeof versions)[number]): ReturnType<typeof makeWASocket6> {
  const keys = { get: async () => ({}), set: async () => {} };
  const { port } = silentServer.address() as { port: number };
  // No traffic leaves this machine.
  return (v.make as typeof makeWASocket6)({
    auth: { creds: v.creds(), keys } as never,
    logger: pino({ level: "silent" }) as never,
    waWebSocketUrl: `ws://127.0.0.1:${port}/ws`,
    printQRInTerminal: false,
  });
}

/** The node WhatsApp's server sends when it rejects a message after accepting it. */
const errorAck = (id: string, from: string, error: string) => ({
  tag: "ack",
  attrs: { id, from, class: "message", error },
  content: undefined,
});

let gateway: GatewayClient;
let crmKey: string;
let gatewayKey: string;
beforeAll(async () => {
  silentServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => silentServer.once("listening", r));
  gatewayKey = await newKey("gateway");
  crmKey = await newKey("crm");
  gateway = createGatewayClient({ url: apiUrl, apiKey: gatewayKey });
});
afterAll(async () => {
  await new Promise((r) => silentServer.close(r));
  await db.end();
});

describe.each(versions)("forwardBaileysErrors on a real $name socket", (v) => {
  it("forwards an error ack as messages.update (no buffering) and as a merged upsert (buffering)", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 2);
    const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
    const { campaignId } = await crm.createCampaign({ name: v.name, message: "m", sessionId, groupJids: jids });
    const ids = jids.map((_, i) => `3EB0${sessionId.replace(/\W/g, "").toUpperCase()}${i}`);
    await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: ids[i]! })) });

    const sock = realSocket(v);
    const fwd = forwardBaileysErrors(sock, gateway, sessionId, { flushMs: 10 });
    try {
      // 1. Unbuffered: Baileys emits messages.update with status ERROR.
      sock.ws.emit("CB:ack,class:message", errorAck(ids[0]!, jids[0]!, "420"));
      // 2. Buffered: our own message is upserted, then the error ack lands in the same buffer,
      //    is merged into the upsert, and no messages.update is emitted.
      let updates = 0;
      sock.ev.on("messages.update", () => {
        updates++;
      });
      sock.ev.buffer();
      sock.ev.emit("messages.upsert", {
        type: "append",
        messages: [{ key: { remoteJid: jids[1]!, fromMe: true, id: ids[1]! }, message: { conversation: "m" }, status: 1 }],
      } as never);
      sock.ws.emit("CB:ack,class:message", errorAck(ids[1]!, jids[1]!, "463"));
      await new Promise((r) => setTimeout(r, 20));
      sock.ev.flush();
      expect(updates).toBe(0); // the merge happened: only the upsert carries the error
      // Until both errors have reached the backend, however long the socket and the batcher take.
      await until(async () => {
        await fwd.flush();
        return (await crm.listFailedGroups(campaignId)).length === 2;
      });
    } finally {
      await fwd.stop();
      sock.end(undefined);
    }
    const failed = await crm.listFailedGroups(campaignId);
    expect(failed.map((g) => [g.group_jid, g.error_code]).sort()).toEqual(
      [
        [jids[0], 420],
        [jids[1], 463],
      ].sort(),
    );
    const { rows } = await db.query("select error_message from notification_campaign_groups where campaign_id = $1 and group_jid = $2", [
      campaignId,
      jids[1],
    ]);
    // Baileys 7 adds its own text after 463; it is kept.
    expect(rows[0].error_message).toBe(v.name === "Baileys 7" ? "Your account has been restricted" : null);
  });
});

/** A group receipt node as WhatsApp's server sends it: a participant's device got (or read) our message. */
const receipt = (id: string, from: string, participant: string, t: number, type?: "read") => ({
  tag: "receipt",
  attrs: { id, from, participant, t: String(t), ...(type ? { type } : {}) },
  content: undefined,
});

describe.each(versions)("forwardBaileysProgress on a real $name socket", (v) => {
  it("forwards group receipts (delivered, then read) once each; the row and the campaign's counts follow", async () => {
    const { sessionId, jids } = await seedSession(gatewayKey, 1);
    const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
    const { campaignId } = await crm.createCampaign({ name: v.name, message: "m", sessionId, groupJids: jids });
    const id = `3EB0P${sessionId.replace(/\W/g, "").toUpperCase()}`;
    await crm.recordMessageSent({ campaignId, sends: [{ groupJid: jids[0]!, messageId: id }] });
    // Receipt times (seconds) after the send and not in the future: the backend keeps the
    // gateway's time within those bounds (docs/gateway.md, "Times").
    const t = Math.ceil(Date.now() / 1000) + 1;
    while (Date.now() < (t + 1) * 1000 + 50) await new Promise((r) => setTimeout(r, 50));
    const sock = realSocket(v);
    const fwd = forwardBaileysProgress(sock, gateway, sessionId, { flushMs: 10 });
    try {
      sock.ws.emit("CB:receipt", receipt(id, jids[0]!, "5511900000001@s.whatsapp.net", t));
      sock.ws.emit("CB:receipt", receipt(id, jids[0]!, "5511900000002@s.whatsapp.net", t + 1));
      sock.ws.emit("CB:receipt", receipt(id, jids[0]!, "5511900000001@s.whatsapp.net", t + 1, "read"));
      // Baileys handles receipts asynchronously: until the read (the last one) has reached the backend.
      await until(async () => {
        await fwd.flush();
        return (await db.query("select read_at from notification_campaign_groups where message_id = $1", [id])).rows[0]?.read_at;
      });
    } finally {
      await fwd.stop();
      sock.end(undefined);
    }
    const { rows } = await db.query(
      `select g.delivered_at, g.read_at, c.delivered_count, c.read_count
      from notification_campaign_groups g join notification_campaigns c on c.id = g.campaign_id where g.message_id = $1`,
      [id],
    );
    expect(rows[0].delivered_at.toISOString()).toBe(new Date(t * 1000).toISOString()); // the first receipt
    expect(rows[0].read_at.toISOString()).toBe(new Date((t + 1) * 1000).toISOString());
    expect([rows[0].delivered_count, rows[0].read_count]).toEqual([1, 1]);
  });
});
