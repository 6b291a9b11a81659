// Helpers for a Baileys-based gateway, typed structurally: no runtime dependency on Baileys.
import type { BaileysGroup, MessageErrorEvent, SyncGroupsResponse } from "./contracts.generated.js";
import { BackendError } from "./errors.js";
import type { GatewayClient } from "./gateway.js";
import { withRetry, type RetryOptions } from "./retry.js";

/** The parts of a Baileys message update this package reads. */
export interface BaileysMessageUpdate {
  key: { remoteJid?: string | null; id?: string | null; fromMe?: boolean | null };
  update: { status?: number | null; messageStubParameters?: (string | null | undefined)[] | null };
}

/** The parts of a Baileys socket (makeWASocket) this package uses. */
export interface BaileysSocketLike {
  groupFetchAllParticipating(): Promise<Record<string, BaileysGroup>>;
  ev: {
    on(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
    off(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
  };
}

/** proto.WebMessageInfo.Status.ERROR */
export const BAILEYS_STATUS_ERROR = 0;

/** Fetches every group the session is in and posts the list; community parents are dropped server-side. */
export async function syncBaileysGroups(
  sock: Pick<BaileysSocketLike, "groupFetchAllParticipating">, gateway: GatewayClient, sessionId: string,
  retry?: RetryOptions,
): Promise<SyncGroupsResponse> {
  const groups = Object.values(await sock.groupFetchAllParticipating());
  // A sync is idempotent, so retrying it is safe.
  return withRetry(() => gateway.syncGroups({ sessionId, groups }), retry);
}

/** Turns a Baileys ERROR update into an error ACK, or undefined for any other update. */
export function toMessageErrorEvent(u: BaileysMessageUpdate, sessionId: string): MessageErrorEvent | undefined {
  if (u.update.status !== BAILEYS_STATUS_ERROR || !u.key.id) return undefined;
  const [code, message] = u.update.messageStubParameters ?? [];
  return {
    event: "message_error",
    sessionId,
    messageId: u.key.id,
    groupJid: u.key.remoteJid ?? null,
    errorCode: code && /^\s*\d{1,9}\s*$/.test(code) ? Number(code) : null,
    errorMessage: message ?? (code && !/^\s*\d+\s*$/.test(code) ? code : null),
  };
}

export interface ForwardOptions extends RetryOptions {
  /** Events per request (default 200, at most 1000). */
  maxBatch?: number;
  /** How long to gather a burst before posting (default 100 ms). */
  flushMs?: number;
  /** Called when a batch is refused (4xx: not retried) or still failing after all retries (kept, tried again later). */
  onError?: (error: unknown, events: MessageErrorEvent[]) => void;
}

export interface ErrorForwarder {
  /** Posts everything gathered so far and waits for it. */
  flush(): Promise<void>;
  /** Stops listening, then flushes. */
  stop(): Promise<void>;
  /** Events gathered and not yet accepted by the backend. */
  readonly pending: number;
}

/**
 * Listens to messages.update and forwards every ERROR update (status 0) as an error ACK, in
 * batches. Network errors, 5xx and lost database connections are retried with back-off and never
 * dropped; a 4xx is not
 * retried (the backend keeps refused ACKs in its quarantine) and is reported to onError.
 */
export function forwardBaileysErrors(
  sock: Pick<BaileysSocketLike, "ev">, gateway: GatewayClient, sessionId: string, o: ForwardOptions = {},
): ErrorForwarder {
  const maxBatch = Math.min(o.maxBatch ?? 200, 1000);
  const flushMs = o.flushMs ?? 100;
  let queue: MessageErrorEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const schedule = (ms = flushMs) => {
    if (!timer) timer = setTimeout(() => { timer = undefined; void drain(); }, ms);
  };

  const drain = (): Promise<void> => {
    inFlight = inFlight.then(async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        try {
          await withRetry(() => gateway.recordMessageError({ events: batch }), o);
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

  const listener = (updates: BaileysMessageUpdate[]) => {
    for (const u of updates) {
      const ev = toMessageErrorEvent(u, sessionId);
      if (ev) queue.push(ev);
    }
    if (queue.length >= maxBatch) void drain();
    else if (queue.length > 0) schedule();
  };
  sock.ev.on("messages.update", listener);

  return {
    flush: async () => {
      if (timer) { clearTimeout(timer); timer = undefined; }
      await drain();
    },
    stop: async () => {
      sock.ev.off("messages.update", listener);
      if (timer) { clearTimeout(timer); timer = undefined; }
      await drain();
    },
    get pending() { return queue.length; },
  };
}
