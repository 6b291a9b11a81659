// The WAHA and Evolution API senders against local HTTP servers that answer as those servers'
// sources do (test/fixtures/gateway-send-answers.ts names version, file and function of each
// answer): the id actually used is read from each engine's answer, the request is what the
// server expects, and each error answer becomes a SendFailure (the message was refused: recorded
// as failed) or a gateway error (not known to be sent: left to its lease).
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EvolutionError, evolutionSender, SendFailure, WahaError, wahaSender, type ClaimedSend } from "../src/index.js";
import { evolutionSendText, wahaSendText } from "../../../test/fixtures/gateway-send-answers.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}
let server: Server;
let base: string;
const seen: Seen[] = [];
/** The next answers, in order: [status, body]. */
const next: [number, unknown][] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: raw ? JSON.parse(raw) : {} });
      const [status, body] = next.shift() ?? [500, { message: "no answer planned" }];
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const GROUP = "120363041234567891@g.us";
const item = (messageId: string): ClaimedSend => ({
  campaignId: 1,
  groupJid: GROUP,
  text: "Hello, group",
  messageId,
  notBefore: new Date().toISOString(),
  leaseUntil: new Date(Date.now() + 60_000).toISOString(),
});
const signal = new AbortController().signal;
const caught = async (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("it should have thrown"),
    (e: unknown) => e,
  );

describe("wahaSender", () => {
  const lazy = () => wahaSender({ url: `${base}/`, apiKey: "waha-key", session: "default" });

  it("posts {session, chatId, text, id} with X-Api-Key and reads the id each engine answers", async () => {
    const assigned = "3EB0A1B2C3D4E5F6A7B8C9";
    const webjsOwn = "3EB0FFFFEEEEDDDDCCCCBB";
    next.push(
      [201, wahaSendText.gows(GROUP, assigned)],
      [201, wahaSendText.noweb(GROUP, assigned)],
      [201, wahaSendText.webjs(GROUP, webjsOwn)],
    );
    const s = lazy();
    const ids = [await s(item(assigned), signal), await s(item(assigned), signal), await s(item(assigned), signal)];
    // GOWS and NOWEB send with the id asked for; WEBJS makes its own, and that is the one reported.
    expect(ids).toEqual([assigned, assigned, webjsOwn]);
    const req = seen.at(-1) as Seen;
    expect(req).toMatchObject({ method: "POST", url: "/api/sendText" });
    expect(req.headers["x-api-key"]).toBe("waha-key");
    expect(req.body).toEqual({ session: "default", chatId: GROUP, text: "Hello, group", id: assigned });
  });

  it("leaves the id out with sendId: false (older WAHA in strict mode refuses unknown fields)", async () => {
    next.push([201, wahaSendText.noweb(GROUP, "3EB0000000000000000001")]);
    await wahaSender({ url: base, session: "s1", sendId: false })(item("3EB0000000000000000002"), signal);
    expect(seen.at(-1)?.body).toEqual({ session: "s1", chatId: GROUP, text: "Hello, group" });
    expect(seen.at(-1)?.headers["x-api-key"]).toBeUndefined();
  });

  it("a WhatsApp error node passed on as 500 is a SendFailure with its code", async () => {
    next.push([500, wahaSendText.baileysErrorNode(403, "forbidden")]);
    const e = await caught(lazy()(item("3EB0000000000000000003"), signal));
    expect(e).toBeInstanceOf(SendFailure);
    expect(e).toMatchObject({ code: 403, message: "forbidden", gatewayStatus: 500, restricting: false });
  });

  it("a 463 error node is a restricting SendFailure", async () => {
    next.push([500, wahaSendText.baileysErrorNode(463, "")]);
    const e = (await caught(lazy()(item("3EB0000000000000000004"), signal))) as SendFailure;
    expect(e).toBeInstanceOf(SendFailure);
    expect([e.code, e.restricting]).toEqual([463, true]);
  });

  it.each([
    ["a closed Baileys connection (500, Boom 428)", 500, wahaSendText.connectionClosed()],
    ["a session that is not working (422)", 422, wahaSendText.unprocessable()],
    ["a wrong WAHA key (401)", 401, wahaSendText.unauthorized()],
  ])("%s is a WahaError: not a verdict on the message", async (_, status, body) => {
    next.push([status, body]);
    const e = await caught(lazy()(item("3EB0000000000000000005"), signal));
    expect(e).toBeInstanceOf(WahaError);
    expect(e).not.toBeInstanceOf(SendFailure);
    expect((e as WahaError).status).toBe(status);
  });
});

describe("evolutionSender", () => {
  const send = () => evolutionSender({ url: base, apiKey: "evo-key", instance: "wa main", delayMs: 1200 });

  it("posts {number, text, delay} to /message/sendText/{instance} with apikey and reports key.id", async () => {
    const own = "3EB0C767D097B7C7C030AA";
    next.push([201, evolutionSendText.created(GROUP, own, "Hello, group")]);
    // Evolution cannot take our id: the one it sent with is what is reported.
    expect(await send()(item("3EB0000000000000000006"), signal)).toBe(own);
    const req = seen.at(-1) as Seen;
    expect(req).toMatchObject({ method: "POST", url: "/message/sendText/wa%20main" });
    expect(req.headers.apikey).toBe("evo-key");
    expect(req.body).toEqual({ number: GROUP, text: "Hello, group", delay: 1200 });
  });

  it("a refused send (400) is a SendFailure without a code (Evolution keeps none)", async () => {
    next.push([400, evolutionSendText.groupNotFound()]);
    const e = await caught(send()(item("3EB0000000000000000007"), signal));
    expect(e).toBeInstanceOf(SendFailure);
    expect(e).toMatchObject({ code: null, message: "[object Object]", gatewayStatus: 400 });
  });

  it.each([
    ["a closed connection (400 'Error: Connection Closed')", 400, evolutionSendText.connectionClosed()],
    ["a wrong apikey (401)", 401, evolutionSendText.unauthorized()],
    ["an unknown instance (404)", 404, evolutionSendText.unknownInstance("wa main")],
  ])("%s is an EvolutionError: not a verdict on the message", async (_, status, body) => {
    next.push([status, body]);
    const e = await caught(send()(item("3EB0000000000000000008"), signal));
    expect(e).toBeInstanceOf(EvolutionError);
    expect((e as EvolutionError).status).toBe(status);
  });

  it("no answer at all is not a SendFailure", async () => {
    const e = await caught(
      evolutionSender({ url: "http://127.0.0.1:1", apiKey: "k", instance: "i" })(item("3EB0000000000000000009"), signal),
    );
    expect(e).not.toBeInstanceOf(SendFailure);
  });
});
