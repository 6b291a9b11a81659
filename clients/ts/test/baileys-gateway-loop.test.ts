// runBaileysGateway's life cycle on vitest's clock: sockets whose `ev` is an EventEmitter (as
// Baileys' own) emitting connection.update as Baileys does ({connection: "open" | "close",
// lastDisconnect: {error: Boom with output.statusCode}}, lib/Types/Events.d.ts), a GatewayClient
// that records what is posted. The group sync on open and every syncEveryMs, the reconnect back-off
// (2 s doubling to 60 s, reset by an open), a logout (401) ending it, a connect() that fails, the
// dispatcher per open connection, and stop(). The same gateway over real Baileys sockets and the
// real API: baileys-gateway-outage.test.ts, baileys-dispatch-real-socket.test.ts. Written for
// Stryker's survivors (docs/testing.md, "Stryker").
import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BackendError,
  runBaileysGateway,
  type BaileysGatewayOptions,
  type BaileysGatewaySocket,
  type ClaimSendsResponse,
  type GatewayClient,
} from "../src/index.js";

const GROUP = "120363000000000001@g.us";

interface FakeSocket extends BaileysGatewaySocket {
  emitter: EventEmitter;
  ended: number;
  open(): void;
  close(statusCode?: number): void;
  sent: unknown[];
}

function fakeSocket(groups: Record<string, unknown> = { [GROUP]: { id: GROUP, subject: "A", participants: [] } }): FakeSocket {
  const emitter = new EventEmitter();
  const s: FakeSocket = {
    emitter,
    ended: 0,
    sent: [],
    groupFetchAllParticipating: async () => groups as never,
    ev: {
      on: (e: string, l: (...a: unknown[]) => void) => emitter.on(e, l),
      off: (e: string, l: (...a: unknown[]) => void) => emitter.off(e, l),
    } as never,
    end: () => {
      s.ended++;
    },
    sendMessage: async (jid, content, options) => {
      s.sent.push([jid, content, options]);
      return { key: { id: options.messageId } };
    },
    open: () => emitter.emit("connection.update", { connection: "open" }),
    close: (statusCode = 428) =>
      emitter.emit("connection.update", { connection: "close", lastDisconnect: { error: { output: { statusCode } } } }),
  };
  return s;
}

function recordingGateway(claims: ClaimSendsResponse[] = []) {
  const calls = { sync: [] as number[], errors: 0, statuses: 0, sent: [] as unknown[] };
  const gateway: GatewayClient = {
    syncGroups: async (p) => {
      calls.sync.push(Date.now());
      return { inserted: p.groups.length } as never;
    },
    recordMessageError: async () => {
      calls.errors++;
      return {} as never;
    },
    recordMessageStatus: async () => {
      calls.statuses++;
      return {} as never;
    },
    claimSends: async () => claims.shift() ?? { sends: [], nextAt: null, held: null },
    recordSent: async (_campaignId, sends) => {
      calls.sent.push(...sends);
      return {} as never;
    },
  };
  return { gateway, calls };
}

/** Sockets handed out by connect(), in order; `made` lists them. */
function connector(fail: (n: number) => boolean = () => false) {
  const made: FakeSocket[] = [];
  const connect = async () => {
    if (fail(made.length + 1)) {
      made.push(undefined as never);
      throw new Error("cannot connect");
    }
    const s = fakeSocket();
    made.push(s);
    return s;
  };
  return { connect, made, last: () => made[made.length - 1]! };
}

const T0 = Date.parse("2026-12-01T12:00:00.000Z");
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function start(o: Partial<BaileysGatewayOptions> & Pick<BaileysGatewayOptions, "connect" | "gateway">) {
  const errors: unknown[] = [];
  const g = await runBaileysGateway({ sessionId: "s1", onError: (e) => errors.push(e), ...o });
  return { g, errors };
}

describe("runBaileysGateway", () => {
  it("syncs the groups on every open and every 6 h by default while connected; onSync gets the result", async () => {
    const c = connector();
    const { gateway, calls } = recordingGateway();
    const synced: unknown[] = [];
    const { g } = await start({ connect: c.connect, gateway, onSync: (r) => synced.push(r) });
    expect(calls.sync).toEqual([]);
    c.last().open();
    await tick(0);
    expect(calls.sync.map((t) => t - T0)).toEqual([0]);
    expect(synced).toEqual([{ inserted: 1 }]);
    await tick(6 * 3600_000 - 1);
    expect(calls.sync.length).toBe(1);
    await tick(1);
    expect(calls.sync.length).toBe(2);
    c.last().open(); // a second open keeps the one timer
    await tick(6 * 3600_000);
    expect(calls.sync.length).toBe(4);
    expect(await g.stop()).toBe(0);
    await tick(6 * 3600_000);
    expect(calls.sync.length).toBe(4);
  });

  it("syncEveryMs: its own period, or 0 for open only; a close stops the period", async () => {
    const c = connector();
    const { gateway, calls } = recordingGateway();
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 1_000, reconnectDelayMs: 100_000 });
    c.last().open();
    await tick(3_000);
    expect(calls.sync.length).toBe(4);
    c.last().close();
    await tick(5_000);
    expect(calls.sync.length).toBe(4);
    await g.stop();

    const d = connector();
    const h = recordingGateway();
    const { g: g2 } = await start({ connect: d.connect, gateway: h.gateway, syncEveryMs: 0 });
    d.last().open();
    await tick(24 * 3600_000);
    expect(h.calls.sync.length).toBe(1);
    await g2.stop();
  });

  it("a failed sync (no groups yet) and a throwing onSync go to onError or nowhere, never unhandled", async () => {
    const empty = fakeSocket({});
    const { gateway, calls } = recordingGateway();
    const { g, errors } = await start({ connect: () => empty, gateway, syncEveryMs: 0 });
    empty.open();
    await tick(0);
    expect(errors).toEqual([expect.objectContaining({ code: "empty_group_list" })]);
    expect(calls.sync).toEqual([]);
    await g.stop();
    const c = connector();
    const { g: g2, errors: e2 } = await start({
      connect: c.connect,
      gateway,
      syncEveryMs: 0,
      onSync: () => {
        throw new Error("onSync's own");
      },
    });
    c.last().open();
    await tick(0);
    expect(e2).toEqual([]);
    await g2.stop();
  });

  it("reconnects after a close: 2 s, doubling while closes repeat, at most 60 s; an open starts again at 2 s", async () => {
    const c = connector();
    const { gateway } = recordingGateway();
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 0 });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = c.made.length;
      const t = Date.now();
      c.last().close();
      for (let waited = 0; c.made.length === before && waited < 120_000; waited += 100) await tick(100);
      delays.push(Date.now() - t);
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(g.reconnects).toBe(7);
    expect(g.socket).toBe(c.last());
    c.last().open();
    c.last().close();
    await tick(1_999);
    expect(c.made.length).toBe(8);
    await tick(1);
    expect(c.made.length).toBe(9);
    // The old socket's events no longer reach the gateway.
    c.made[0]!.close();
    await tick(120_000);
    expect(c.made.length).toBe(9);
    await g.stop();
  });

  it("reconnectDelayMs sets the first wait; a connect() that throws is reported and tried again, the wait doubling", async () => {
    const c = connector((n) => n === 2 || n === 3);
    const { gateway } = recordingGateway();
    const { g, errors } = await start({ connect: c.connect, gateway, reconnectDelayMs: 500, syncEveryMs: 0 });
    c.last().close();
    await tick(499);
    expect(c.made.length).toBe(1);
    await tick(1); // 2nd: fails
    expect(c.made.length).toBe(2);
    await tick(1_999); // waits 2 × 1,000 since the delay doubled at the close too
    expect(c.made.length).toBe(2);
    await tick(1);
    expect(c.made.length).toBe(3); // 3rd: fails
    await tick(4_000);
    expect(c.made.length).toBe(4);
    expect(errors).toEqual([
      expect.objectContaining({ message: "cannot connect" }),
      expect.objectContaining({ message: "cannot connect" }),
    ]);
    expect(g.reconnects).toBe(1);
    await g.stop();
  });

  it("logged out (401): no reconnect, onLoggedOut is told (its exception ignored)", async () => {
    const c = connector();
    const { gateway } = recordingGateway();
    let told = 0;
    const { g, errors } = await start({
      connect: c.connect,
      gateway,
      onLoggedOut: () => {
        told++;
        throw new Error("onLoggedOut's own");
      },
    });
    c.last().close(401);
    await tick(600_000);
    expect([told, c.made.length, g.reconnects]).toEqual([1, 1, 0]);
    expect(errors).toEqual([]);
    await g.stop();
  });

  it("stop(): ends the socket, stops reconnecting, and a socket connected meanwhile is ended at once", async () => {
    let release!: () => void;
    const second = fakeSocket();
    let n = 0;
    const first = fakeSocket();
    const connect = () => {
      n++;
      if (n === 1) return first;
      return new Promise<FakeSocket>((r) => {
        release = () => r(second);
      });
    };
    const { gateway } = recordingGateway();
    const { g } = await start({ connect, gateway, syncEveryMs: 0 });
    first.close();
    await tick(2_000);
    expect(n).toBe(2);
    const left = g.stop();
    release();
    expect(await left).toBe(0);
    expect([first.ended, second.ended]).toEqual([1, 1]);
    expect(g.socket).toBe(first);

    const c = connector();
    const { g: g2 } = await start({ connect: c.connect, gateway, syncEveryMs: 0 });
    c.last().close();
    await g2.stop();
    await tick(120_000);
    expect(c.made.length).toBe(1);
    c.last().close(); // after stop: nothing
    await tick(120_000);
    expect(c.made.length).toBe(1);
  });

  it("a socket whose end() throws is reported; stop still returns", async () => {
    const s = fakeSocket();
    s.end = () => {
      throw new Error("already closed");
    };
    const { gateway } = recordingGateway();
    const { g, errors } = await start({ connect: () => s, gateway });
    expect(await g.stop()).toBe(0);
    expect(errors).toEqual([expect.objectContaining({ message: "already closed" })]);
  });

  it("forwards error ACKs and progress from the current socket; progress: false forwards errors only", async () => {
    const c = connector();
    const { gateway, calls } = recordingGateway();
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 0, flushMs: 10 });
    const err = [{ key: { id: "E1", fromMe: true, remoteJid: GROUP }, update: { status: 0, messageStubParameters: ["420"] } }];
    const read = [{ key: { id: "E2", fromMe: true }, update: { status: 4 } }];
    c.last().emitter.emit("messages.update", [...err, ...read]);
    expect(g.pending).toBe(2);
    expect(g.dropped).toBe(0);
    await tick(10);
    expect([calls.errors, calls.statuses, g.pending]).toEqual([1, 1, 0]);
    c.last().close();
    await tick(2_000);
    c.last().emitter.emit("messages.update", err);
    expect(g.pending).toBe(1);
    expect(await g.stop()).toBe(0);
    expect(calls.errors).toBe(2);

    const d = connector();
    const h = recordingGateway();
    const { g: g2 } = await start({ connect: d.connect, gateway: h.gateway, progress: false, maxPending: 1, overflow: "drop-newest" });
    d.last().emitter.emit("messages.update", [...read, ...err, ...err]);
    expect([g2.pending, g2.dropped]).toEqual([1, 1]);
    expect(d.last().emitter.listenerCount("message-receipt.update")).toBe(0);
    expect(await g2.stop()).toBe(0);
    expect([h.calls.errors, h.calls.statuses]).toEqual([1, 0]);
  });

  it("pending, dropped and stop()'s count add up both forwarders (errors and progress)", async () => {
    const c = connector();
    const { gateway } = recordingGateway();
    gateway.recordMessageError = () => new Promise(() => {}); // the backend never answers
    gateway.recordMessageStatus = () => new Promise(() => {});
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 0, maxPending: 1, overflow: "drop-newest", flushMs: 10 });
    const err = (id: string) => ({ key: { id, fromMe: true }, update: { status: 0 } });
    const read = (id: string) => ({ key: { id, fromMe: true }, update: { status: 4 } });
    c.last().emitter.emit("messages.update", [err("E1"), err("E2"), err("E3"), read("R1"), read("R2")]);
    expect([g.pending, g.dropped]).toEqual([2, 3]);
    let left: number | undefined;
    void g.stop({ timeoutMs: 100 }).then((n) => {
      left = n;
    });
    await tick(99);
    expect(left).toBeUndefined();
    await tick(1);
    expect(left).toBe(2);
  });

  it("dispatch: refused sends, unreported results and rows left to the lease are counted", async () => {
    const send = (i: number) => ({
      campaignId: 1,
      groupJid: GROUP,
      text: "hi",
      messageId: `3EB0${i}`,
      notBefore: new Date(T0).toISOString(),
      leaseUntil: new Date(T0 + 3600_000).toISOString(),
    });
    const held = { reason: "session_paused" as const, message: "paused", since: null };
    const c = connector();
    const { gateway } = recordingGateway([
      { sends: [send(1)], nextAt: null, held: null },
      { sends: [send(2), send(3)], nextAt: null, held },
    ]);
    gateway.recordSent = async () => {
      throw new BackendError("invalid_sends", 422, "refused");
    };
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 0, dispatch: { stopWhenHeld: true, retry: { retries: 0 } } });
    c.last().sendMessage = async () => {
      throw Object.assign(new Error("forbidden"), { data: 403 });
    };
    c.last().open();
    await tick(100);
    expect(g.dispatched).toEqual({ sent: 0, failed: 1, leftToLease: 2, unreported: 1 });
    await g.stop();
  });

  it("dispatch: a dispatcher per open connection over the current socket, stopped by a close; counts summed", async () => {
    const item = (i: number) => ({
      campaignId: 1,
      groupJid: GROUP,
      text: "hi",
      messageId: `3EB0${i}`,
      notBefore: new Date(T0).toISOString(),
      leaseUntil: new Date(T0 + 3600_000).toISOString(),
    });
    const c = connector();
    const { gateway, calls } = recordingGateway([
      { sends: [item(1)], nextAt: null, held: null },
      { sends: [], nextAt: null, held: null },
      { sends: [item(2)], nextAt: null, held: null },
    ]);
    const { g } = await start({ connect: c.connect, gateway, syncEveryMs: 0, dispatch: { stopWhenIdle: true } });
    await tick(1_000);
    expect(g.dispatched.sent).toBe(0); // not before an open
    c.last().open();
    await tick(100);
    expect(g.dispatched).toEqual({ sent: 1, failed: 0, leftToLease: 0, unreported: 0 });
    expect(c.last().sent).toEqual([[GROUP, { text: "hi" }, { messageId: "3EB01" }]]);
    c.last().close();
    await tick(2_000);
    c.last().open();
    await tick(100);
    expect(g.dispatched.sent).toBe(2);
    expect(c.made[1]!.sent.length).toBe(1);
    expect(calls.sent).toEqual([
      { groupJid: GROUP, messageId: "3EB01" },
      { groupJid: GROUP, messageId: "3EB02" },
    ]);
    await g.stop();

    const d = connector();
    const h = recordingGateway();
    const { g: g2 } = await start({ connect: d.connect, gateway: h.gateway, syncEveryMs: 0, dispatch: true });
    let claims = 0;
    h.gateway.claimSends = async () => {
      claims++;
      return { sends: [], nextAt: null, held: null };
    };
    d.last().open();
    await tick(100);
    expect(claims).toBe(1);
    d.last().open(); // already dispatching: not a second one
    await tick(30_000);
    expect(claims).toBe(2);
    d.last().close();
    await tick(60_000);
    expect(claims).toBe(2);
    await g2.stop();

    const e = connector();
    const k = recordingGateway();
    const { g: g3 } = await start({ connect: e.connect, gateway: k.gateway, syncEveryMs: 0 });
    let none = 0;
    k.gateway.claimSends = async () => {
      none++;
      return { sends: [], nextAt: null, held: null };
    };
    e.last().open();
    await tick(60_000);
    expect(none).toBe(0);
    await g3.stop();
  });
});
