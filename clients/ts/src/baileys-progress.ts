// Delivery progress from a Baileys socket, forwarded in batches like error ACKs. For a group
// message Baileys reports progress per participant (message-receipt.update: receiptTimestamp,
// readTimestamp, playedTimestamp); for other chats as status updates (messages.update with
// DELIVERY_ACK 3, READ 4, PLAYED 5). "Delivered" is the first receipt from any participant
// (docs/gateway.md); each message id and step is posted once per forwarder.
import type { MessageStatusEvent } from "./contracts.generated.js";
import { createBatcher } from "./batcher.js";
import {
  attachable,
  guarded,
  type BaileysMessageKey,
  type BaileysMessageUpdate,
  type ForwardOptions,
  type ErrorForwarder,
} from "./baileys.js";
import type { GatewayClient } from "./gateway.js";
import { LIMITS } from "./values.generated.js";

/** A protobuf Long as Baileys may give timestamps, or a number. */
type Timestamp = number | { toNumber(): number } | null | undefined;

/** The parts of Baileys' MessageUserReceiptUpdate this package reads. */
export interface BaileysReceiptUpdate {
  key: BaileysMessageKey;
  receipt: { userJid?: string | null; receiptTimestamp?: Timestamp; readTimestamp?: Timestamp; playedTimestamp?: Timestamp };
}

export interface BaileysProgressSocketLike {
  ev: {
    on(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
    on(event: "message-receipt.update", listener: (updates: BaileysReceiptUpdate[]) => void): void;
    off(event: "messages.update", listener: (updates: BaileysMessageUpdate[]) => void): void;
    off(event: "message-receipt.update", listener: (updates: BaileysReceiptUpdate[]) => void): void;
  };
}

const STATUS_STEP: Record<number, MessageStatusEvent["status"]> = { 3: "delivered", 4: "read", 5: "played" };
const seconds = (t: Timestamp) => (t == null ? undefined : typeof t === "number" ? t : t.toNumber());

/** Progress events of one receipt update (a group participant's device received, read or played it). */
export function toMessageStatusEvents(u: BaileysReceiptUpdate, sessionId: string): MessageStatusEvent[] {
  if (!u?.key?.id || u.key.fromMe === false || !u.receipt) return [];
  const steps: [MessageStatusEvent["status"], Timestamp][] = [
    ["delivered", u.receipt.receiptTimestamp],
    ["read", u.receipt.readTimestamp],
    ["played", u.receipt.playedTimestamp],
  ];
  return steps
    .filter(([, t]) => seconds(t) !== undefined)
    .map(([status, t]) => ({ sessionId, messageId: u.key.id!, status, at: seconds(t) }));
}

/** Forwards delivery progress of our own messages (messages.update and message-receipt.update). */
export function forwardBaileysProgress(
  sock: BaileysProgressSocketLike,
  gateway: GatewayClient,
  sessionId: string,
  o: ForwardOptions = {},
): ErrorForwarder<BaileysProgressSocketLike> {
  const batcher = createBatcher<MessageStatusEvent>((batch) => gateway.recordMessageStatus({ events: batch }), {
    ...o,
    maxBatch: Math.min(o.maxBatch ?? 200, LIMITS.ackEventsPerCall),
  });
  // The backend keeps the earliest time; later receipts of the same step add nothing.
  const seen = new Set<string>();
  const add = (events: MessageStatusEvent[]) =>
    batcher.add(
      events.filter((e) => {
        const k = `${e.messageId}\u0000${e.status}`;
        if (seen.has(k)) return false;
        if (seen.size > 100_000) seen.clear();
        seen.add(k);
        return true;
      }),
    );
  const onUpdate = guarded(
    (updates: BaileysMessageUpdate[]) =>
      add(
        updates.flatMap((u) => {
          const status = u?.update?.status == null ? undefined : STATUS_STEP[u.update.status];
          return status && u.key?.fromMe && u.key.id ? [{ sessionId, messageId: u.key.id, status }] : [];
        }),
      ),
    o.onError,
  );
  const onReceipt = guarded(
    (updates: BaileysReceiptUpdate[]) => add(updates.flatMap((u) => toMessageStatusEvents(u, sessionId))),
    o.onError,
  );
  const listening = attachable<BaileysProgressSocketLike>(
    (s) => {
      s.ev.on("messages.update", onUpdate);
      s.ev.on("message-receipt.update", onReceipt);
    },
    (s) => {
      s.ev.off("messages.update", onUpdate);
      s.ev.off("message-receipt.update", onReceipt);
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
