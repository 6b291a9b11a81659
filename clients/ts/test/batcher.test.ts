// createBatcher (clients/ts/src/batcher.ts) on its own, with vitest's fake timers and a `post` that
// records each batch: when a batch goes (the quiet time, the eager drain at maxBatch), how it is
// cut, the back-off between attempts (Math.random fixed at 0.5: each delay is 0.75 of the
// exponential step), what is kept, refused or dropped, and what close() returns. The clock is
// vitest's, so every "not yet / now" below is exact, never a timing assert. No backend needed:
// the batcher is generic over its `post` (the Baileys forwarders' posts to the real API are
// covered by baileys-helpers.test.ts). Written for Stryker's survivors (docs/testing.md, "Stryker").
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendError, createBatcher, DEFAULT_MAX_PENDING, type BatchOptions } from "../src/index.js";

/** A promise settled from outside: a post in flight for as long as the test wants. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const outage = () => new TypeError("fetch failed");
const refusal = () => new BackendError("invalid_api_key", 401, "Invalid API key");
const serverError = () => new BackendError("statement_timeout", 503, "busy");
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** Lets the promise chains run without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** A batcher whose post records every attempt and answers as `answer` says (default: accepted). */
function recorder(o: Partial<BatchOptions<number>> & { answer?: (batch: number[], attempt: number) => Promise<unknown> | unknown }) {
  const attempts: number[][] = [];
  const sent: number[][] = [];
  const errors: [unknown, number[]][] = [];
  const drops: number[][] = [];
  const { answer, ...options } = o;
  const b = createBatcher<number>(
    async (batch) => {
      attempts.push([...batch]);
      await answer?.(batch, attempts.length);
      sent.push([...batch]);
    },
    {
      maxBatch: 10,
      onError: (e, events) => errors.push([e, events]),
      onDrop: (events) => drops.push(events),
      ...options,
    },
  );
  return { b, attempts, sent, errors, drops };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("createBatcher: when a batch goes", () => {
  it("posts after flushMs of quiet, 100 ms by default", async () => {
    const r = recorder({});
    r.b.add([1]);
    await tick(99);
    expect(r.attempts).toEqual([]);
    await tick(1);
    expect(r.sent).toEqual([[1]]);

    const s = recorder({ flushMs: 30 });
    s.b.add([1]);
    await tick(29);
    expect(s.attempts).toEqual([]);
    await tick(1);
    expect(s.sent).toEqual([[1]]);
  });

  it("the quiet time starts at the first event: later adds do not push it back, an empty add starts nothing", async () => {
    const r = recorder({ flushMs: 100 });
    r.b.add([]);
    await tick(60);
    r.b.add([1]);
    await tick(60);
    r.b.add([2]);
    expect(vi.getTimerCount()).toBe(1); // one quiet timer, not one per add
    await tick(39);
    expect(r.attempts).toEqual([]);
    await tick(1);
    expect(r.sent).toEqual([[1, 2]]);
  });

  it("posts at once when maxBatch events are gathered, and cuts batches of maxBatch", async () => {
    const r = recorder({ maxBatch: 3 });
    r.b.add([1, 2]);
    await settle();
    expect(r.attempts).toEqual([]);
    r.b.add([3]);
    await settle();
    expect(r.sent).toEqual([[1, 2, 3]]);
    r.b.add(range(4, 7));
    await settle();
    expect(r.sent).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    expect(r.b.pending).toBe(0);
  });

  it("maxBatch is at least 1 and at most maxPending", async () => {
    const one = recorder({ maxBatch: 0 });
    one.b.add([1, 2]);
    await settle();
    expect(one.sent).toEqual([[1], [2]]);
    const capped = recorder({ maxBatch: 10, maxPending: 2 });
    capped.b.add([1, 2]);
    await settle();
    expect(capped.sent).toEqual([[1, 2]]);
  });

  it("flush() posts at once and drops the quiet timer: the next event waits its own flushMs", async () => {
    const r = recorder({ flushMs: 100 });
    r.b.add([1]);
    await tick(50);
    await r.b.flush();
    expect(r.sent).toEqual([[1]]);
    r.b.add([2]);
    await tick(99);
    expect(r.sent).toEqual([[1]]);
    await tick(1);
    expect(r.sent).toEqual([[1], [2]]);
  });

  it("pending counts the batch in flight until the backend accepts it", async () => {
    const gate = deferred();
    const r = recorder({ maxBatch: 2, answer: () => gate.promise });
    r.b.add([1, 2, 3]);
    await settle();
    expect(r.attempts).toEqual([[1, 2]]);
    expect(r.b.pending).toBe(3);
    gate.resolve();
    await settle();
    expect(r.b.pending).toBe(0); // the drain goes on while anything is queued
    expect(r.sent).toEqual([[1, 2], [3]]);
  });
});

describe("createBatcher: failures", () => {
  it("retries an outage 5 times by default, 0.75 × 200 ms doubling, then keeps the batch and reports it", async () => {
    const r = recorder({ answer: () => Promise.reject(outage()) });
    r.b.add([1]);
    await tick(100);
    expect(r.attempts.length).toBe(1);
    for (const delay of [150, 300, 600, 1200, 2400]) {
      const before = r.attempts.length;
      await tick(delay - 1);
      expect(r.attempts.length).toBe(before);
      await tick(1);
      expect(r.attempts.length).toBe(before + 1);
    }
    expect(r.attempts.length).toBe(6);
    expect(r.errors).toEqual([[expect.any(TypeError), [1]]]);
    expect(r.b.pending).toBe(1);
    expect(r.b.dropped).toBe(0);
  });

  it("a kept batch is tried again maxDelayMs later (10 s by default)", async () => {
    const r = recorder({ retries: 0, maxBatch: 2, answer: (_, n) => (n === 1 ? Promise.reject(outage()) : undefined) });
    r.b.add([1, 2]);
    await settle();
    expect(r.errors).toEqual([[expect.any(TypeError), [1, 2]]]);
    expect(r.b.pending).toBe(2);
    await tick(9_999);
    expect(r.attempts).toEqual([[1, 2]]);
    await tick(1);
    expect(r.sent).toEqual([[1, 2]]);
    expect(r.b.pending).toBe(0);

    const s = recorder({ retries: 0, maxDelayMs: 500, answer: (_, n) => (n === 1 ? Promise.reject(outage()) : undefined) });
    s.b.add([1]);
    await tick(100);
    await tick(499);
    expect(s.attempts.length).toBe(1);
    await tick(1);
    expect(s.sent).toEqual([[1]]);
  });

  it("the back-off doubles from baseDelayMs up to maxDelayMs (10 s by default), with the jitter", async () => {
    const r = recorder({ retries: 4, baseDelayMs: 400, maxDelayMs: 1_000, answer: () => Promise.reject(outage()) });
    r.b.add([1]);
    await tick(100);
    for (const delay of [300, 600, 750, 750]) {
      const before = r.attempts.length;
      await tick(delay - 1);
      expect(r.attempts.length).toBe(before);
      await tick(1);
      expect(r.attempts.length).toBe(before + 1);
    }
    const d = recorder({ retries: 2, baseDelayMs: 8_000, answer: () => Promise.reject(outage()) });
    d.b.add([1]);
    await tick(100);
    for (const delay of [6_000, 7_500]) {
      const before = d.attempts.length;
      await tick(delay - 1);
      expect(d.attempts.length).toBe(before);
      await tick(1);
      expect(d.attempts.length).toBe(before + 1);
    }
  });

  it("the jitter stretches a delay by half of Math.random(), never beyond the step", async () => {
    vi.mocked(Math.random).mockReturnValue(0.99);
    const r = recorder({ retries: 1, baseDelayMs: 1_000, answer: () => Promise.reject(outage()) });
    r.b.add([1]);
    await tick(100);
    await tick(994);
    expect(r.attempts.length).toBe(1);
    await tick(1);
    expect(r.attempts.length).toBe(2);
  });

  it("a 5xx BackendError is retried; a 4xx is not: reported, refused and gone, the next batch goes on", async () => {
    const r = recorder({
      retries: 2,
      baseDelayMs: 10,
      maxBatch: 1,
      answer: (_, n) => (n === 1 ? Promise.reject(serverError()) : undefined),
    });
    r.b.add([1]);
    await tick(100);
    expect(r.sent).toEqual([[1]]);
    expect(r.errors).toEqual([]);

    const s = recorder({ maxBatch: 1, answer: (batch) => (batch[0] === 1 ? Promise.reject(refusal()) : undefined) });
    s.b.add([1, 2]);
    await settle();
    expect(s.attempts).toEqual([[1], [2]]);
    expect(s.sent).toEqual([[2]]);
    expect(s.errors).toEqual([[expect.objectContaining({ status: 401 }), [1]]]);
    expect(s.b.pending).toBe(0);
    expect(s.b.dropped).toBe(0);
  });

  it("a throwing onError or onDrop never reaches the caller", async () => {
    const b = createBatcher<number>(() => Promise.reject(refusal()), {
      maxBatch: 1,
      maxPending: 1,
      onError: () => {
        throw new Error("onError's own bug");
      },
      onDrop: () => {
        throw new Error("onDrop's own bug");
      },
    });
    expect(() => b.add([1, 2])).not.toThrow();
    await settle();
    expect([b.pending, b.dropped]).toEqual([0, 1]);
  });

  it("add() never throws: what it cannot read goes to onError", async () => {
    const r = recorder({});
    expect(() => r.b.add(null as unknown as number[])).not.toThrow();
    expect(r.errors).toEqual([[expect.any(TypeError), null]]);
  });
});

describe("createBatcher: the bound", () => {
  it("holds 50,000 events by default: past it the oldest go", async () => {
    const r = recorder({ maxBatch: 100_000, answer: () => new Promise(() => {}) });
    r.b.add(range(0, DEFAULT_MAX_PENDING + 1));
    await settle();
    expect(r.b.dropped).toBe(1);
    expect(r.drops).toEqual([[0]]);
    expect(r.attempts.length).toBe(1);
    expect(r.attempts[0]!.length).toBe(DEFAULT_MAX_PENDING);
    expect(r.attempts[0]![0]).toBe(1);
    expect(DEFAULT_MAX_PENDING).toBe(50_000);
  });

  it("maxPending is at least 1", async () => {
    const r = recorder({ maxPending: 0, flushMs: 10, answer: () => new Promise(() => {}) });
    r.b.add([1, 2]);
    await settle();
    expect(r.attempts).toEqual([[2]]);
    expect([r.b.pending, r.b.dropped]).toEqual([1, 1]);
  });

  it("drop-oldest counts the batch in flight: exactly full is kept, past it the oldest queued go, then the oldest arriving", async () => {
    const gate = deferred();
    const r = recorder({ maxBatch: 2, maxPending: 5, answer: () => gate.promise });
    r.b.add([1, 2]);
    await settle();
    expect(r.attempts).toEqual([[1, 2]]);
    r.b.add([3, 4, 5]); // 2 in flight + 3 queued: exactly full
    expect([r.b.pending, r.b.dropped]).toEqual([5, 0]);
    r.b.add([6]);
    expect([r.b.pending, r.b.dropped]).toEqual([5, 1]);
    expect(r.drops).toEqual([[3]]);
    r.b.add([7, 8, 9, 10, 11, 12]);
    expect([r.b.pending, r.b.dropped]).toEqual([5, 7]);
    expect(r.drops).toEqual([[3], [4, 5, 6], [7, 8, 9]]);
    gate.resolve();
    await settle();
    expect(r.sent).toEqual([[1, 2], [10, 11], [12]]);
  });

  it("drop-newest keeps what came first and drops the rest of what arrives", async () => {
    const gate = deferred();
    const r = recorder({ maxBatch: 2, maxPending: 4, overflow: "drop-newest", answer: () => gate.promise });
    r.b.add([1, 2]);
    await settle();
    r.b.add([3, 4, 5]);
    expect([r.b.pending, r.b.dropped]).toEqual([4, 1]);
    r.b.add([6, 7]);
    expect([r.b.pending, r.b.dropped]).toEqual([4, 3]);
    expect(r.drops).toEqual([[5], [6, 7]]);
    gate.resolve();
    await settle();
    expect(r.sent).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("a kept batch goes back in front within the bound: what arrived meanwhile is dropped first by drop-oldest", async () => {
    const gate = deferred();
    const r = recorder({ retries: 0, maxBatch: 2, maxPending: 3, answer: (_, n) => (n === 1 ? gate.promise : undefined) });
    r.b.add([1, 2]);
    await settle();
    r.b.add([3]);
    expect([r.b.pending, r.b.dropped]).toEqual([3, 0]);
    gate.reject(outage());
    await settle();
    expect(r.errors).toEqual([[expect.any(TypeError), [1, 2]]]);
    expect([r.b.pending, r.b.dropped]).toEqual([3, 0]);
    await tick(10_000);
    expect(r.sent).toEqual([[1, 2], [3]]);
  });
});

describe("createBatcher: close()", () => {
  it("posts what is left at once and resolves to 0; afterwards events are kept, not posted", async () => {
    const r = recorder({ flushMs: 1_000 });
    r.b.add([1]);
    expect(await r.b.close()).toBe(0);
    expect(r.sent).toEqual([[1]]);
    r.b.add(range(2, 20));
    await tick(20_000);
    expect(r.sent).toEqual([[1]]);
    expect(r.b.pending).toBe(20);
  });

  it("with the backend away, gives up after timeoutMs (10 s by default), waking the back-off, and returns what is left", async () => {
    const r = recorder({ maxBatch: 2, baseDelayMs: 60_000, maxDelayMs: 60_000, answer: () => Promise.reject(outage()) });
    r.b.add([1, 2, 3]);
    await settle();
    let left: number | undefined;
    void r.b.close().then((n) => {
      left = n;
    });
    await tick(9_999);
    expect(left).toBeUndefined();
    await tick(1);
    expect(left).toBe(3);
    // The back-off sleep was woken at the deadline: its batch is reported now, and no timer is left.
    expect(r.errors).toEqual([[expect.any(TypeError), [1, 2]]]);
    expect(vi.getTimerCount()).toBe(0);
    // Woken at the deadline, the retry stops there (reported once, kept); nothing is posted after it.
    await tick(120_000);
    expect(r.attempts.length).toBe(1);
    expect(r.errors).toEqual([[expect.any(TypeError), [1, 2]]]);
    expect(r.b.pending).toBe(3);

    const s = recorder({ baseDelayMs: 60_000, maxDelayMs: 60_000, answer: () => Promise.reject(outage()) });
    s.b.add([1]);
    let done: number | undefined;
    void s.b.close(300).then((n) => {
      done = n;
    });
    await tick(299);
    expect(done).toBeUndefined();
    await tick(1);
    expect(done).toBe(1);
  });

  it("keeps trying until the deadline: a batch kept after its retries is tried again after 4 × baseDelayMs", async () => {
    const r = recorder({
      retries: 0,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      answer: (_, n) => (n <= 2 ? Promise.reject(outage()) : undefined),
    });
    r.b.add([1]);
    let left: number | undefined;
    void r.b.close(5_000).then((n) => {
      left = n;
    });
    await settle();
    expect(r.attempts.length).toBe(1);
    await tick(399);
    expect(r.attempts.length).toBe(1);
    await tick(1);
    expect(r.attempts.length).toBe(2);
    await tick(400);
    expect(r.sent).toEqual([[1]]);
    expect(left).toBe(0);

    const s = recorder({
      retries: 0,
      baseDelayMs: 1_000,
      maxDelayMs: 2_500,
      answer: (_, n) => (n === 1 ? Promise.reject(outage()) : undefined),
    });
    s.b.add([1]);
    void s.b.close(60_000);
    await settle();
    await tick(2_499);
    expect(s.attempts.length).toBe(1);
    await tick(1);
    expect(s.sent).toEqual([[1]]);
  });

  it("a post that never answers: close() still returns at its deadline with the events in flight and queued", async () => {
    const r = recorder({ maxBatch: 2, answer: () => new Promise(() => {}) });
    r.b.add([1, 2, 3]);
    await settle();
    let left: number | undefined;
    void r.b.close(300).then((n) => {
      left = n;
    });
    await tick(299);
    expect(left).toBeUndefined();
    await tick(1);
    expect(left).toBe(3);
    expect(r.b.pending).toBe(3);
  });

  it("leaves no timer behind when the backend stays away, so that a process can exit", async () => {
    const r = recorder({ retries: 0, maxDelayMs: 1_000, answer: () => Promise.reject(outage()) });
    r.b.add([1]);
    let left: number | undefined;
    void r.b.close(50).then((n) => {
      left = n;
    });
    await tick(50);
    expect(left).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await tick(60_000);
    expect(r.attempts.length).toBe(1);
  });

  it("clears the quiet timer: nothing is posted twice or after close", async () => {
    let posts = 0;
    const b = createBatcher<number>(
      async () => {
        posts++;
      },
      { maxBatch: 10, flushMs: 100 },
    );
    b.add([1]);
    expect(await b.close()).toBe(0);
    b.add([2]);
    await tick(1_000);
    expect(posts).toBe(1);
    expect(b.pending).toBe(1);
  });
});
