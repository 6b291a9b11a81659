// Gathers events and posts them in batches: at most maxBatch per request, after flushMs of quiet.
// Network errors, 5xx and lost connections are retried with back-off and never dropped; a 4xx is
// not retried (the backend quarantined the batch) and goes to onError.
import { BackendError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";

export interface BatchOptions extends RetryOptions {
  maxBatch: number;
  flushMs?: number;
  onError?: (error: unknown, events: any[]) => void;
}

export interface Batcher<T> {
  add(events: T[]): void;
  flush(): Promise<void>;
  readonly pending: number;
}

export function createBatcher<T>(post: (batch: T[]) => Promise<unknown>, o: BatchOptions): Batcher<T> {
  const flushMs = o.flushMs ?? 100;
  let queue: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const schedule = (ms = flushMs) => {
    if (!timer) timer = setTimeout(() => { timer = undefined; void drain(); }, ms);
  };
  const drain = (): Promise<void> => {
    inFlight = inFlight.then(async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, o.maxBatch);
        try {
          await withRetry(() => post(batch), o);
          queue = queue.slice(batch.length);
        } catch (e) {
          if (e instanceof BackendError && !e.retryable) {
            queue = queue.slice(batch.length); // refused for good; the backend quarantined it
            o.onError?.(e, batch);
          } else {
            o.onError?.(e, batch);
            schedule(o.maxDelayMs ?? 10_000); // keep it; try again later
            return;
          }
        }
      }
    });
    return inFlight;
  };
  return {
    add(events) {
      queue.push(...events);
      if (queue.length >= o.maxBatch) void drain();
      else if (queue.length > 0) schedule();
    },
    async flush() {
      if (timer) { clearTimeout(timer); timer = undefined; }
      await drain();
    },
    get pending() { return queue.length; },
  };
}
