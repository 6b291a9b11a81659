// runDispatcher's loop on vitest's clock (fake timers and Date): a DispatchGateway that answers
// claim_sends as the backend does (the shape of ClaimSendsResponse) and records what is reported,
// and a Sender that records what it sends and when. What is sent, when (never before notBefore,
// never with a lease about to end), what is reported per campaign, what is left to the lease, the
// sleeps between claims and after failures, and the deadline after an abort: exact "not yet /
// now" checks on the fake clock, never a timing assert. The same loop against the real API and
// real processes: dispatch-processes.test.ts and baileys-dispatch-real-socket.test.ts. Written for
// Stryker's survivors (docs/testing.md, "Stryker").
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BackendError,
  runDispatcher,
  SendFailure,
  type ClaimedSend,
  type ClaimSendsResponse,
  type DispatcherOptions,
  type DispatchGateway,
  type DispatchSummary,
  type SendResult,
} from "../src/index.js";

const T0 = Date.parse("2026-12-01T12:00:00.000Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();
let n = 0;
/** A claimed send due `at` ms after T0 with a lease of `lease` ms from then. */
const item = (at: number, o: { campaignId?: number; lease?: number } = {}): ClaimedSend => {
  n++;
  return {
    campaignId: o.campaignId ?? 1,
    groupJid: `12036300000000${String(n).padStart(4, "0")}@g.us`,
    text: "hello",
    messageId: `3EB0${String(n).padStart(16, "0")}`,
    notBefore: iso(at),
    leaseUntil: iso(at + (o.lease ?? 60_000)),
  };
};
const answer = (sends: ClaimedSend[], nextAt: number | null = null, held: ClaimSendsResponse["held"] = null): ClaimSendsResponse => ({
  sends,
  nextAt: nextAt === null ? null : iso(nextAt),
  held,
});
const idle = answer([]);

/** A gateway answering claims from `claims` in turn (idle when they run out), recording claims and reports. */
function gatewayOf(claims: (ClaimSendsResponse | Error | (() => Promise<ClaimSendsResponse>))[], report?: (n: number) => unknown) {
  const claimed: { at: number; sessionId: string; max: number | undefined }[] = [];
  const reported: { at: number; campaignId: number; sends: SendResult[] }[] = [];
  const start = Date.now(); // times are recorded from here
  const gateway: DispatchGateway = {
    claimSends: async (sessionId, max) => {
      claimed.push({ at: Date.now() - start, sessionId, max });
      const next = claims.shift() ?? idle;
      if (next instanceof Error) throw next;
      return typeof next === "function" ? next() : next;
    },
    recordSent: async (campaignId, sends) => {
      const failure = report?.(reported.length + 1);
      if (failure) throw failure;
      reported.push({ at: Date.now() - start, campaignId, sends: [...sends] });
      return {} as never;
    },
  };
  return { gateway, claimed, reported };
}

/** A sender recording each send's time; answers by `how` (default: the claimed id used). */
function senderOf(how?: (s: ClaimedSend, i: number) => Promise<string | undefined> | string | undefined) {
  const sent: { at: number; messageId: string }[] = [];
  const send = async (s: ClaimedSend) => {
    sent.push({ at: Date.now() - T0, messageId: s.messageId });
    return how?.(s, sent.length);
  };
  return { send, sent };
}

/** Runs the dispatcher and lets the clock run until it returns (at most `budget` ms of fake time). */
async function run(o: Omit<DispatcherOptions, "sessionId"> & { sessionId?: string }, budget = 600_000) {
  let summary: DispatchSummary | undefined;
  const errors: unknown[] = [];
  const done = runDispatcher({ sessionId: "s1", stopWhenIdle: true, onError: (e) => errors.push(e), retry: { retries: 0 }, ...o }).then(
    (s) => {
      summary = s;
    },
  );
  for (let t = 0; t < budget && !summary; t += 50) await vi.advanceTimersByTimeAsync(50);
  if (!summary) throw new Error(`runDispatcher did not return within ${budget} ms of the fake clock`);
  await done;
  return { summary: summary!, errors };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("runDispatcher", () => {
  it("claims 10 for its session by default, sends each just past its slot in slot order, reports per campaign, stops when idle", async () => {
    const a = item(2_000, { campaignId: 7 });
    const b = item(1_000, { campaignId: 8 });
    const c = item(3_000, { campaignId: 7 });
    const g = gatewayOf([answer([a, b, c])]);
    const s = senderOf((x) => (x === c ? "GATEWAY_ID" : x === a ? "" : undefined));
    const { summary, errors } = await run({ gateway: g.gateway, send: s.send });
    expect(g.claimed.map((c) => [c.sessionId, c.max])).toEqual([
      ["s1", 10],
      ["s1", 10],
    ]);
    expect(s.sent).toEqual([
      { at: 1_001, messageId: b.messageId },
      { at: 2_001, messageId: a.messageId },
      { at: 3_001, messageId: c.messageId },
    ]);
    expect(g.reported.map((r) => [r.campaignId, r.sends])).toEqual([
      [8, [{ groupJid: b.groupJid, messageId: b.messageId }]],
      [
        7,
        [
          { groupJid: a.groupJid, messageId: a.messageId },
          { groupJid: c.groupJid, messageId: "GATEWAY_ID" },
        ],
      ],
    ]);
    expect(summary).toEqual({ sent: 3, failed: 0, leftToLease: 0, unreported: 0, held: null, stoppedBy: "idle" });
    expect(errors).toEqual([]);
  });

  it("reports what is done before a wait of more than a second for the next slot", async () => {
    const a = item(0);
    const b = item(1_000);
    const c = item(2_500);
    const g = gatewayOf([answer([a, b, c])]);
    const s = senderOf();
    await run({ gateway: g.gateway, send: s.send, max: 3 });
    expect(g.claimed[0]!.max).toBe(3);
    expect(g.reported.map((r) => [r.at, r.sends.length])).toEqual([
      [1_001, 2],
      [2_501, 1],
    ]);
  });

  it("a refused send is reported failed with its code; a 463 ends the batch, the rest left to the lease", async () => {
    const [a, b, c, d] = [item(0), item(0), item(0), item(0)];
    const g = gatewayOf([answer([a!, b!, c!, d!])]);
    const s = senderOf((x) => {
      if (x === a) throw new SendFailure(420, "x".repeat(5_000));
      if (x === b) throw new SendFailure(null, "");
      if (x === c) throw new SendFailure(463, "restricted");
      return undefined;
    });
    const { summary } = await run({ gateway: g.gateway, send: s.send });
    expect(s.sent.length).toBe(3);
    expect(g.reported[0]!.sends).toEqual([
      { groupJid: a!.groupJid, errorCode: 420, errorMessage: "x".repeat(4_000) },
      { groupJid: b!.groupJid, errorCode: null, errorMessage: null },
      { groupJid: c!.groupJid, errorCode: 463, errorMessage: "restricted" },
    ]);
    expect(summary).toMatchObject({ sent: 0, failed: 3, leftToLease: 1, unreported: 0 });
  });

  it("a send that throws anything else leaves it and the rest to the lease, reports what was done, and waits 1 s before the next claim", async () => {
    const [a, b, c] = [item(0), item(0), item(0)];
    const e1 = new Error("connection closed");
    const e2 = new Error("again");
    const g = gatewayOf([answer([a!, b!, c!]), answer([item(0)]), answer([item(0)])]);
    const s = senderOf((_x, i) => {
      if (i === 2) throw e1;
      if (i === 3) throw e2;
      return undefined;
    });
    const { summary, errors } = await run({ gateway: g.gateway, send: s.send });
    expect(errors).toEqual([e1, e2]);
    expect(g.reported[0]!.sends).toEqual([{ groupJid: a!.groupJid, messageId: a!.messageId }]);
    expect(g.claimed.map((c) => c.at)).toEqual([0, 1_001, 2_001, 2_001]);
    expect(summary).toMatchObject({ sent: 2, failed: 0, leftToLease: 3 });
  });

  it("never sends a row whose lease ends within the margin (2 s by default, at most a quarter of the lease)", async () => {
    // The clock is 10 s past the slots: 2 s of lease left is enough, 1,999 ms is not.
    vi.setSystemTime(T0 + 10_000);
    const [ok, late] = [item(0, { lease: 12_000 }), item(0, { lease: 11_999 })];
    const g = gatewayOf([answer([late, ok])]);
    const s = senderOf();
    const { summary } = await run({ gateway: g.gateway, send: s.send });
    expect(s.sent.map((x) => x.messageId)).toEqual([ok.messageId]);
    expect(summary).toMatchObject({ sent: 1, leftToLease: 1 });

    // 1 s past the slots, short leases: the margin is a quarter of the lease (350 and 325 ms).
    vi.setSystemTime(T0 + 1_000);
    const [quarter, under] = [item(0, { lease: 1_400 }), item(0, { lease: 1_300 })];
    const h = gatewayOf([answer([quarter, under])]);
    const t = senderOf();
    expect((await run({ gateway: h.gateway, send: t.send })).summary).toMatchObject({ sent: 1, leftToLease: 1 });
    expect(t.sent.map((x) => x.messageId)).toEqual([quarter.messageId]);

    // leaseMarginMs 100: 300 ms left is enough.
    vi.setSystemTime(T0 + 1_000);
    const own = item(0, { lease: 1_300 });
    const k = gatewayOf([answer([own])]);
    expect((await run({ gateway: k.gateway, send: senderOf().send, leaseMarginMs: 100 })).summary).toMatchObject({
      sent: 1,
      leftToLease: 0,
    });
  });

  it("sleeps until nextAt (at least 250 ms, at most maxSleepMs, 30 s by default), then claims again", async () => {
    const g = gatewayOf([answer([], 5_000), answer([], 100), answer([], 3_600_000), answer([], 3_600_000)]);
    await run({ gateway: g.gateway, send: senderOf().send });
    expect(g.claimed.map((c) => c.at)).toEqual([0, 5_000, 5_250, 35_250, 35_250 + 30_000]);
    vi.setSystemTime(T0);
    const h = gatewayOf([answer([], 3_600_000)]);
    await run({ gateway: h.gateway, send: senderOf().send, maxSleepMs: 1_000 });
    expect(h.claimed.map((c) => c.at)).toEqual([0, 1_000]);
  });

  it("without stopWhenIdle, nothing scheduled means asking again after maxSleepMs", async () => {
    const g = gatewayOf([]);
    const c = new AbortController();
    const done = runDispatcher({ gateway: g.gateway, sessionId: "s1", send: senderOf().send, signal: c.signal, maxSleepMs: 2_000 });
    await vi.advanceTimersByTimeAsync(4_000);
    c.abort();
    const summary = await done;
    expect(g.claimed.map((x) => x.at)).toEqual([0, 2_000, 4_000]);
    expect(summary.stoppedBy).toBe("signal");
  });

  it("held: onHeld is told; stopWhenHeld returns with the held answer, its sends left to the lease", async () => {
    const held = { reason: "session_restricted" as const, message: "restricted", since: iso(0) };
    const g = gatewayOf([answer([item(0), item(0)], null, held)]);
    const seen: unknown[] = [];
    const { summary } = await run({ gateway: g.gateway, send: senderOf().send, stopWhenHeld: true, onHeld: (h) => seen.push(h) });
    expect(seen).toEqual([held]);
    expect(summary).toEqual({ sent: 0, failed: 0, leftToLease: 2, unreported: 0, held, stoppedBy: "held" });
  });

  it("held without stopWhenHeld: backs off 60 s by default (a tenth at least, or until a sooner nextAt), never idle", async () => {
    const held = { reason: "daily_cap_reached" as const, message: "cap", since: null };
    const g = gatewayOf([answer([], null, held), answer([], 1_000, held), answer([], 60_000 + 30_000, held), answer([], null)]);
    const { summary } = await run({ gateway: g.gateway, send: senderOf().send, maxSleepMs: 120_000 });
    expect(g.claimed.map((c) => c.at)).toEqual([0, 60_000, 66_000, 90_000]);
    expect(summary).toMatchObject({ held: null, stoppedBy: "idle" });
    const h = gatewayOf([answer([], null, held), answer([], null)]);
    await run({ gateway: h.gateway, send: senderOf().send, heldBackoffMs: 5_000 });
    expect(h.claimed.map((c) => c.at)).toEqual([0, 5_000]);
  });

  it("a claim that fails is reported and asked again after 1 s, doubling up to maxSleepMs, back to 1 s after a success", async () => {
    const e = new BackendError("statement_timeout", 503, "busy");
    const g = gatewayOf([e, e, e, e, answer([], 0), e, answer([], null)]);
    const { errors } = await run({ gateway: g.gateway, send: senderOf().send, maxSleepMs: 5_000 });
    expect(errors).toEqual([e, e, e, e, e]);
    expect(g.claimed.map((c) => c.at)).toEqual([0, 1_000, 3_000, 7_000, 12_000, 12_250, 13_250]);
  });

  it("a report the backend refuses counts as unreported; one it cannot take now is kept and sent later", async () => {
    const refused = new BackendError("invalid_sends", 422, "no");
    const a = item(0, { campaignId: 1 });
    const g = gatewayOf([answer([a])], (k) => (k === 1 ? refused : undefined));
    const r1 = await run({ gateway: g.gateway, send: senderOf().send });
    expect(r1.summary).toMatchObject({ sent: 1, unreported: 1 });
    expect(r1.errors).toEqual([refused]);
    expect(g.reported).toEqual([]);

    const outage = new BackendError("network_error", 0, "down");
    let fails = 1;
    vi.setSystemTime(T0);
    const b = item(0, { campaignId: 2 });
    const h = gatewayOf([answer([b]), answer([], 2_000)], () => (fails-- > 0 ? outage : undefined));
    const r2 = await run({ gateway: h.gateway, send: senderOf().send });
    expect(r2.summary).toMatchObject({ sent: 1, unreported: 0 });
    expect(h.reported.map((r) => [r.at, r.campaignId, r.sends.length])).toEqual([[1, 2, 1]]);
  });

  it("an abort stops the loop: what was sent is reported, the rest left to the lease", async () => {
    const c = new AbortController();
    const [a, b] = [item(0), item(10_000)];
    const g = gatewayOf([answer([a, b])]);
    const s = senderOf();
    const done = runDispatcher({ gateway: g.gateway, sessionId: "s1", send: s.send, signal: c.signal });
    await vi.advanceTimersByTimeAsync(5_000);
    c.abort();
    const summary = await done;
    expect(summary).toEqual({ sent: 1, failed: 0, leftToLease: 1, unreported: 0, held: null, stoppedBy: "signal" });
    expect(g.reported.length).toBe(1);

    const already = new AbortController();
    already.abort();
    const none = gatewayOf([answer([item(0)])]);
    expect(await runDispatcher({ gateway: none.gateway, sessionId: "s1", send: s.send, signal: already.signal })).toMatchObject({
      sent: 0,
      stoppedBy: "signal",
    });
    expect(none.claimed).toEqual([]);
  });

  it("after an abort a send that never ends is given half of deadlineMs (10 s by default), the last report the rest", async () => {
    const c = new AbortController();
    const [a, b] = [item(0), item(0)];
    const g = gatewayOf([answer([a, b])], (k) => (k === 1 ? undefined : undefined));
    const s = senderOf((x) => (x === b ? new Promise(() => {}) : undefined));
    let summary: DispatchSummary | undefined;
    void runDispatcher({ gateway: g.gateway, sessionId: "s1", send: s.send, signal: c.signal }).then((r) => {
      summary = r;
    });
    await vi.advanceTimersByTimeAsync(10);
    c.abort();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(summary).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(summary).toMatchObject({ sent: 1, leftToLease: 1, unreported: 0, stoppedBy: "signal" });
    expect(g.reported.length).toBe(1);

    const c2 = new AbortController();
    const g2 = gatewayOf([answer([item(0), item(0)])]);
    let s2: DispatchSummary | undefined;
    const hang = senderOf((_, i) => (i === 2 ? new Promise(() => {}) : undefined));
    void runDispatcher({ gateway: g2.gateway, sessionId: "s1", send: hang.send, signal: c2.signal, deadlineMs: 1_000 }).then((r) => {
      s2 = r;
    });
    await vi.advanceTimersByTimeAsync(10);
    c2.abort();
    await vi.advanceTimersByTimeAsync(499);
    expect(s2).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(s2).toMatchObject({ sent: 1, leftToLease: 1 });
  });

  it("a report that never ends is abandoned at deadlineMs: counted unreported", async () => {
    const c = new AbortController();
    const g = gatewayOf([answer([item(0), item(30_000)])]);
    g.gateway.recordSent = () => new Promise(() => {});
    let summary: DispatchSummary | undefined;
    void runDispatcher({ gateway: g.gateway, sessionId: "s1", send: senderOf().send, signal: c.signal }).then((r) => {
      summary = r;
    });
    await vi.advanceTimersByTimeAsync(100);
    c.abort();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(summary).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(summary).toMatchObject({ sent: 1, unreported: 1, leftToLease: 1 });
  });

  it("a throwing onSent or onError never stops the loop", async () => {
    const g = gatewayOf([new Error("claim failed"), answer([item(0)])]);
    const { summary } = await run({
      gateway: g.gateway,
      send: senderOf().send,
      onSent: () => {
        throw new Error("onSent's own");
      },
      onError: () => {
        throw new Error("onError's own");
      },
    });
    expect(summary).toMatchObject({ sent: 1, stoppedBy: "idle" });
  });

  it("results the backend cannot take are bounded: past max(10 × max, 100) it stops claiming and retries the report, 1 s doubling up to maxSleepMs", async () => {
    const outage = new BackendError("network_error", 0, "down");
    let down = true;
    const attempts: number[] = [];
    const sends = Array.from({ length: 150 }, () => item(0));
    const g = gatewayOf([answer(sends.slice(0, 90)), answer(sends.slice(90)), answer([])], () => {
      attempts.push(Date.now() - T0);
      return down ? outage : undefined;
    });
    const c = new AbortController();
    // max 15: at most max(150, 100) = 150 results held.
    const done = runDispatcher({
      gateway: g.gateway,
      sessionId: "s1",
      send: senderOf().send,
      signal: c.signal,
      max: 15,
      maxSleepMs: 4_000,
      retry: { retries: 0 },
      stopWhenIdle: true,
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(g.claimed.length).toBe(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(g.claimed.length).toBe(2);
    // After each batch's failed report, then per round of the bound: 1, 2, 4, 4, 4 s apart.
    expect(attempts).toEqual([1, 1, 1, 1_001, 3_001, 7_001, 11_001, 15_001, 19_001]);
    down = false;
    await vi.advanceTimersByTimeAsync(40_000);
    const summary = await done;
    expect(g.claimed.length).toBe(3);
    expect(g.reported.flatMap((r) => r.sends).length).toBe(150);
    expect(summary).toMatchObject({ sent: 150, unreported: 0, stoppedBy: "idle" });
  });
});
