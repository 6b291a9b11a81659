import { BackendError } from "./errors.js";

export interface RetryOptions {
  /** Further attempts after the first (default 5). */
  retries?: number;
  /** First back-off delay; doubles each time, with jitter (default 200 ms). */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 10 s). */
  maxDelayMs?: number;
}

/** Retries on network errors and 5xx with exponential back-off; never on a 4xx. */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const retries = o.retries ?? 5;
  const base = o.baseDelayMs ?? 200;
  const max = o.maxDelayMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retryable = e instanceof BackendError ? e.retryable : e instanceof TypeError; // fetch failures
      if (!retryable || attempt >= retries) throw e;
      const delay = Math.min(max, base * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
