// Helpers for a Baileys-based gateway, typed structurally: no runtime dependency on Baileys.
import type { BaileysGroup, MessageErrorEvent, SyncGroupsResponse } from "./contracts.generated.js";
import { BackendError } from "./errors.js";
import type { GatewayClient } from "./gateway.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { createBatcher, type OverflowPolicy } from "./batcher.js";
import { LIMITS, PATTERNS } from "./values.generated.js";

/** The parts of a Baileys message key this package reads (proto.IMessageKey). */
export interface BaileysMessageKey {
  remoteJid?: string | null;
  id?: string | null;
  fromMe?: boolean | null;
}

/** The parts of a Baileys message update this package reads (WAMessageUpdate). */
export interface BaileysMessageUpdate {
  key: BaileysMessageKey;
  update: { status?: number | null; messageStubParameters?: (string | null | undefined)[] | null };
}

/** The parts of a Baileys message this package reads (WAMessage, as in messages.upsert). */
export interface BaileysMessage {
  key: BaileysMessageKey;
  status?: number | null;
  messageStubParameters?: (string | null | undefined)[] | null;
}

/** The payload of Baileys' messages.upsert. */
export interface BaileysMessagesUpsert {
  messages: BaileysMessage[];
  type?: string;
}

/**
 * The parts of a Baileys socket (makeWASocket) this package uses. Typed structurally, so no
 * runtime dependency on Baileys; npm test checks that real sockets of Baileys 6.7 and 7 fit.
 */
export interface BaileysSocketLike {
  groupFetchAllParticipating(): Promise<{ [jid: string]: BaileysGroup }>;
  ev: {
    on(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
    on(event: "messages.upsert", listener: (upsert: BaileysMessagesUpsert) => void): void;
    off(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
    off(event: "messages.upsert", listener: (upsert: BaileysMessagesUpsert) => void): void;
  };
}

/** proto.WebMessageInfo.Status.ERROR */
export const BAILEYS_STATUS_ERROR = 0;

/** Fetches every group the session is in and posts the list; community parents are dropped server-side. */
export async function syncBaileysGroups(
  sock: Pick<BaileysSocketLike, "groupFetchAllParticipating">,
  gateway: GatewayClient,
  sessionId: string,
  retry?: RetryOptions,
): Promise<SyncGroupsResponse> {
  const groups = Object.values(await sock.groupFetchAllParticipating());
  // An empty list would deactivate every group of the session; a socket that is not yet (or no
  // longer) in sync answers one. Never sent from here: call gateway.syncGroups with
  // allowEmpty: true to mean it.
  if (groups.length === 0) {
    throw new BackendError(
      "empty_group_list",
      422,
      "groupFetchAllParticipating() returned no groups; nothing was sent (the session keeps its groups).",
    );
  }
  // A sync is idempotent, so retrying it is safe.
  return withRetry(() => gateway.syncGroups({ sessionId, groups }), retry);
}

/** Turns a Baileys ERROR update into an error ACK, or undefined for any other update. */
export function toMessageErrorEvent(u: BaileysMessageUpdate, sessionId: string): MessageErrorEvent | undefined {
  return u?.key && u.update ? errorEvent(u.key, u.update, sessionId) : undefined;
}

/**
 * Our own message that Baileys reports with status ERROR inside messages.upsert: with event
 * buffering on, an error ack arriving in the same buffer as the upsert is merged into it and no
 * messages.update is emitted.
 */
export function toMessageErrorEventFromUpsert(m: BaileysMessage, sessionId: string): MessageErrorEvent | undefined {
  return m?.key?.fromMe ? errorEvent(m.key, m, sessionId) : undefined;
}

function errorEvent(
  key: BaileysMessageKey,
  m: { status?: number | null; messageStubParameters?: (string | null | undefined)[] | null },
  sessionId: string,
): MessageErrorEvent | undefined {
  if (m.status !== BAILEYS_STATUS_ERROR || !key.id) return undefined;
  // [code] from Baileys 6; Baileys 7 adds a text ('Your account has been restricted' after '463').
  const [code, message] = Array.isArray(m.messageStubParameters) ? m.messageStubParameters : [];
  return {
    event: "message_error",
    sessionId,
    messageId: key.id,
    groupJid: key.remoteJid ?? null,
    errorCode: code && PATTERNS.GatewayErrorCodeInput.test(code) ? Number(code) : null,
    errorMessage: message ?? (code && !PATTERNS.GatewayErrorCodeInput.test(code) ? code : null),
  };
}

export interface ForwardOptions extends RetryOptions {
  /** Events per request (default 200, at most LIMITS.ackEventsPerCall). */
  maxBatch?: number;
  /** How long to gather a burst before posting (default 100 ms). */
  flushMs?: number;
  /** Events kept while the backend cannot be reached (default 50,000): the buffer never grows past it. */
  maxPending?: number;
  /** What goes when maxPending is reached: "drop-oldest" (default) or "drop-newest"; counted in `dropped`. */
  overflow?: OverflowPolicy;
  /**
   * Called when a batch is refused (4xx: not retried), when one is still failing after all retries
   * (kept, tried again later), and when a listener met an event it could not read. Never throws
   * into Baileys: an exception here is ignored.
   */
  onError?: (error: unknown, events: MessageErrorEvent[]) => void;
  /** Events the overflow policy dropped. */
  onDrop?: (events: unknown[]) => void;
}

export interface ErrorForwarder<S = never> {
  /** Posts everything gathered so far and waits for it (what cannot be posted now is kept). */
  flush(): Promise<void>;
  /**
   * Stops listening and posts what is left, for at most timeoutMs (default 10 s): a shutdown
   * flushes. Resolves to the number of events left unsent (0 when everything was accepted).
   */
  stop(o?: { timeoutMs?: number }): Promise<number>;
  /** Listens to another socket from now on (a reconnect), keeping what is gathered. */
  attach(sock: S): void;
  /** Events gathered and not yet accepted by the backend. */
  readonly pending: number;
  /** Events the overflow policy dropped since the start. */
  readonly dropped: number;
}

/**
 * Runs a listener's work without ever throwing into the emitter (Baileys' event buffer): a body it
 * cannot read goes to onError.
 */
export function guarded<A>(fn: (arg: A) => void, onError?: (e: unknown, events: never[]) => void): (arg: A) => void {
  return (arg) => {
    try {
      fn(arg);
    } catch (e) {
      try {
        onError?.(e, []);
      } catch {
        /* never into Baileys */
      }
    }
  };
}

/** A listener set that can move from one socket to the next (reconnects). */
export function attachable<S>(on: (sock: S) => void, off: (sock: S) => void, first: S) {
  let current: S | undefined = first;
  on(first);
  return {
    attach(sock: S) {
      if (current) off(current);
      current = sock;
      on(sock);
    },
    detach() {
      if (current) off(current);
      current = undefined;
    },
  };
}

/**
 * Listens to messages.update (and messages.upsert, where buffered errors land) and forwards
 * every ERROR status (0) of our own messages as an error ACK, in batches (createBatcher: retried
 * with back-off and kept while the backend is away, a bounded buffer, never a throw into Baileys).
 */
export function forwardBaileysErrors(
  sock: Pick<BaileysSocketLike, "ev">,
  gateway: GatewayClient,
  sessionId: string,
  o: ForwardOptions = {},
): ErrorForwarder<Pick<BaileysSocketLike, "ev">> {
  const maxBatch = Math.min(o.maxBatch ?? 200, LIMITS.ackEventsPerCall);
  const batcher = createBatcher<MessageErrorEvent>((batch) => gateway.recordMessageError({ events: batch }), { ...o, maxBatch });
  const gathered = (events: (MessageErrorEvent | undefined)[]) => batcher.add(events.filter((e) => e !== undefined));
  const onUpdate = guarded((updates: BaileysMessageUpdate[]) => gathered(updates.map((u) => toMessageErrorEvent(u, sessionId))), o.onError);
  const onUpsert = guarded(
    (upsert: BaileysMessagesUpsert) => gathered((upsert?.messages ?? []).map((m) => toMessageErrorEventFromUpsert(m, sessionId))),
    o.onError,
  );
  const listening = attachable<Pick<BaileysSocketLike, "ev">>(
    (s) => {
      s.ev.on("messages.update", onUpdate);
      s.ev.on("messages.upsert", onUpsert);
    },
    (s) => {
      s.ev.off("messages.update", onUpdate);
      s.ev.off("messages.upsert", onUpsert);
    },
    sock,
  );

  return {
    flush: () => batcher.flush(),
    stop: async (so = {}) => {
      listening.detach();
      return batcher.close(so.timeoutMs);
    },
    attach: (s) => listening.attach(s),
    get pending() {
      return batcher.pending;
    },
    get dropped() {
      return batcher.dropped;
    },
  };
}
