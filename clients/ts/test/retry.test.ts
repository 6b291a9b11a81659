// withRetry (clients/ts/src/retry.ts) on a real network failure: fetch to a port nobody listens on
// (a TypeError each time). Exactly 1 + retries attempts, then the last error; an error that is
// neither a network failure nor a retryable BackendError is thrown at once. No backend needed.
// (Written for the survivors of Stryker on retry.ts: docs/testing.md, "Stryker".)
import { describe, expect, it } from "vitest";
import { withRetry } from "../src/index.js";
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
