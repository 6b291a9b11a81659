// Gathers events and posts them in batches: at most maxBatch per request, after flushMs of quiet.
// Built to sit behind a gateway's event listeners for weeks:
// - add() never throws (into a Baileys listener, that would reach Baileys' own event loop);
// - network errors, 5xx and lost connections are retried with back-off, then kept and tried again
//   later (every maxDelayMs); a 4xx is not retried (the backend kept the batch in its quarantine)
//   and goes to onError; a failing onError is ignored;
// - the buffer is bounded (maxPending, default 50,000 events): past it the overflow policy drops
//   the oldest events not yet in flight ("drop-oldest", the default: the newest ones carry the
//   latest state of a message) or the ones arriving ("drop-newest"), counts them in `dropped` and
//   hands them to onDrop;
// - close() stops every timer and tries to post what is left within a deadline, so a shutdown
//   flushes and a process can exit.
import { BackendError } from "./errors.js";
import type { RetryOptions } from "./retry.js";

export type OverflowPolicy = "drop-oldest" | "drop-newest";

export interface BatchOptions<T = unknown> extends RetryOptions {
  maxBatch: number;
  flushMs?: number;
  /** Events kept while the backend cannot be reached (default 50,000). */
  maxPending?: number;
  /** What goes when maxPending is reached (default "drop-oldest"). */
  overflow?: OverflowPolicy;
  onError?: (error: unknown, events: T[]) => void;
  /** Events the overflow policy dropped (they are also counted in `dropped`). */
  onDrop?: (events: T[]) => void;
}

export interface Batcher<T> {
  /** Adds events; never throws. */
  add(events: T[]): void;
  /** Posts everything gathered so far and waits for it (what cannot be posted now is kept). */
  flush(): Promise<void>;
  /** Stops the timers and posts what is left, for at most timeoutMs (default 10 s); the number of events left unsent. */
  close(timeoutMs?: number): Promise<number>;
  /** Events gathered and not yet accepted by the backend. */
  readonly pending: number;
  /** Events the overflow policy dropped since the start. */
  readonly dropped: number;
}

export const DEFAULT_MAX_PENDING = 50_000;

export function createBatcher<T>(post: (batch: T[]) => Promise<unknown>, o: BatchOptions<T>): Batcher<T> {
  const flushMs = o.flushMs ?? 100;
  const maxPending = Math.max(o.maxPending ?? DEFAULT_MAX_PENDING, 1);
  const maxBatch = Math.max(Math.min(o.maxBatch, maxPending), 1);
  const retries = o.retries ?? 5;
  const base = o.baseDelayMs ?? 200;
  const maxDelay = o.maxDelayMs ?? 10_000;
  let queue: T[] = [];
  let inFlight = 0;
  let dropped = 0;
  let closed = false;
  /** close()'s deadline passed: no more attempts. */
  let giveUp = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  /** Wakes a back-off sleep early (close()). */
  let wake: (() => void) | undefined;

  const report = (e: unknown, events: T[]) => {
    try {
      o.onError?.(e, events);
    } catch {
      /* never into the caller */
    }
  };
  const drop = (events: T[]) => {
    if (events.length === 0) return;
    dropped += events.length;
    try {
      o.onDrop?.(events);
    } catch {
      /* idem */
    }
  };
  /** Keeps the buffer within maxPending, by the overflow policy. */
  const bound = (arriving: T[]): T[] => {
    const room = maxPending - (queue.length + inFlight);
    if (arriving.length <= room) return arriving;
    if (o.overflow === "drop-newest") {
      drop(arriving.slice(Math.max(room, 0)));
      return arriving.slice(0, Math.max(room, 0));
    }
    const excess = queue.length + inFlight + arriving.length - maxPending;
    const fromQueue = Math.min(excess, queue.length);
    drop(queue.splice(0, fromQueue));
    drop(arriving.slice(0, excess - fromQueue));
    return arriving.slice(excess - fromQueue);
  };
  const schedule = (ms: number) => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void drain();
    }, ms);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });

  /** One batch until accepted ("sent"), refused for good ("refused") or out of attempts ("kept"). */
  const send = async (batch: T[]): Promise<"sent" | "refused" | "kept"> => {
    for (let attempt = 0; ; attempt++) {
      // Past close()'s deadline nothing is posted any more (a drain chained behind it included):
      // close() has already counted the batch as unsent.
      if (giveUp) return "kept";
      try {
        await post(batch);
        return "sent";
      } catch (e) {
        const retryable = e instanceof BackendError ? e.retryable : true; // no answer at all: retry
        if (!retryable || giveUp || attempt >= retries) {
          report(e, batch);
          return retryable ? "kept" : "refused"; // refused: the backend quarantined it
        }
        await sleep(Math.min(maxDelay, base * 2 ** attempt) * (0.5 + Math.random() / 2));
        if (giveUp) {
          report(e, batch); // woken by close()'s deadline: the last failure is the batch's
          return "kept";
        }
      }
    }
  };
  const drain = (): Promise<void> => {
    chain = chain
      .then(async () => {
        while (queue.length > 0) {
          const batch = queue.splice(0, maxBatch);
          inFlight = batch.length;
          let outcome: "sent" | "refused" | "kept" = "kept";
          try {
            outcome = await send(batch);
          } finally {
            inFlight = 0;
            if (outcome === "kept") queue = bound(batch).concat(queue); // in front, for the next attempt
          }
          if (outcome === "kept") {
            schedule(maxDelay); // try again later
            return;
          }
        }
      })
      .catch((e: unknown) => report(e, []));
    return chain;
  };

  return {
    add(events) {
      try {
        if (events.length === 0) return;
        queue.push(...bound(events));
        if (closed) return;
        if (queue.length >= maxBatch) void drain();
        else schedule(flushMs);
      } catch (e) {
        report(e, events);
      }
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await drain();
    },
    async close(timeoutMs = 10_000) {
      closed = true;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      let expire!: () => void;
      const expired = new Promise<void>((r) => {
        expire = r;
      });
      // Past the deadline a retry in progress wakes at once and stops; what is left stays counted.
      const deadline = setTimeout(() => {
        giveUp = true;
        wake?.();
        expire();
      }, timeoutMs);
      const done = (async () => {
        while (queue.length > 0 && !giveUp) {
          await drain();
          if (queue.length > 0 && !giveUp) await sleep(Math.min(maxDelay, base * 4)); // not answering yet: again
        }
        await chain;
      })();
      await Promise.race([done, expired]);
      clearTimeout(deadline);
      return queue.length + inFlight;
    },
    get pending() {
      return queue.length + inFlight;
    },
    get dropped() {
      return dropped;
    },
  };
}
