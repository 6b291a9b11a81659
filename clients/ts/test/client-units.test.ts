// The client's pure parts, each on its own and in milliseconds (no backend): how a backend error
// is read (errors.ts), a gateway's error code (send-failure.ts), a Baileys update turned into an
// error ACK or progress (baileys.ts, baileys-progress.ts: the forwarders over an EventEmitter as a
// Baileys socket's `ev`, posting through a recording GatewayClient), a Baileys send error
// (baileys-sender.ts), WAHA's and Evolution's group lists mapped for sync_groups (waha.ts,
// evolution.ts; bodies from test/fixtures/gateway-payloads.ts, which names each gateway's version
// and file), WAHA's send answers (waha-sender.ts), the abort signal (abort.ts) and the request the
// client builds (http.ts, against a local HTTP server that records it). The same helpers against
// the real API: baileys-helpers, baileys-real-socket, waha-group-sync, evolution-group-sync,
// gateway-client. Written for Stryker's survivors (docs/testing.md, "Stryker").
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abortAfter } from "../src/abort.js";
import { attachable, guarded } from "../src/baileys.js";
import { toSendFailure } from "../src/baileys-sender.js";
import { RETRYABLE_STATUS } from "../src/errors.js";
import { apiClient, callRpc, unwrap } from "../src/http.js";
import {
  BackendError,
  baileysSender,
  compactGroup,
  createCrmClient,
  createGatewayClient,
  createOpsClient,
  errorCodeOf,
  EvolutionError,
  evolutionGroupsToBaileys,
  fetchEvolutionGroups,
  fetchWahaGroups,
  forwardBaileysErrors,
  forwardBaileysProgress,
  LIMITS,
  RESTRICTING_ERROR_CODES,
  evolutionSender,
  SendFailure,
  syncBaileysGroups,
  wahaSender,
  syncEvolutionGroups,
  syncWahaGroups,
  toBaileysGroupFromEvolution,
  toBaileysGroupFromWaha,
  toMessageErrorEvent,
  toMessageErrorEventFromUpsert,
  toMessageStatusEvents,
  WahaError,
  wahaGroupEngine,
  wahaGroupsToBaileys,
  wahaKeyId,
  wahaSentId,
  type BaileysGroup,
  type ClaimedSend,
  type GatewayClient,
  type MessageErrorEvent,
  type MessageStatusEvent,
} from "../src/index.js";
import { evolutionFetchedGroup, gowsGroupInfo, webjsGroupChat } from "../../../test/fixtures/gateway-payloads.js";

// ---------------------------------------------------------------------------------------------
// A local HTTP server that records each request and answers what the test queued.
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
let server: Server;
let base: string;
const seen: Seen[] = [];
const answers: [number, string][] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const [status, text] = answers.shift() ?? [200, "null"];
      if (status === 0) return; // never answers
      res.writeHead(status, { "content-type": "application/json" }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
const answer = (status: number, body: unknown) => answers.push([status, typeof body === "string" ? body : JSON.stringify(body)]);
const lastSeen = () => seen[seen.length - 1]!;

/** A GatewayClient that records what the helpers post (the real one against the API: gateway-client.test.ts). */
function recordingGateway() {
  const calls = { syncGroups: [] as unknown[], errors: [] as MessageErrorEvent[][], statuses: [] as MessageStatusEvent[][] };
  const gateway: GatewayClient = {
    syncGroups: async (p) => {
      calls.syncGroups.push(p);
      return { inserted: p.groups.length } as never;
    },
    recordMessageError: async (ack) => {
      calls.errors.push((ack as { events: MessageErrorEvent[] }).events);
      return {} as never;
    },
    recordMessageStatus: async (p) => {
      calls.statuses.push((p as { events: MessageStatusEvent[] }).events);
      return {} as never;
    },
    claimSends: async () => ({ sends: [], nextAt: null }) as never,
    recordSent: async () => ({}) as never,
  };
  return { gateway, calls };
}

/** A Baileys socket's `ev` (an EventEmitter, as Baileys' own) and nothing else. */
function evSocket() {
  const ev = new EventEmitter();
  return {
    ev: {
      on: (e: string, l: (...a: unknown[]) => void) => ev.on(e, l),
      off: (e: string, l: (...a: unknown[]) => void) => ev.off(e, l),
    } as never,
    emit: (e: string, arg: unknown) => ev.emit(e, arg),
    listeners: (e: string) => ev.listenerCount(e),
  };
}

// ---------------------------------------------------------------------------------------------
describe("BackendError", () => {
  it("retryable: no answer, a 5xx or a lost connection; never a 4xx", () => {
    expect([0, 400, 404, 499, 500, 503].map(RETRYABLE_STATUS)).toEqual([true, false, false, false, true, true]);
    expect(new BackendError("network_error", 0, "x").retryable).toBe(true);
    expect(new BackendError("internal_error" as never, 500, "x").retryable).toBe(true);
    expect(new BackendError("internal_error" as never, 499, "x").retryable).toBe(false);
    expect(new BackendError("connection_lost", 400, "x").retryable).toBe(true);
    expect(new BackendError("invalid_body", 400, "x").retryable).toBe(false);
  });

  it("carries code, status, message, details, hint and body; is() narrows by code", () => {
    const e = new BackendError("invalid_body", 400, "bad", { a: 1 }, "fix it", { raw: true });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.status, e.message, e.details, e.hint, e.body]).toEqual([
      "BackendError",
      "invalid_body",
      400,
      "bad",
      { a: 1 },
      "fix it",
      { raw: true },
    ]);
    expect(e.is("invalid_body")).toBe(true);
    expect(e.is("forbidden")).toBe(false);
    const d = new BackendError("forbidden", 403, "no");
    expect([d.details, d.hint, d.body]).toEqual([null, null, null]);
  });

  it("fromResponse: no answer is network_error 0 with the fetch error's message", () => {
    const raw = { message: "fetch failed", details: "ECONNREFUSED" };
    const e = BackendError.fromResponse(raw, 0);
    expect([e.code, e.status, e.message, e.details, e.hint, e.body]).toEqual([
      "network_error",
      0,
      "fetch failed",
      "ECONNREFUSED",
      null,
      raw,
    ]);
    const bare = BackendError.fromResponse(null, 0);
    expect([bare.code, bare.message, bare.details, bare.body]).toEqual(["network_error", "The request got no answer", null, null]);
  });

  it("fromResponse: a 400 without a code is connection_lost (PostgREST lost its database), retryable", () => {
    const raw = { code: "", message: "", details: "x", hint: "h" };
    const e = BackendError.fromResponse(raw, 400);
    expect([e.code, e.status, e.message, e.details, e.hint, e.body, e.retryable]).toEqual([
      "connection_lost",
      400,
      "The database connection was lost during the request.",
      null,
      null,
      raw,
      true,
    ]);
    expect(BackendError.fromResponse({ message: "server closed the connection" }, 400).message).toBe("server closed the connection");
    // A 400 with a code is a verdict on the request; another status without a code is "unknown".
    expect(BackendError.fromResponse({ code: "invalid_body", message: "m" }, 400).code).toBe("invalid_body");
    const other = BackendError.fromResponse({}, 502);
    expect([other.code, other.message, other.details, other.hint]).toEqual(["unknown", "HTTP 502", null, null]);
  });

  it("fromResponse: structured details arrive as JSON text and are parsed; anything else is kept as it is", () => {
    const at = (details: unknown) => BackendError.fromResponse({ code: "invalid_sends", message: "m", details, hint: "h" }, 422).details;
    expect(at('{"index": 3}')).toEqual({ index: 3 });
    expect(at("  [1, 2]")).toEqual([1, 2]);
    expect(at("\n{}")).toEqual({});
    expect(at("{not json")).toBe("{not json");
    expect(at("see {this}")).toBe("see {this}");
    expect(at("plain")).toBe("plain");
    expect(at({ already: "parsed" })).toEqual({ already: "parsed" });
    expect(at(undefined)).toBeNull();
    expect(BackendError.fromResponse({ code: "x", message: "m", hint: "h" }, 422).hint).toBe("h");
  });
});

describe("SendFailure and errorCodeOf", () => {
  it("463 restricts the account; other codes and none do not", () => {
    expect(RESTRICTING_ERROR_CODES).toEqual([463]);
    const f = new SendFailure(463, "restricted", 500);
    expect([f.name, f.code, f.message, f.gatewayStatus, f.restricting]).toEqual(["SendFailure", 463, "restricted", 500, true]);
    expect(f).toBeInstanceOf(Error);
    expect(new SendFailure(420, "x").restricting).toBe(false);
    expect(new SendFailure(null, "x").restricting).toBe(false);
    expect(new SendFailure(null, "x").gatewayStatus).toBeUndefined();
  });

  it("a numeric code out of a number or a string of 1 to 9 digits, else null", () => {
    const cases: [unknown, number | null][] = [
      [463, 463],
      [0, 0],
      [999_999_999, 999_999_999],
      [1e9, null],
      [-1, null],
      [4.5, null],
      ["463", 463],
      [" 463 ", 463],
      ["\t7\n", 7],
      ["123456789", 123456789],
      ["1234567890", null],
      ["", null],
      ["4 63", null],
      ["463x", null],
      ["x463", null],
      ["-1", null],
      [null, null],
      [undefined, null],
      [{ code: 463 }, null],
      [[463], null],
      [["463"], null],
    ];
    expect(cases.map(([v]) => errorCodeOf(v))).toEqual(cases.map(([, c]) => c));
  });
});

// ---------------------------------------------------------------------------------------------
describe("Baileys: error ACKs", () => {
  const update = (params: unknown, status: unknown = 0, key: object = { remoteJid: "1@g.us", id: "ID1", fromMe: true }) =>
    ({ key, update: { status, messageStubParameters: params } }) as never;

  it("toMessageErrorEvent: a numeric first parameter is the code, the second the message; a text alone is the message", () => {
    const base = { event: "message_error", sessionId: "s", messageId: "ID1", groupJid: "1@g.us" };
    expect(toMessageErrorEvent(update(["463", "Your account has been restricted"]), "s")).toEqual({
      ...base,
      errorCode: 463,
      errorMessage: "Your account has been restricted",
    });
    expect(toMessageErrorEvent(update(["420"]), "s")).toEqual({ ...base, errorCode: 420, errorMessage: null });
    expect(toMessageErrorEvent(update(["not-acceptable"]), "s")).toEqual({ ...base, errorCode: null, errorMessage: "not-acceptable" });
    expect(toMessageErrorEvent(update(null), "s")).toEqual({ ...base, errorCode: null, errorMessage: null });
    expect(toMessageErrorEvent(update("463"), "s")).toEqual({ ...base, errorCode: null, errorMessage: null });
    expect(toMessageErrorEvent(update([]), "s")).toEqual({ ...base, errorCode: null, errorMessage: null });
    expect(toMessageErrorEvent(update([null, "text"]), "s")).toEqual({ ...base, errorCode: null, errorMessage: "text" });
    expect(toMessageErrorEvent(update(["420"], 0, { id: "ID1" }), "s")).toEqual({
      ...base,
      groupJid: null,
      errorCode: 420,
      errorMessage: null,
    });
  });

  it("toMessageErrorEvent: nothing for another status, a message without id, or what is not an update", () => {
    expect(toMessageErrorEvent(update(["420"], 3), "s")).toBeUndefined();
    expect(toMessageErrorEvent(update(["420"], null), "s")).toBeUndefined();
    expect(toMessageErrorEvent(update(["420"], "0"), "s")).toBeUndefined();
    expect(toMessageErrorEvent(update(["420"], 0, { remoteJid: "1@g.us", id: "" }), "s")).toBeUndefined();
    expect(toMessageErrorEvent(null as never, "s")).toBeUndefined();
    expect(toMessageErrorEvent({ key: null, update: { status: 0 } } as never, "s")).toBeUndefined();
    expect(toMessageErrorEvent({ key: { id: "X" }, update: null } as never, "s")).toBeUndefined();
  });

  it("toMessageErrorEventFromUpsert: only our own messages with status ERROR", () => {
    const m = (fromMe: unknown, status = 0) =>
      ({ key: { remoteJid: "1@g.us", id: "U1", fromMe }, status, messageStubParameters: ["420"] }) as never;
    expect(toMessageErrorEventFromUpsert(m(true), "s")).toEqual({
      event: "message_error",
      sessionId: "s",
      messageId: "U1",
      groupJid: "1@g.us",
      errorCode: 420,
      errorMessage: null,
    });
    expect(toMessageErrorEventFromUpsert(m(false), "s")).toBeUndefined();
    expect(toMessageErrorEventFromUpsert(m(null), "s")).toBeUndefined();
    expect(toMessageErrorEventFromUpsert(m(true, 1), "s")).toBeUndefined();
    expect(toMessageErrorEventFromUpsert(null as never, "s")).toBeUndefined();
    expect(toMessageErrorEventFromUpsert({ key: null } as never, "s")).toBeUndefined();
  });

  it("guarded: a listener's exception goes to onError, never to the emitter; a failing onError is ignored", () => {
    const got: unknown[] = [];
    const boom = new Error("unreadable");
    const l = guarded(
      (x: number) => {
        if (x < 0) throw boom;
        got.push(x);
      },
      (e, events) => got.push([e, events]),
    );
    l(1);
    expect(() => l(-1)).not.toThrow();
    expect(got).toEqual([1, [boom, []]]);
    expect(() =>
      guarded(
        () => {
          throw boom;
        },
        () => {
          throw new Error("onError's own");
        },
      )(0),
    ).not.toThrow();
    expect(() =>
      guarded(() => {
        throw boom;
      })(0),
    ).not.toThrow();
  });

  it("attachable: listens to one socket at a time", () => {
    const log: string[] = [];
    const a = attachable<string>(
      (s) => log.push(`on ${s}`),
      (s) => log.push(`off ${s}`),
      "s1",
    );
    a.attach("s2");
    a.detach();
    a.detach();
    a.attach("s3");
    expect(log).toEqual(["on s1", "off s1", "on s2", "off s2", "on s3"]);
  });

  it("syncBaileysGroups never posts an empty list", async () => {
    const { gateway, calls } = recordingGateway();
    const e = await syncBaileysGroups({ groupFetchAllParticipating: async () => ({}) }, gateway, "s").catch((x: unknown) => x);
    expect(e).toMatchObject({
      name: "BackendError",
      code: "empty_group_list",
      status: 422,
      message: "groupFetchAllParticipating() returned no groups; nothing was sent (the session keeps its groups).",
    });
    expect(calls.syncGroups).toEqual([]);
    const g = { id: "120363000000000001@g.us", subject: "A", participants: [] } as unknown as BaileysGroup;
    await syncBaileysGroups({ groupFetchAllParticipating: async () => ({ [g.id]: g }) }, gateway, "s");
    expect(calls.syncGroups).toEqual([{ sessionId: "s", groups: [g] }]);
  });

  it("forwardBaileysErrors: ERROR updates and upserts of our own messages, in batches of at most maxBatch (200, capped by the API's limit)", async () => {
    const { gateway, calls } = recordingGateway();
    const sock = evSocket();
    const fwd = forwardBaileysErrors(sock, gateway, "s", { flushMs: 1_000_000 });
    const err = (i: number) => ({
      key: { remoteJid: "1@g.us", id: `E${i}`, fromMe: true },
      update: { status: 0, messageStubParameters: ["420"] },
    });
    sock.emit(
      "messages.update",
      Array.from({ length: 250 }, (_, i) => err(i)),
    );
    sock.emit("messages.update", [{ key: { id: "D", fromMe: true }, update: { status: 3 } }]);
    sock.emit("messages.upsert", {
      messages: [{ key: { remoteJid: "1@g.us", id: "U", fromMe: true }, status: 0, messageStubParameters: ["463"] }],
    });
    sock.emit("messages.upsert", { messages: [{ key: { remoteJid: "1@g.us", id: "V", fromMe: false }, status: 0 }] });
    sock.emit("messages.upsert", {});
    expect(fwd.pending).toBe(251);
    await fwd.flush();
    expect(calls.errors.map((b) => b.length)).toEqual([200, 51]);
    expect(calls.errors[1]![50]).toMatchObject({ messageId: "U", errorCode: 463 });
    expect([fwd.pending, fwd.dropped]).toEqual([0, 0]);

    const big = recordingGateway();
    const capped = forwardBaileysErrors(sock, big.gateway, "s", { maxBatch: 5_000, flushMs: 1_000_000 });
    sock.emit(
      "messages.update",
      Array.from({ length: LIMITS.ackEventsPerCall + 1 }, (_, i) => err(i)),
    );
    await capped.flush();
    expect(big.calls.errors.map((b) => b.length)).toEqual([LIMITS.ackEventsPerCall, 1]);
    await fwd.stop();
    await capped.stop();
  });

  it("forwardBaileysErrors: an unreadable event goes to onError; attach() moves to the next socket; stop() stops listening", async () => {
    const { gateway, calls } = recordingGateway();
    const first = evSocket();
    const errors: unknown[] = [];
    const fwd = forwardBaileysErrors(first, gateway, "s", {
      flushMs: 1_000_000,
      overflow: "drop-newest",
      maxPending: 1,
      onError: (e) => errors.push(e),
    });
    first.emit("messages.update", null);
    first.emit("messages.upsert", { messages: 5 });
    first.emit("messages.upsert", undefined); // nothing to read, nothing wrong
    expect(errors).toEqual([expect.any(TypeError), expect.any(TypeError)]);
    const err = (id: string) => [{ key: { id, fromMe: true }, update: { status: 0 } }];
    first.emit("messages.update", [...err("A"), ...err("B")]);
    expect([fwd.pending, fwd.dropped]).toEqual([1, 1]);
    const second = evSocket();
    fwd.attach(second);
    expect([first.listeners("messages.update"), first.listeners("messages.upsert")]).toEqual([0, 0]);
    expect([second.listeners("messages.update"), second.listeners("messages.upsert")]).toEqual([1, 1]);
    expect(await fwd.stop()).toBe(0);
    expect([second.listeners("messages.update"), second.listeners("messages.upsert")]).toEqual([0, 0]);
    second.emit("messages.update", err("C"));
    expect(fwd.pending).toBe(0);
    expect(calls.errors.flat().map((e) => e.messageId)).toEqual(["A"]);
  });
});

describe("Baileys: delivery progress", () => {
  it("toMessageStatusEvents: each step with a timestamp (a number or a protobuf Long), of our own messages", () => {
    const long = (n: number) => ({ toNumber: () => n });
    expect(
      toMessageStatusEvents(
        { key: { id: "M1", fromMe: true }, receipt: { receiptTimestamp: 100, readTimestamp: long(200), playedTimestamp: 300 } },
        "s",
      ),
    ).toEqual([
      { sessionId: "s", messageId: "M1", status: "delivered", at: 100 },
      { sessionId: "s", messageId: "M1", status: "read", at: 200 },
      { sessionId: "s", messageId: "M1", status: "played", at: 300 },
    ]);
    expect(toMessageStatusEvents({ key: { id: "M1" }, receipt: { readTimestamp: 0, receiptTimestamp: null } }, "s")).toEqual([
      { sessionId: "s", messageId: "M1", status: "read", at: 0 },
    ]);
    expect(toMessageStatusEvents({ key: { id: "M1", fromMe: false }, receipt: { receiptTimestamp: 1 } }, "s")).toEqual([]);
    expect(toMessageStatusEvents({ key: { id: "" }, receipt: { receiptTimestamp: 1 } }, "s")).toEqual([]);
    expect(toMessageStatusEvents({ key: { id: "M1" }, receipt: null } as never, "s")).toEqual([]);
    expect(toMessageStatusEvents({ key: null } as never, "s")).toEqual([]);
    expect(toMessageStatusEvents(null as never, "s")).toEqual([]);
  });

  it("forwardBaileysProgress: statuses 3/4/5 of our own messages and receipts, each message and step once, in batches", async () => {
    const { gateway, calls } = recordingGateway();
    const sock = evSocket();
    const errors: unknown[] = [];
    const fwd = forwardBaileysProgress(sock, gateway, "s", { flushMs: 1_000_000, maxBatch: 3, onError: (e) => errors.push(e) });
    sock.emit("messages.update", [
      { key: { id: "A", fromMe: true }, update: { status: 3 } },
      { key: { id: "A", fromMe: true }, update: { status: 3 } },
      { key: { id: "A", fromMe: true }, update: { status: 4 } },
      { key: { id: "A", fromMe: true }, update: { status: 5 } },
      { key: { id: "B", fromMe: true }, update: { status: 2 } },
      { key: { id: "B", fromMe: true }, update: { status: 0 } },
      { key: { id: "B", fromMe: true }, update: {} },
      { key: { id: "C", fromMe: false }, update: { status: 3 } },
      { key: { id: "", fromMe: true }, update: { status: 3 } },
      { key: null, update: { status: 3 } },
      { key: { id: "F", fromMe: true } },
      null,
    ]);
    sock.emit("message-receipt.update", [
      { key: { id: "A", fromMe: true }, receipt: { receiptTimestamp: 10 } },
      { key: { id: "D", fromMe: true }, receipt: { receiptTimestamp: 10, readTimestamp: 11 } },
    ]);
    sock.emit("message-receipt.update", null);
    expect(errors).toEqual([expect.any(TypeError)]);
    expect(fwd.pending).toBe(5);
    await fwd.flush();
    expect(calls.statuses).toEqual([
      [
        { sessionId: "s", messageId: "A", status: "delivered" },
        { sessionId: "s", messageId: "A", status: "read" },
        { sessionId: "s", messageId: "A", status: "played" },
      ],
      [
        { sessionId: "s", messageId: "D", status: "delivered", at: 10 },
        { sessionId: "s", messageId: "D", status: "read", at: 11 },
      ],
    ]);
    const next = evSocket();
    fwd.attach(next);
    expect([sock.listeners("messages.update"), sock.listeners("message-receipt.update")]).toEqual([0, 0]);
    next.emit("messages.update", [{ key: { id: "E", fromMe: true }, update: { status: 4 } }]);
    expect([fwd.pending, fwd.dropped]).toEqual([1, 0]);
    expect(await fwd.stop()).toBe(0);
    expect([next.listeners("messages.update"), next.listeners("message-receipt.update")]).toEqual([0, 0]);
    expect(calls.statuses[2]).toEqual([{ sessionId: "s", messageId: "E", status: "read" }]);

    const big = recordingGateway();
    const capped = forwardBaileysProgress(sock, big.gateway, "s", { flushMs: 1_000_000, maxBatch: 5_000 });
    sock.emit(
      "messages.update",
      Array.from({ length: LIMITS.ackEventsPerCall + 1 }, (_, i) => ({ key: { id: `P${i}`, fromMe: true }, update: { status: 3 } })),
    );
    await capped.flush();
    expect(big.calls.statuses.map((b) => b.length)).toEqual([LIMITS.ackEventsPerCall, 1]);
    const dflt = forwardBaileysProgress(sock, big.gateway, "s", { flushMs: 1_000_000 });
    sock.emit(
      "messages.update",
      Array.from({ length: 201 }, (_, i) => ({ key: { id: `Q${i}`, fromMe: true }, update: { status: 3 } })),
    );
    await dflt.flush();
    expect(big.calls.statuses.slice(-2).map((b) => b.length)).toEqual([200, 1]);
    await capped.stop();
    await dflt.stop();
  });
});

describe("Baileys: send errors", () => {
  it("toSendFailure: WhatsApp's error node (a Boom with a numeric data) is a SendFailure with that code", () => {
    const boom = Object.assign(new Error("not-acceptable"), { data: 406, output: { statusCode: 500 } });
    const f = toSendFailure(boom) as SendFailure;
    expect(f).toBeInstanceOf(SendFailure);
    expect([f.code, f.message]).toEqual([406, "not-acceptable"]);
    expect((toSendFailure(Object.assign(new Error("x"), { data: 0 })) as SendFailure).code).toBe(0);
    const same = new SendFailure(463, "restricted");
    expect(toSendFailure(same)).toBe(same);
  });

  it("toSendFailure: a connection failure is left as it is (the lease); anything else is a SendFailure without a code", () => {
    for (const statusCode of [401, 408, 428, 440, 500, 503, 515]) {
      const e = Object.assign(new Error("Connection Closed"), { output: { statusCode } });
      expect(toSendFailure(e)).toBe(e);
    }
    for (const data of [-1, 1.5, "463", null]) {
      const f = toSendFailure(Object.assign(new Error("odd"), { data, output: { statusCode: 400 } })) as SendFailure;
      expect([f instanceof SendFailure, f.code, f.message]).toEqual([true, null, "odd"]);
    }
    const text = toSendFailure("plain text") as SendFailure;
    expect([text.code, text.message]).toEqual([null, "plain text"]);
    const empty = toSendFailure(Object.assign(new Error(""), { data: 420 })) as SendFailure;
    expect([empty.code, empty.message]).toEqual([420, "Error"]);
    const none = toSendFailure(null) as SendFailure;
    expect([none.code, none.message]).toEqual([null, "null"]);
    const notText = toSendFailure({ message: 42, output: { statusCode: "428" } }) as SendFailure;
    expect([notText.code, notText.message]).toEqual([null, "[object Object]"]);
  });

  it("baileysSender sends on the current socket with the claimed id and reads the id it used", async () => {
    const item = { campaignId: 1, groupJid: "1@g.us", text: "hi", messageId: "3EB0AAA" } as ClaimedSend;
    const got: unknown[] = [];
    let answerKey: { key?: { id?: string | null } } | undefined = { key: { id: "OTHER" } };
    const send = baileysSender(() => ({
      sendMessage: async (jid, content, options) => {
        got.push([jid, content, options]);
        return answerKey;
      },
    }));
    const signal = new AbortController().signal;
    expect(await send(item, signal)).toBe("OTHER");
    answerKey = { key: { id: null } };
    expect(await send(item, signal)).toBe("3EB0AAA");
    answerKey = undefined;
    expect(await send(item, signal)).toBe("3EB0AAA");
    answerKey = {};
    expect(await send(item, signal)).toBe("3EB0AAA");
    expect(got[0]).toEqual(["1@g.us", { text: "hi" }, { messageId: "3EB0AAA" }]);
    const failing = baileysSender(() => ({
      sendMessage: async () => {
        throw Object.assign(new Error("forbidden"), { data: 403 });
      },
    }));
    await expect(failing(item, signal)).rejects.toMatchObject({ name: "SendFailure", code: 403, message: "forbidden" });
  });
});

// ---------------------------------------------------------------------------------------------
describe("WAHA group lists", () => {
  const parent = "120363000000000001@g.us";
  const child = "120363000000000002@g.us";

  it("wahaGroupEngine reads the engine from the item's shape", () => {
    expect(wahaGroupEngine(gowsGroupInfo(child, "A"))).toBe("GOWS");
    expect(wahaGroupEngine(webjsGroupChat(child, "A"))).toBe("WEBJS");
    expect(wahaGroupEngine({ id: child, subject: "A" })).toBe("NOWEB");
    expect(wahaGroupEngine({ id: { _serialized: child } })).toBeUndefined();
    expect(wahaGroupEngine([child])).toBeUndefined();
    expect(wahaGroupEngine(null)).toBeUndefined();
    expect(wahaGroupEngine(child)).toBeUndefined();
  });

  it("GOWS: whatsmeow's GroupInfo, community flags included; ParticipantCount 0 is the list's length", () => {
    expect(toBaileysGroupFromWaha(gowsGroupInfo(child, "Avisos", { linkedParent: parent, isDefaultSubGroup: true, members: 4 }))).toEqual({
      id: child,
      subject: "Avisos",
      size: 4,
      isCommunity: false,
      isCommunityAnnounce: true,
      linkedParent: parent,
      announce: true,
      restrict: false,
    });
    expect(toBaileysGroupFromWaha(gowsGroupInfo(parent, "Acme", { isParent: true }))).toEqual({
      id: parent,
      subject: "Acme",
      size: 3,
      isCommunity: true,
      isCommunityAnnounce: false,
      announce: false,
      restrict: false,
    });
    expect(toBaileysGroupFromWaha(gowsGroupInfo(child, "A", { members: 5, participantCount: 0 }))?.size).toBe(5);
    expect(toBaileysGroupFromWaha(gowsGroupInfo(child, "A", { members: 2, participantCount: 700 }))?.size).toBe(700);
    expect(toBaileysGroupFromWaha({ JID: child, ParticipantCount: 0 })).toEqual({ id: child, size: 0 });
    expect(toBaileysGroupFromWaha({ JID: child, IsLocked: true, IsAnnounce: "yes" })).toEqual({ id: child, restrict: true });
    expect(toBaileysGroupFromWaha({ JID: "", Name: "no id" })).toBeUndefined();
  });

  it("WEBJS: whatsapp-web.js' GroupChat (wids as {_serialized}), falling back to the chat's own fields", () => {
    expect(toBaileysGroupFromWaha(webjsGroupChat(child, "Avisos", { linkedParent: parent, isDefaultSubGroup: true, members: 4 }))).toEqual({
      id: child,
      subject: "Avisos",
      size: 4,
      isCommunity: false,
      isCommunityAnnounce: true,
      linkedParent: parent,
      announce: true,
      restrict: false,
    });
    expect(toBaileysGroupFromWaha({ groupMetadata: null, id: { _serialized: child }, name: "Chat name", participants: [{}, {}] })).toEqual({
      id: child,
      subject: "Chat name",
      size: 2,
    });
    expect(toBaileysGroupFromWaha({ groupMetadata: { size: 0, participants: [{}] }, id: { _serialized: child } })?.size).toBe(1);
    expect(toBaileysGroupFromWaha({ groupMetadata: { id: { _serialized: 7 } }, id: { user: "x" } })).toBeUndefined();
  });

  it("NOWEB: Baileys' GroupMetadata; an explicit engine wins over the shape; what is no group is left out", () => {
    const noweb = {
      id: child,
      subject: "A",
      size: 0,
      participants: [{}, {}, {}],
      isCommunity: false,
      linkedParent: "",
      restrict: true,
      owner: "x",
    };
    expect(toBaileysGroupFromWaha(noweb)).toEqual({ id: child, subject: "A", size: 3, isCommunity: false, restrict: true });
    expect(toBaileysGroupFromWaha({ id: child, size: 9, isCommunityAnnounce: true, announce: false, linkedParent: parent })).toEqual({
      id: child,
      size: 9,
      isCommunityAnnounce: true,
      announce: false,
      linkedParent: parent,
    });
    expect(toBaileysGroupFromWaha(noweb, "GOWS")).toBeUndefined();
    expect(toBaileysGroupFromWaha({ JID: child }, "NOWEB")).toBeUndefined();
    expect(toBaileysGroupFromWaha(noweb, "OTHER" as never)).toBeUndefined();
    expect(toBaileysGroupFromWaha("x")).toBeUndefined();
    expect(toBaileysGroupFromWaha(null, "GOWS")).toBeUndefined();
    expect(toBaileysGroupFromWaha([{ JID: child }], "GOWS")).toBeUndefined();
  });

  it("wahaGroupsToBaileys: a list or NOWEB's {id: group}, per item's engine unless given", () => {
    const g = { id: child, subject: "A" };
    expect(wahaGroupsToBaileys([gowsGroupInfo(parent, "P"), g, 5, null])).toEqual([
      expect.objectContaining({ id: parent, subject: "P" }),
      { id: child, subject: "A" },
    ]);
    expect(wahaGroupsToBaileys({ [child]: g })).toEqual([{ id: child, subject: "A" }]);
    expect(wahaGroupsToBaileys([g], "GOWS")).toEqual([]);
    expect(wahaGroupsToBaileys("nothing")).toEqual([]);
    expect(wahaGroupsToBaileys(null)).toEqual([]);
  });

  it("fetchWahaGroups: GET /api/{session}/groups with X-Api-Key; WAHA's refusals and non-JSON are WahaErrors", async () => {
    answer(200, [{ id: child }]);
    expect(await fetchWahaGroups({ url: `${base}//`, apiKey: "k" }, "a b/c")).toEqual([{ id: child }]);
    expect(lastSeen()).toMatchObject({
      method: "GET",
      url: "/api/a%20b%2Fc/groups",
      headers: { "x-api-key": "k", accept: "application/json" },
    });
    answer(200, []);
    await fetchWahaGroups({ url: base }, "s");
    expect(lastSeen().headers["x-api-key"]).toBeUndefined();
    answer(422, `{"message":"Session status is not as expected"}${"x".repeat(600)}`);
    const e = (await fetchWahaGroups({ url: base }, "s").catch((x: unknown) => x)) as WahaError;
    expect(e).toBeInstanceOf(WahaError);
    expect([e.name, e.status, e.message, e.body?.length]).toEqual(["WahaError", 422, "WAHA answered 422 to GET /api/s/groups", 500]);
    expect(e.body?.startsWith('{"message"')).toBe(true);
    answer(200, "<html>");
    const n = (await fetchWahaGroups({ url: base }, "s").catch((x: unknown) => x)) as WahaError;
    expect([n.name, n.status, n.message, n.body]).toEqual(["WahaError", 200, "WAHA's group list is not JSON", "<html>"]);
  });

  it("syncWahaGroups: posts the mapped list under the session (or sessionId); an empty one never", async () => {
    const { gateway, calls } = recordingGateway();
    answer(200, [gowsGroupInfo(child, "A")]);
    await syncWahaGroups({ url: base, session: "waha1" }, gateway);
    answer(200, [{ id: child, subject: "A" }]);
    await syncWahaGroups({ url: base, session: "waha1", sessionId: "backend1", engine: "NOWEB" }, gateway);
    expect(calls.syncGroups).toEqual([
      { sessionId: "waha1", groups: [expect.objectContaining({ id: child, subject: "A", size: 3 })] },
      { sessionId: "backend1", groups: [{ id: child, subject: "A" }] },
    ]);
    answer(200, [{ id: child }]);
    const e = await syncWahaGroups({ url: base, session: "waha1", engine: "GOWS" }, gateway).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "empty_group_list", status: 422, message: expect.stringContaining("session waha1") });
    expect(calls.syncGroups.length).toBe(2);
  });
});

describe("Evolution group lists", () => {
  const parent = "120363000000000001@g.us";
  const child = "120363000000000002@g.us";

  it("toBaileysGroupFromEvolution: fetchAllGroups' items, community flags included; size from the count or the list", () => {
    expect(
      toBaileysGroupFromEvolution(evolutionFetchedGroup(child, "Avisos", { linkedParent: parent, isCommunityAnnounce: true, members: 4 })),
    ).toEqual({
      id: child,
      subject: "Avisos",
      size: 4,
      isCommunity: false,
      isCommunityAnnounce: true,
      linkedParent: parent,
      announce: true,
      restrict: false,
    });
    expect(toBaileysGroupFromEvolution({ id: child, subject: "", size: 0, participants: [{}, {}] })).toEqual({
      id: child,
      subject: "",
      size: 2,
    });
    expect(toBaileysGroupFromEvolution({ id: child, size: 0 })).toEqual({ id: child, size: 0 });
    expect(toBaileysGroupFromEvolution({ id: child, size: "3", participants: [{}] })).toEqual({ id: child, size: 1 });
    expect(toBaileysGroupFromEvolution({ id: child, subject: 5, linkedParent: "", restrict: "no" })).toEqual({ id: child });
    expect(toBaileysGroupFromEvolution({ id: "" })).toBeUndefined();
    expect(toBaileysGroupFromEvolution({ subject: "no id" })).toBeUndefined();
    expect(toBaileysGroupFromEvolution([child])).toBeUndefined();
    expect(toBaileysGroupFromEvolution(null)).toBeUndefined();
  });

  it("evolutionGroupsToBaileys: the bare array, without what is no group", () => {
    expect(evolutionGroupsToBaileys([{ id: child }, { subject: "x" }, null])).toEqual([{ id: child }]);
    expect(evolutionGroupsToBaileys({ id: child })).toEqual([]);
  });

  it("fetchEvolutionGroups: GET /group/fetchAllGroups/{instance}?getParticipants=false with apikey; errors are EvolutionErrors", async () => {
    answer(200, [{ id: child }]);
    expect(await fetchEvolutionGroups({ url: `${base}//`, apiKey: "k" }, "inst 1")).toEqual([{ id: child }]);
    expect(lastSeen()).toMatchObject({
      method: "GET",
      url: "/group/fetchAllGroups/inst%201?getParticipants=false",
      headers: { apikey: "k", accept: "application/json" },
    });
    answer(401, `{"status":401,"error":"Unauthorized"}${"x".repeat(600)}`);
    const e = (await fetchEvolutionGroups({ url: base, apiKey: "bad" }, "i").catch((x: unknown) => x)) as EvolutionError;
    expect(e).toBeInstanceOf(EvolutionError);
    expect([e.name, e.status, e.message, e.body?.length]).toEqual([
      "EvolutionError",
      401,
      "Evolution answered 401 to GET /group/fetchAllGroups/i?getParticipants=false",
      500,
    ]);
    answer(200, "not json");
    const n = (await fetchEvolutionGroups({ url: base, apiKey: "k" }, "i").catch((x: unknown) => x)) as EvolutionError;
    expect([n.status, n.message, n.body]).toEqual([200, "Evolution's group list is not JSON", "not json"]);
    answer(200, { id: child });
    const o = (await fetchEvolutionGroups({ url: base, apiKey: "k" }, "i").catch((x: unknown) => x)) as EvolutionError;
    expect([o.status, o.message, o.body]).toEqual([200, "Evolution's group list is not an array", JSON.stringify({ id: child })]);
  });

  it("syncEvolutionGroups: posts under the instance (or sessionId); an empty list never", async () => {
    const { gateway, calls } = recordingGateway();
    answer(200, [evolutionFetchedGroup(child, "A")]);
    await syncEvolutionGroups({ url: base, apiKey: "k", instance: "evo1" }, gateway);
    answer(200, [{ id: child }]);
    await syncEvolutionGroups({ url: base, apiKey: "k", instance: "evo1", sessionId: "backend1" }, gateway);
    expect(calls.syncGroups).toEqual([
      { sessionId: "evo1", groups: [expect.objectContaining({ id: child, subject: "A", size: 3 })] },
      { sessionId: "backend1", groups: [{ id: child }] },
    ]);
    answer(200, [{ subject: "no id" }]);
    const e = await syncEvolutionGroups({ url: base, apiKey: "k", instance: "evo1" }, gateway).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "empty_group_list", status: 422, message: expect.stringContaining("instance evo1") });
    expect(calls.syncGroups.length).toBe(2);
  });
});

describe("WAHA send answers", () => {
  it("wahaKeyId: the key id inside {fromMe}_{chat}_{id}[_{participant}], else the id itself", () => {
    expect(wahaKeyId("true_120363000000000002@g.us_3EB0ABC_5511999999999@c.us")).toBe("3EB0ABC");
    expect(wahaKeyId("false_1@g.us_3EB0ABC")).toBe("3EB0ABC");
    expect(wahaKeyId("3EB0ABC")).toBe("3EB0ABC");
    expect(wahaKeyId("true_1@g.us")).toBe("true_1@g.us");
    expect(wahaKeyId("true_1@g.us_")).toBe("true_1@g.us_");
    expect(wahaKeyId("maybe_1@g.us_3EB0ABC")).toBe("maybe_1@g.us_3EB0ABC");
  });

  it("wahaSentId: GOWS {id}, NOWEB {key: {id}}, WEBJS {id: {id | _serialized}}; undefined without one", () => {
    expect(wahaSentId({ id: "true_1@g.us_GOWSID_me" })).toBe("GOWSID");
    expect(wahaSentId({ id: "", key: { id: "NOWEBID" } })).toBe("NOWEBID");
    expect(wahaSentId({ key: { id: "" } })).toBeUndefined();
    expect(wahaSentId({ id: { id: "WEBJSID", _serialized: "true_1@g.us_OTHER" } })).toBe("WEBJSID");
    expect(wahaSentId({ id: { id: "", _serialized: "true_1@g.us_SERIAL" } })).toBe("SERIAL");
    expect(wahaSentId({ id: { _serialized: "" } })).toBeUndefined();
    expect(wahaSentId({ id: 5 })).toBeUndefined();
    expect(wahaSentId([{ id: "X" }])).toBeUndefined();
    expect(wahaSentId(null)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
describe("abortAfter", () => {
  const onAbort = (s: AbortSignal) =>
    new Promise<unknown>((r) => (s.aborted ? r(s.reason) : s.addEventListener("abort", () => r(s.reason))));
  for (const withAny of [true, false]) {
    describe(withAny ? "with AbortSignal.any" : "without AbortSignal.any (Node 20.0 to 20.2)", () => {
      const run = async (f: () => Promise<void>) => {
        const any = AbortSignal.any;
        if (!withAny) (AbortSignal as { any?: unknown }).any = undefined;
        try {
          await f();
        } finally {
          (AbortSignal as { any?: unknown }).any = any;
        }
      };
      it("aborts with the caller's signal, with its reason", () =>
        run(async () => {
          const c = new AbortController();
          const s = abortAfter(c.signal, 60_000);
          expect(s.aborted).toBe(false);
          c.abort("stop");
          expect(await onAbort(s)).toBe("stop");
        }));
      it("aborts at once when the caller's signal already has", () =>
        run(async () => {
          const c = new AbortController();
          c.abort("before");
          const s = abortAfter(c.signal, 60_000);
          expect([s.aborted, s.reason]).toEqual([true, "before"]);
        }));
      it("aborts after ms with a TimeoutError", () =>
        run(async () => {
          const s = abortAfter(new AbortController().signal, 1);
          expect(await onAbort(s)).toMatchObject({ name: "TimeoutError" });
        }));
    });
  }
});

describe("the request the client builds", () => {
  it("apiClient: the URL without its trailing slash, x-api-key, a Bearer JWT and extra headers", async () => {
    answer(200, { ok: true });
    const c = apiClient({ url: `${base}/`, apiKey: "wak_x", jwt: "a.b.c", headers: { apikey: "anon" } });
    expect(await callRpc(c, "sync_groups", { sessionId: "s" }, { "Idempotency-Key": '"k"' })).toEqual({ ok: true });
    const r = lastSeen();
    expect([r.method, r.url, JSON.parse(r.body)]).toEqual(["POST", "/rpc/sync_groups", { sessionId: "s" }]);
    expect(r.headers).toMatchObject({
      "x-api-key": "wak_x",
      authorization: "Bearer a.b.c",
      apikey: "anon",
      "idempotency-key": '"k"',
      "content-profile": "api",
    });
    answer(200, []);
    await callRpc(apiClient({ url: base }), "claim_sends", {});
    expect(lastSeen().headers["x-api-key"]).toBeUndefined();
    expect(lastSeen().headers.authorization).toBeUndefined();
    expect(() => apiClient({ url: "" })).toThrow(new TypeError("url is required"));
  });

  it("callRpc and unwrap throw BackendError from the answer", async () => {
    answer(422, { code: "invalid_sends", message: "bad", details: '{"index": 2}', hint: null });
    const e = (await callRpc(apiClient({ url: base }), "claim_sends", {}).catch((x: unknown) => x)) as BackendError;
    expect([e.name, e.code, e.status, e.details]).toEqual(["BackendError", "invalid_sends", 422, { index: 2 }]);
    expect(unwrap({ data: [1], error: null, status: 200 })).toEqual([1]);
    expect(() => unwrap({ data: null, error: { code: "forbidden", message: "no" }, status: 403 })).toThrow(
      expect.objectContaining({ code: "forbidden", status: 403 }),
    );
  });

  it("compactGroup keeps the stored fields and the participants' count", () => {
    const g = { id: "1@g.us", subject: "A", participants: [{}, {}], owner: "x", desc: "d", announce: false } as unknown as BaileysGroup;
    expect(compactGroup(g)).toEqual({ id: "1@g.us", subject: "A", size: 2, announce: false });
    expect(compactGroup({ ...g, size: 7 } as BaileysGroup)).toMatchObject({ size: 7 });
    expect(compactGroup({ id: "1@g.us", participants: "x" } as unknown as BaileysGroup)).toEqual({ id: "1@g.us" });
  });
});

// WAHA's and Evolution's send answers beyond gateway-senders.test.ts (the fixtures there name the
// sources): NestJS' validation refusal (`message` a list), an error that is no Boom, bodies that
// are empty or not JSON, and the connection troubles Evolution reports as a 400.
describe("the senders' answers", () => {
  const claimed = { campaignId: 1, groupJid: "120363000000000002@g.us", text: "hi", messageId: "3EB0ABC" } as ClaimedSend;
  const signal = new AbortController().signal;
  const waha = (o: Partial<Parameters<typeof wahaSender>[0]> = {}) => wahaSender({ url: base, session: "default", ...o });
  const evo = (o: Partial<Parameters<typeof evolutionSender>[0]> = {}) => evolutionSender({ url: base, apiKey: "k", instance: "i", ...o });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.unreachable("it should have thrown"),
      (e: unknown) => e,
    );

  it("WAHA: a 400 is a SendFailure with NestJS' messages joined; a 500 error that is no Boom too", async () => {
    answer(400, { statusCode: 400, message: ["chatId must be a string", "text should not be empty"], error: "Bad Request" });
    const v = (await failure(waha()(claimed, signal))) as SendFailure;
    expect([v instanceof SendFailure, v.code, v.message, v.gatewayStatus]).toEqual([
      true,
      null,
      "chatId must be a string; text should not be empty",
      400,
    ]);
    answer(500, { statusCode: 500, exception: { message: "Cannot read properties of undefined", name: "TypeError" } });
    const t = (await failure(waha()(claimed, signal))) as SendFailure;
    expect([t instanceof SendFailure, t.code, t.message, t.gatewayStatus]).toEqual([
      true,
      null,
      "Cannot read properties of undefined",
      500,
    ]);
    answer(400, "");
    const empty = (await failure(waha()(claimed, signal))) as SendFailure;
    expect([empty instanceof SendFailure, empty.message]).toEqual([true, "WAHA answered 400"]);
  });

  it("WAHA: a 5xx without the error's properties, or not JSON, is a WahaError with the body", async () => {
    answer(502, "<html>Bad Gateway</html>");
    const e = (await failure(waha()(claimed, signal))) as WahaError;
    expect([e instanceof WahaError, e.status, e.message, e.body]).toEqual([true, 502, "WAHA answered 502", "<html>Bad Gateway</html>"]);
    answer(503, { statusCode: 503, message: "busy" });
    const m = (await failure(waha()(claimed, signal))) as WahaError;
    expect([m instanceof WahaError, m.message]).toEqual([true, "busy"]);
    answer(500, { statusCode: 500, exception: "text" });
    expect(await failure(waha()(claimed, signal))).toBeInstanceOf(WahaError);
    answer(201, "");
    expect(await waha()(claimed, signal)).toBeUndefined();
    answer(201, "not json");
    expect(await waha()(claimed, signal)).toBeUndefined();
    expect(lastSeen().headers).toMatchObject({ "content-type": "application/json", accept: "application/json" });
  });

  it("WAHA: the caller's abort and timeoutMs end a send that gets no answer", async () => {
    answer(0, "");
    const c = new AbortController();
    const before = seen.length;
    const pending = waha()(claimed, c.signal);
    for (let i = 0; i < 200 && seen.length === before; i++) await new Promise((r) => setTimeout(r, 5)); // WAHA has the request
    c.abort(new Error("stopping"));
    expect(await failure(pending)).toMatchObject({ message: "stopping" });
    answer(0, "");
    expect(await failure(waha({ timeoutMs: 20 })(claimed, signal))).toMatchObject({ name: "TimeoutError" });
  });

  it("Evolution: no delay unless asked; the answer's key.id or nothing", async () => {
    answer(201, { key: { remoteJid: claimed.groupJid, fromMe: true, id: "EVO1" } });
    expect(await evo({ url: `${base}/` })(claimed, signal)).toBe("EVO1");
    expect(lastSeen()).toMatchObject({
      url: "/message/sendText/i",
      headers: { apikey: "k", accept: "application/json", "content-type": "application/json" },
    });
    expect(JSON.parse(lastSeen().body)).toEqual({ number: claimed.groupJid, text: "hi" });
    for (const body of ["", "not json", { key: { id: "" } }, { key: "EVO1" }, { id: "EVO1" }]) {
      answer(201, body);
      expect(await evo()(claimed, signal)).toBeUndefined();
    }
    // The timeout covers Evolution's typing delay too.
    answer(201, { key: { id: "EVO2" } });
    expect(await evo({ timeoutMs: 1, delayMs: 60_000 })(claimed, signal)).toBe("EVO2");
    expect(JSON.parse(lastSeen().body)).toEqual({ number: claimed.groupJid, text: "hi", delay: 60_000 });
    answer(0, "");
    expect(await failure(evo({ timeoutMs: 20 })(claimed, signal))).toMatchObject({ name: "TimeoutError" });
  });

  it("Evolution: a 400 is a SendFailure unless it says the connection was down", async () => {
    const refused = async (message: unknown) => {
      answer(400, { status: 400, error: "Bad Request", response: { message } });
      return failure(evo()(claimed, signal));
    };
    for (const m of ["Error: Connection Closed", "connection lost", "Timed Out", "instance not connected", "Socket hang up"]) {
      const e = (await refused([m])) as EvolutionError;
      expect([e instanceof EvolutionError, e.status, e.message]).toEqual([true, 400, m]);
    }
    const f = (await refused(["not-authorized", { jid: "x", exists: false }])) as SendFailure;
    expect([f instanceof SendFailure, f.code, f.message, f.gatewayStatus]).toEqual([
      true,
      null,
      'not-authorized; {"jid":"x","exists":false}',
      400,
    ]);
    const one = (await refused("a text")) as SendFailure;
    expect([one instanceof SendFailure, one.message]).toEqual([true, "a text"]);
    const none = (await refused(undefined)) as SendFailure;
    expect([none instanceof SendFailure, none.message]).toEqual([true, "Evolution API answered 400"]);
    answer(500, "Internal Server Error");
    const e = (await failure(evo()(claimed, signal))) as EvolutionError;
    expect([e instanceof EvolutionError, e.status, e.message, e.body]).toEqual([
      true,
      500,
      "Evolution API answered 500",
      "Internal Server Error",
    ]);
    answer(400, { response: "no" });
    expect(((await failure(evo()(claimed, signal))) as SendFailure).message).toBe("Evolution API answered 400");
  });
});

// What the CRM, ops and gateway clients ask PostgREST for (the query string postgrest-js builds,
// the RPC and its body), against the local server; the answers of the real API to the same calls:
// crm-client, crm-reads-never-truncate, ops-and-lifecycle-client, gateway-client.
describe("the clients' requests", () => {
  const path = (r: Seen) => decodeURIComponent(r.url);
  const since = () => {
    const from = seen.length;
    return () => seen.slice(from);
  };

  it("ops: the backlog, the quarantine (100 by default), error codes (of one campaign), the RPCs", async () => {
    const ops = createOpsClient({ url: `${base}/`, apiKey: "wak_ops" });
    const taken = since();
    answer(200, [{ session_id: "s" }]);
    expect(await ops.ackBacklog()).toEqual([{ session_id: "s" }]);
    answer(200, "null");
    expect(await ops.quarantine()).toEqual([]);
    answer(200, []);
    await ops.quarantine(5);
    answer(200, "null");
    expect(await ops.errorCodes()).toEqual([]);
    answer(200, []);
    await ops.errorCodes(7);
    answer(200, { expired: 1 });
    expect(await ops.expireUnmatchedAcks(60)).toEqual({ expired: 1 });
    answer(200, { resolved: 1 });
    await ops.resolveQuarantined({ ids: [1], action: "dismiss" } as never);
    answer(200, "null");
    expect(await ops.ackBacklog()).toEqual([]);
    const r = taken();
    expect(r.map((x) => `${x.method} ${path(x)}`)).toEqual([
      "GET /ack_backlog?select=*&order=oldest_received_at.asc",
      "GET /quarantine?select=*&resolved_at=is.null&order=id.asc&limit=100",
      "GET /quarantine?select=*&resolved_at=is.null&order=id.asc&limit=5",
      "GET /error_codes?select=*&order=failures.desc",
      "GET /error_codes?select=*&campaign_id=eq.7&order=failures.desc",
      "POST /rpc/expire_unmatched_acks",
      "POST /rpc/resolve_quarantined",
      "GET /ack_backlog?select=*&order=oldest_received_at.asc",
    ]);
    expect(r[0]!.headers["x-api-key"]).toBe("wak_ops");
    expect(JSON.parse(r[5]!.body)).toEqual({ olderThanSeconds: 60 });
    expect(JSON.parse(r[6]!.body)).toEqual({ ids: [1], action: "dismiss" });
  });

  it("ops: metrics is GET /rpc/metrics as text; a refusal is a BackendError with the backend's code", async () => {
    const ops = createOpsClient({ url: `${base}/`, apiKey: "wak_ops" });
    answer(200, "# TYPE wa_up gauge\nwa_up 1\n");
    expect(await ops.metrics()).toBe("# TYPE wa_up gauge\nwa_up 1\n");
    expect([lastSeen().method, lastSeen().url, lastSeen().headers["x-api-key"]]).toEqual(["GET", "/rpc/metrics", "wak_ops"]);
    answer(403, { code: "forbidden", message: "Not for this key" });
    const f = (await ops.metrics().catch((x: unknown) => x)) as BackendError;
    expect([f instanceof BackendError, f.code, f.status, f.message]).toEqual([true, "forbidden", 403, "Not for this key"]);
    answer(502, "Bad Gateway");
    const g = (await ops.metrics().catch((x: unknown) => x)) as BackendError;
    expect([g.code, g.status, g.message]).toEqual(["network_error", 502, "Bad Gateway"]);
    answer(500, { hint: "x" });
    const h = (await ops.metrics().catch((x: unknown) => x)) as BackendError;
    expect([h.code, h.message]).toEqual(["network_error", '{"hint":"x"}']);
  });

  it("crm: list reads page by keyset until an empty page or the limit, with their filters", async () => {
    const crm = createCrmClient({ url: base, apiKey: "wak_crm" });
    const taken = since();
    answer(200, [{ id: 9 }, { id: 8 }]);
    expect(await crm.listCampaigns({ status: "draft", sessionId: "s1", limit: 2 })).toEqual([{ id: 9 }, { id: 8 }]);
    answer(200, [{ id: 9 }]);
    answer(200, []);
    expect(await crm.listCampaigns()).toEqual([{ id: 9 }]);
    answer(200, [{ id: 3 }]);
    answer(200, "null");
    expect(await crm.listFailedGroups(1)).toEqual([{ id: 3 }]);
    answer(200, [{ id: 4 }]);
    await crm.listCampaignGroups(1, { limit: 1 });
    answer(200, [{ group_jid: "a" }]);
    answer(200, []);
    await crm.listSendableGroups("s1");
    answer(200, [{ session_id: "a" }]);
    answer(200, []);
    await crm.listSessions();
    answer(200, []);
    expect(await crm.listSessions({ limit: 5 })).toEqual([]);
    expect(taken().map((x) => `${x.method} ${path(x)}`)).toEqual([
      "GET /campaigns?select=*&status=eq.draft&session_id=eq.s1&order=id.desc&limit=2",
      "GET /campaigns?select=*&order=id.desc&limit=1000",
      "GET /campaigns?select=*&id=lt.9&order=id.desc&limit=1000",
      "GET /campaign_groups?select=*&campaign_id=eq.1&status=eq.failed&order=id.asc&limit=1000",
      "GET /campaign_groups?select=*&campaign_id=eq.1&status=eq.failed&id=gt.3&order=id.asc&limit=1000",
      "GET /campaign_groups?select=*&campaign_id=eq.1&order=id.asc&limit=1",
      "GET /sendable_groups?select=*&session_id=eq.s1&order=group_jid.asc&limit=1000",
      "GET /sendable_groups?select=*&session_id=eq.s1&group_jid=gt.a&order=group_jid.asc&limit=1000",
      "GET /sessions?select=*&order=session_id.asc&limit=1000",
      "GET /sessions?select=*&session_id=gt.a&order=session_id.asc&limit=1000",
      "GET /sessions?select=*&order=session_id.asc&limit=5",
    ]);
  });

  it("crm: the campaign and session RPCs and their bodies; getCampaign of none is campaign_not_found", async () => {
    const crm = createCrmClient({ url: base, jwt: "a.b.c" });
    const taken = since();
    for (let i = 0; i < 9; i++) answer(200, { ok: i });
    await crm.scheduleCampaign(1);
    await crm.scheduleCampaign(1, false);
    await crm.scheduleCampaign(1, true, { at: new Date(Date.UTC(2026, 11, 8, 9)), sendBefore: "2026-12-08T18:00:00-03:00" });
    await crm.cancelCampaign(2);
    await crm.pauseCampaign(3);
    await crm.resumeCampaign(4);
    await crm.clearSessionRestriction("s1");
    await crm.configureSession({ sessionId: "s1", ratePerMinute: 20 } as never);
    expect(await crm.resumeSession("s2")).toEqual({ ok: 8 });
    const r = taken();
    expect(r.map((x) => [path(x), JSON.parse(x.body)])).toEqual([
      ["/rpc/schedule_campaign", { campaignId: 1, scheduled: true }],
      ["/rpc/schedule_campaign", { campaignId: 1, scheduled: false }],
      [
        "/rpc/schedule_campaign",
        { campaignId: 1, scheduled: true, at: "2026-12-08T09:00:00.000Z", sendBefore: "2026-12-08T21:00:00.000Z" },
      ],
      ["/rpc/cancel_campaign", { campaignId: 2 }],
      ["/rpc/pause_campaign", { campaignId: 3 }],
      ["/rpc/resume_campaign", { campaignId: 4 }],
      ["/rpc/clear_session_restriction", { sessionId: "s1" }],
      ["/rpc/configure_session", { sessionId: "s1", ratePerMinute: 20 }],
      ["/rpc/resume_session", { sessionId: "s2" }],
    ]);
    expect(r[0]!.headers.authorization).toBe("Bearer a.b.c");
    answer(200, []);
    const e = (await crm.getCampaign(42).catch((x: unknown) => x)) as BackendError;
    expect([e instanceof BackendError, e.code, e.status, e.message]).toEqual([
      true,
      "campaign_not_found",
      404,
      "Campaign 42 does not exist.",
    ]);
    expect(path(lastSeen())).toBe("/campaigns?select=*&id=eq.42");
    answer(200, [{ id: 42 }]);
    expect(await crm.getCampaign(42)).toEqual({ id: 42 });
  });

  it("crm: each create sends one quoted Idempotency-Key, a new one per logical call", async () => {
    const crm = createCrmClient({ url: base, apiKey: "k" });
    answer(200, { campaignId: 1 });
    answer(200, { campaignId: 2 });
    await crm.createCampaign({ name: "n", message: "m", sessionId: "s", groupJids: [] } as never);
    const first = lastSeen().headers["idempotency-key"] as string;
    await crm.retryFailedGroups({ campaignId: 1 } as never);
    const second = lastSeen().headers["idempotency-key"] as string;
    expect(path(lastSeen())).toBe("/rpc/retry_failed_groups");
    expect(first).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(second).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(first).not.toBe(second);
  });

  it("gateway: sync_groups compacted, batches always {events}, claim_sends with max only when given", async () => {
    const gw = createGatewayClient({ url: base, apiKey: "k" });
    const taken = since();
    for (let i = 0; i < 8; i++) answer(200, {});
    await gw.syncGroups({
      sessionId: "s",
      groups: [{ id: "1@g.us", subject: "A", participants: [{}, {}], owner: "x" }, null, "x"],
    } as never);
    await gw.syncGroups({ sessionId: "s" } as never);
    await gw.recordMessageError([{ messageId: "a" }] as never);
    await gw.recordMessageError({ event: "message_error", messageId: "b" } as never);
    await gw.recordMessageStatus([{ messageId: "c" }] as never);
    await gw.recordMessageStatus({ messageId: "d" } as never);
    await gw.claimSends("s");
    await gw.claimSends("s", 0);
    expect(taken().map((x) => [path(x), JSON.parse(x.body)])).toEqual([
      ["/rpc/sync_groups", { sessionId: "s", groups: [{ id: "1@g.us", subject: "A", size: 2 }, null, "x"] }],
      ["/rpc/sync_groups", { sessionId: "s" }],
      ["/rpc/record_message_error", { events: [{ messageId: "a" }] }],
      ["/rpc/record_message_error", { event: "message_error", messageId: "b" }],
      ["/rpc/record_message_status", { events: [{ messageId: "c" }] }],
      ["/rpc/record_message_status", { messageId: "d" }],
      ["/rpc/claim_sends", { sessionId: "s" }],
      ["/rpc/claim_sends", { sessionId: "s", max: 0 }],
    ]);
  });
});
