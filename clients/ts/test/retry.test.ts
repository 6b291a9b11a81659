// withRetry (clients/ts/src/retry.ts) on a real network failure: fetch to a port nobody listens on
// (a TypeError each time). Exactly 1 + retries attempts, then the last error; an error that is
// neither a network failure nor a retryable BackendError is thrown at once. No backend needed.
// (Written for the survivors of Stryker on retry.ts: docs/testing.md, "Stryker".)
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendError, withRetry } from "../src/index.js";
import { freePort } from "../../../scripts/lib/run.js";

describe("withRetry", () => {
  it("makes exactly 1 + retries attempts on a network failure, then throws it", async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    for (const retries of [0, 1, 3]) {
      let calls = 0;
      const e = await withRetry(
        () => {
          calls++;
          return fetch(url);
        },
        { retries, baseDelayMs: 1, maxDelayMs: 4 },
      ).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TypeError);
      expect(calls).toBe(1 + retries);
    }
  });

  it("returns the first success after failures", async () => {
    const url = `http://127.0.0.1:${await freePort()}/`;
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) await fetch(url);
        return "done";
      },
      { retries: 5, baseDelayMs: 1, maxDelayMs: 4 },
    );
    expect({ result, calls }).toEqual({ result: "done", calls: 3 });
  });

  it("throws at once an error that is not a network failure", async () => {
    let calls = 0;
    const e = await withRetry(
      async () => {
        calls++;
        throw new RangeError("a bug, not an outage");
      },
      { retries: 5, baseDelayMs: 1 },
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RangeError);
    expect(calls).toBe(1);
  });
});

// The delays, on vitest's clock with Math.random fixed at 0.5 (each delay 0.75 of its step): exact
// "not yet / now" checks, never a timing assert.
describe("withRetry's back-off", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  /** Calls withRetry on a function that always fails as `error` does; the attempts so far and the outcome. */
  function failing(o: Parameters<typeof withRetry>[1], error: () => unknown = () => new TypeError("fetch failed")) {
    const state = { calls: 0, outcome: undefined as unknown };
    void withRetry(async () => {
      state.calls++;
      throw error();
    }, o).catch((e: unknown) => {
      state.outcome = e;
    });
    return state;
  }
  /** Moves the clock by each delay in turn, checking that the next attempt comes exactly then. */
  async function expectDelays(state: { calls: number }, delays: number[]) {
    for (const delay of delays) {
      const before = state.calls;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(state.calls).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
      expect(state.calls).toBe(before + 1);
    }
  }

  it("by default: 5 retries, 0.75 × 200 ms doubling, then the error", async () => {
    const s = failing(undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.calls).toBe(1);
    await expectDelays(s, [150, 300, 600, 1_200, 2_400]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outcome).toBeInstanceOf(TypeError);
    expect(s.calls).toBe(6);
  });

  it("doubles from baseDelayMs and stops at maxDelayMs (10 s by default)", async () => {
    const s = failing({ retries: 4, baseDelayMs: 400, maxDelayMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    await expectDelays(s, [300, 600, 750, 750]);
    const d = failing({ retries: 2, baseDelayMs: 8_000 });
    await vi.advanceTimersByTimeAsync(0);
    await expectDelays(d, [6_000, 7_500]);
  });

  it("the jitter adds up to half the step, from Math.random()", async () => {
    vi.mocked(Math.random).mockReturnValue(0.99);
    const s = failing({ retries: 1, baseDelayMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    await expectDelays(s, [995]);
  });

  it("retries a retryable BackendError (5xx, no answer), never a 4xx", async () => {
    const s = failing({ retries: 1, baseDelayMs: 100 }, () => new BackendError("statement_timeout", 503, "busy"));
    await vi.advanceTimersByTimeAsync(0);
    await expectDelays(s, [75]);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outcome).toMatchObject({ status: 503 });
    const r = failing({ retries: 3, baseDelayMs: 100 }, () => new BackendError("invalid_api_key", 401, "no"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.calls).toBe(1);
    expect(r.outcome).toMatchObject({ status: 401 });
  });
});
