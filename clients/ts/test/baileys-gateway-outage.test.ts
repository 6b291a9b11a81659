// The README's gateway (runBaileysGateway, clients/ts/examples/baileys-gateway.ts) on real Baileys
// 6.7 and 7 sockets, never logged in (their websocket reaches a silent loopback server), fed the
// WhatsApp server's own nodes through the socket's handlers, in front of a PostgREST of its own
// that the test stops and starts again on the same port: the backend's outage and return.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import makeWASocket6, { initAuthCreds as initAuthCreds6 } from "@whiskeysockets/baileys";
import makeWASocket7, { initAuthCreds as initAuthCreds7 } from "baileys-7";
import pino from "pino";
import { WebSocketServer } from "ws";
import { BAILEYS_LOGGED_OUT, createCrmClient, createGatewayClient, runBaileysGateway, type BaileysGatewaySocket } from "../src/index.js";
import { apiUrl, db, jwtSecret, newKey } from "../../../test/support/env.js";
import { seedSession } from "../../../test/support/fixtures.js";
import { startPostgrest, type RunningPostgrest } from "../../../scripts/lib/postgrest.js";
import { freePort } from "../../../scripts/lib/run.js";

const versions = [
  { name: "Baileys 6.7", make: makeWASocket6, creds: initAuthCreds6 },
  { name: "Baileys 7", make: makeWASocket7, creds: initAuthCreds7 },
] as const;

let silentServer: WebSocketServer;
let backend: RunningPostgrest | undefined;
let backendPort: number;
let gatewayKey: string;
let crmKey: string;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => {
  unhandled.push(e);
};

const startBackend = async () => {
  backend = await startPostgrest({ dbUri: process.env.WA_PGRST_DB_URI!, jwtSecret, port: backendPort, poolSize: 4 });
};
const stopBackend = async () => {
  await backend?.stop();
  backend = undefined;
};

/** A real socket of that version, never logged in; queries time out fast (no server answers them). */
function realSocket(v: (typeof versions)[number]): BaileysGatewaySocket & ReturnType<typeof makeWASocket6> {
  const keys = { get: async () => ({}), set: async () => {} };
  const { port } = silentServer.address() as { port: number };
  return (v.make as typeof makeWASocket6)({
    auth: { creds: v.creds(), keys } as never,
    logger: pino({ level: "silent" }) as never,
    waWebSocketUrl: `ws://127.0.0.1:${port}/ws`,
    printQRInTerminal: false,
    connectTimeoutMs: 120_000,
    defaultQueryTimeoutMs: 500,
  });
}

/** WhatsApp's server rejecting a message after accepting it; a group participant's receipt. */
const errorAck = (id: string, from: string, error: string) => ({
  tag: "ack",
  attrs: { id, from, class: "message", error },
  content: undefined,
});
const receipt = (id: string, from: string, participant: string, t: number) => ({
  tag: "receipt",
  attrs: { id, from, participant, t: String(t) },
  content: undefined,
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000, state: () => unknown = () => "") {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what} ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function sentCampaign(n: number, name: string) {
  const { sessionId, jids } = await seedSession(gatewayKey, n);
  const crm = createCrmClient({ url: apiUrl, apiKey: crmKey });
  const { campaignId } = await crm.createCampaign({ name, message: "m", sessionId, groupJids: jids });
  const ids = jids.map((_, i) => `3EB0OUT${sessionId.replace(/\W/g, "").toUpperCase()}${i}`);
  await crm.recordMessageSent({ campaignId, sends: jids.map((groupJid, i) => ({ groupJid, messageId: ids[i]! })) });
  return { sessionId, jids, ids };
}

const rowsOf = async (ids: string[]) =>
  (
    await db.query(
      "select message_id, status, error_code, delivered_at is not null as delivered from notification_campaign_groups where message_id = any($1) order by message_id",
      [ids],
    )
  ).rows;

beforeAll(async () => {
  silentServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((r) => silentServer.once("listening", r));
  backendPort = await freePort();
  await startBackend();
  gatewayKey = await newKey("gateway");
  crmKey = await newKey("crm");
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await stopBackend();
  await new Promise((r) => silentServer.close(r));
  await db.end();
});

describe.each(versions)("runBaileysGateway on real $name sockets", (v) => {
  it("holds what arrives while the backend is down (bounded: the oldest dropped, counted), keeps it across a reconnect, posts it when the backend is back, flushes on stop", async () => {
    const { sessionId, jids, ids } = await sentCampaign(6, v.name);
    const errors: unknown[] = [];
    const made: BaileysGatewaySocket[] = [];
    const g = await runBaileysGateway({
      gateway: createGatewayClient({ url: `http://127.0.0.1:${backendPort}`, apiKey: gatewayKey }),
      sessionId,
      connect: () => {
        const s = realSocket(v);
        made.push(s);
        return s;
      },
      flushMs: 10,
      baseDelayMs: 20,
      maxDelayMs: 200,
      retries: 1,
      maxPending: 4,
      overflow: "drop-oldest",
      reconnectDelayMs: 50,
      syncEveryMs: 0,
      onError: (e) => errors.push(e),
    });
    try {
      await stopBackend();
      const sock = () => g.socket as ReturnType<typeof makeWASocket6>;
      // Five rejected messages: the buffer keeps four, the oldest is dropped and counted.
      for (let i = 0; i < 5; i++) sock().ws.emit("CB:ack,class:message", errorAck(ids[i]!, jids[i]!, "420"));
      // What Baileys may hand a listener that the helpers cannot read: never thrown back into Baileys.
      expect(() => sock().ev.emit("messages.update", [null, { key: null }] as never)).not.toThrow();
      expect(() => sock().ev.emit("message-receipt.update", [{}] as never)).not.toThrow();
      // A connection that opens syncs groups: that fails now (no backend, no WhatsApp) and is only reported.
      sock().ev.emit("connection.update", { connection: "open" });
      const seen = () => ({ pending: g.pending, dropped: g.dropped, reconnects: g.reconnects, errors: errors.map(String) });
      await until("the buffer to fill", () => g.pending === 4 && g.dropped === 1, 15_000, seen);
      await until("the sync's failure to be reported", () => errors.length >= 2, 15_000, seen);

      // The connection closes (not a logout): a new socket, the same buffers.
      const first = sock();
      first.end(new Error("Stream Errored (restart required)"));
      await until("a reconnect", () => g.reconnects === 1 && g.socket !== first, 15_000, seen);
      sock().ws.emit("CB:receipt", receipt(ids[5]!, jids[5]!, "5511900000001@s.whatsapp.net", Math.floor(Date.now() / 1000)));
      await until("the receipt to be held", () => g.pending === 5, 15_000, seen);

      await startBackend();
      await until("everything held to be posted", () => g.pending === 0, 15_000, seen);
      expect(await rowsOf(ids)).toEqual([
        { message_id: ids[0], status: "sent", error_code: null, delivered: false }, // dropped by the bound (counted)
        ...[1, 2, 3, 4].map((i) => ({ message_id: ids[i], status: "failed", error_code: 420, delivered: false })),
        { message_id: ids[5], status: "sent", error_code: null, delivered: true },
      ]);

      // Shutdown flushes what just arrived.
      sock().ws.emit("CB:ack,class:message", errorAck(ids[0]!, jids[0]!, "463"));
      expect(await g.stop({ timeoutMs: 10_000 })).toBe(0);
    } finally {
      await g.stop({ timeoutMs: 1_000 });
      for (const s of made) s.end(undefined);
    }
    expect((await rowsOf([ids[0]!]))[0]).toMatchObject({ status: "failed", error_code: 463 });
    expect(unhandled).toEqual([]);
  });

  it("logged out: no reconnect, onLoggedOut is told; a stop with the backend gone returns within its deadline with what is left", async () => {
    const { sessionId, jids, ids } = await sentCampaign(1, v.name + " out");
    let loggedOut = 0;
    const made: BaileysGatewaySocket[] = [];
    const g = await runBaileysGateway({
      gateway: createGatewayClient({ url: `http://127.0.0.1:${backendPort}`, apiKey: gatewayKey }),
      sessionId,
      connect: () => {
        const s = realSocket(v);
        made.push(s);
        return s;
      },
      flushMs: 10,
      baseDelayMs: 20,
      reconnectDelayMs: 20,
      syncEveryMs: 0,
      onLoggedOut: () => {
        loggedOut++;
      },
    });
    try {
      await stopBackend();
      (g.socket as ReturnType<typeof makeWASocket6>).ws.emit("CB:ack,class:message", errorAck(ids[0]!, jids[0]!, "420"));
      await until("the error to be held", () => g.pending === 1);
      g.socket.end(Object.assign(new Error("Connection Failure"), { output: { statusCode: BAILEYS_LOGGED_OUT } }));
      await new Promise((r) => setTimeout(r, 200));
      expect([loggedOut, g.reconnects, made.length]).toEqual([1, 0, 1]);
      const t0 = Date.now();
      expect(await g.stop({ timeoutMs: 300 })).toBe(1);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      if (!backend) await startBackend();
      for (const s of made) s.end(undefined);
    }
    expect(unhandled).toEqual([]);
  });
});
