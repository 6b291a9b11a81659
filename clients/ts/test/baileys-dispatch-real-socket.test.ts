// runBaileysGateway({ dispatch }) on real Baileys sockets (6.7 and 7), never logged in: their
// websocket reaches a loopback server that answers nothing. Before the noise handshake completes
// Baileys writes its frames unencrypted, so the server reads the very `message` stanzas the socket
// sends (decoded with Baileys' own decodeBinaryNode). The group's metadata comes from the socket's
// cachedGroupMetadata (no participants: no device lookups). The backend behind is the real one:
// each stanza carries the id claim_sends assigned, and the row is recorded sent with that id.
// A dropped connection (Baileys ends the socket with a 428) stops the dispatcher; the gateway
// reconnects and the dispatch goes on over the new socket once it opens (what was held comes back
// through its lease).
import makeWASocket6, { decodeBinaryNode as decode6, initAuthCreds as initAuthCreds6 } from "@whiskeysockets/baileys";
import makeWASocket7, { decodeBinaryNode as decode7, initAuthCreds as initAuthCreds7 } from "baileys-7";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { createCrmClient, createGatewayClient, runBaileysGateway, type BaileysGatewaySocket } from "../src/index.js";
import { apiUrl, db, newKey } from "../../../test/support/env.js";
import { seedSession } from "../../../test/support/fixtures.js";
import { until } from "../../../test/support/wait.js";

const versions = [
  { name: "Baileys 6.7", make: makeWASocket6, creds: initAuthCreds6, decode: decode6 },
  { name: "Baileys 7", make: makeWASocket7, creds: initAuthCreds7, decode: decode7 },
] as const;

let server: WebSocketServer;
/** Every websocket message the sockets sent, and how many connections were made. */
const received: Buffer[] = [];
let connections = 0;
let gatewayKey: string;
let crmKey: string;
beforeAll(async () => {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  server.on("connection", (ws) => {
    connections++;
    ws.on("message", (m) => received.push(m as Buffer));
  });
  gatewayKey = await newKey("gateway");
  crmKey = await newKey("crm");
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db.end();
});

/** A real socket of that version, with an account (creds.me) and every group's metadata cached without participants. */
function realSocket(v: (typeof versions)[number]): BaileysGatewaySocket {
  const creds = v.creds() as ReturnType<typeof initAuthCreds6> & { me?: unknown };
  creds.me = { id: "5511999999999:1@s.whatsapp.net", name: "test", lid: "123456789012345:1@lid" };
  const store: Record<string, Record<string, unknown>> = {};
  const keys = {
    get: async (type: string, ids: string[]) => Object.fromEntries(ids.flatMap((id) => (store[type]?.[id] ? [[id, store[type][id]]] : []))),
    set: async (data: Record<string, Record<string, unknown>>) => {
      for (const [type, values] of Object.entries(data)) store[type] = { ...store[type], ...values };
    },
  };
  const { port } = server.address() as { port: number };
  return (v.make as typeof makeWASocket6)({
    auth: { creds, keys } as never,
    logger: pino({ level: "silent" }) as never,
    waWebSocketUrl: `ws://127.0.0.1:${port}/ws`,
    cachedGroupMetadata: async (jid: string) => ({ id: jid, subject: "group", participants: [], addressingMode: "pn" }) as never,
  }) as unknown as BaileysGatewaySocket;
}

/** The `message` stanzas among the frames received (plain before the handshake: 3-byte length, then the node). */
async function messageStanzas(decode: typeof decode6) {
  const stanzas: { id: string; to: string }[] = [];
  for (const m of received) {
    const b = m[0] === 0x57 && m[1] === 0x41 ? m.subarray(4) : m; // the first frame opens with "WA" and the version
    const length = ((b[0] as number) << 16) | ((b[1] as number) << 8) | (b[2] as number);
    try {
      const node = await decode(b.subarray(3, 3 + length));
      if (node.tag === "message") stanzas.push({ id: node.attrs.id as string, to: node.attrs.to as string });
    } catch {
      /* the handshake's hello is not a node */
    }
  }
  return stanzas;
}

describe.each(versions)("runBaileysGateway({ dispatch }) on a real $name socket", (v) => {
  it("sends each claimed row with its assigned id, and the backend records that id", async () => {
    received.length = 0;
    const { sessionId, jids } = await seedSession(gatewayKey, 3, "wa_bd");
    const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
    await crm.configureSession({ sessionId, ratePerMinute: 120, jitterSeconds: 0 });
    const { campaignId } = await crm.createCampaign({ name: v.name, message: "Hello from dispatch", sessionId, groupJids: jids });
    await crm.scheduleCampaign(campaignId);

    const errors: unknown[] = [];
    const sock = realSocket(v);
    const running = await runBaileysGateway({
      gateway: createGatewayClient({ url: apiUrl, apiKey: gatewayKey }),
      sessionId,
      connect: () => sock,
      dispatch: { max: 5 },
      onError: (e) => errors.push(e),
    });
    // The handshake never completes here: once the socket's websocket is up (its hello arrived),
    // the gateway is told the connection opened, as Baileys would after the handshake.
    await until(async () => received.length > 0);
    (sock.ev as unknown as { emit(e: string, u: unknown): void }).emit("connection.update", { connection: "open" });
    const sent = await until(async () => {
      const { rows } = await db.query<{ group_jid: string; message_id: string }>(
        "select group_jid, message_id from notification_campaign_groups where campaign_id = $1 and status = 'sent'",
        [campaignId],
      );
      return rows.length === 3 && rows;
    });
    await running.stop({ timeoutMs: 1_000 });

    const stanzas = await messageStanzas(v.decode);
    expect(stanzas.map((s) => s.to).sort()).toEqual([...jids].sort());
    for (const row of sent) {
      expect(row.message_id).toMatch(/^3EB0[0-9A-F]{18}$/);
      expect(stanzas.find((s) => s.to === row.group_jid)?.id).toBe(row.message_id);
    }
    expect(running.dispatched).toMatchObject({ sent: 3, failed: 0 });
    // The only failures: the group sync's query, which no server answers, ended with the socket.
    for (const e of errors) expect(String(e)).toMatch(/Connection Closed|Timed Out/);
  });
});

describe.each(versions)("runBaileysGateway({ dispatch }) across a reconnect, $name", (v) => {
  it("a dropped connection stops the dispatcher; it goes on over the next socket once that opens", async () => {
    received.length = 0;
    const { sessionId, jids } = await seedSession(gatewayKey, 6, "wa_bd");
    const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
    await crm.configureSession({ sessionId, ratePerMinute: 120, jitterSeconds: 0, leaseSeconds: 2 });
    const { campaignId } = await crm.createCampaign({ name: v.name, message: "Hello again", sessionId, groupJids: jids });
    await crm.scheduleCampaign(campaignId);
    const sentRows = async () =>
      (
        await db.query<{ group_jid: string; message_id: string }>(
          "select group_jid, message_id from notification_campaign_groups where campaign_id = $1 and status = 'sent'",
          [campaignId],
        )
      ).rows;

    const sockets: BaileysGatewaySocket[] = [];
    const open = async (sock: BaileysGatewaySocket, connection: number) => {
      await until(async () => connections >= connection);
      (sock.ev as unknown as { emit(e: string, u: unknown): void }).emit("connection.update", { connection: "open" });
    };
    const before = connections;
    const running = await runBaileysGateway({
      gateway: createGatewayClient({ url: apiUrl, apiKey: gatewayKey }),
      sessionId,
      connect: () => {
        const sock = realSocket(v);
        sockets.push(sock);
        return sock;
      },
      reconnectDelayMs: 10,
      dispatch: { max: 3 },
      onError: () => {},
    });
    await open(sockets[0] as BaileysGatewaySocket, before + 1);
    await until(async () => (await sentRows()).length >= 3);
    // The connection drops (not a logout): Baileys ends the socket with a 428.
    (sockets[0] as BaileysGatewaySocket).end(Object.assign(new Error("Connection Closed"), { output: { statusCode: 428 } }));
    // The first connection's dispatcher returned (its counts are added when it does).
    await until(async () => running.dispatched.sent >= 3);
    await until(async () => sockets.length === 2);
    await open(sockets[1] as BaileysGatewaySocket, before + 2);
    const sent = await until(async () => {
      const rows = await sentRows();
      return rows.length === 6 && rows;
    });
    await running.stop({ timeoutMs: 1_000 });

    expect(running.reconnects).toBe(1);
    expect(running.dispatched.sent).toBe(6);
    const stanzas = await messageStanzas(v.decode);
    for (const row of sent) expect(stanzas.some((s) => s.to === row.group_jid && s.id === row.message_id)).toBe(true);
  });
});
