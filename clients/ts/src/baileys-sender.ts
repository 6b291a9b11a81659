// Sending a claimed message through a Baileys socket with the id the backend assigned:
// `sock.sendMessage(jid, { text }, { messageId })`. Baileys 6.7.24 and 7.0.0-rc14 both take
// `messageId` ("override the message ID with a custom provided string", MinimalRelayOptions in
// lib/Types/Message.d.ts; sendMessage passes it to generateWAMessage, lib/Socket/messages-send.js),
// and the backend's ids have the format Baileys' own generateMessageIDV2 gives (lib/Utils/generics.js).
import type { ClaimedSend, Sender } from "./dispatcher.js";
import { SendFailure } from "./send-failure.js";

/** What a Baileys socket offers that the sender uses (typed structurally: Baileys 6.7 and 7 fit). */
export interface BaileysSendSocketLike {
  sendMessage(
    jid: string,
    content: { text: string },
    options: { messageId: string },
  ): Promise<{ key?: { id?: string | null } } | undefined>;
}

/**
 * Baileys' connection-level failures (lib/Types/index DisconnectReason: 428 connection closed,
 * 408 lost or timed out, 440 replaced, 401 logged out, 500 bad session, 503 unavailable, 515
 * restart required): the message may not have left; the row goes back through its lease.
 */
const CONNECTION_STATUSES = new Set([401, 408, 428, 440, 500, 503, 515]);

/**
 * A Sender over the current Baileys socket (`socket()` is called per send, so a gateway that
 * reconnects hands over its new socket). An error node from WhatsApp (a Boom whose `data` is the
 * node's numeric `code`, lib/WABinary/generic-utils.js assertNodeErrorFree) is a SendFailure with
 * that code; a connection failure is not (left to the lease); anything else is a SendFailure
 * without a code.
 */
export function baileysSender(socket: () => BaileysSendSocketLike): Sender {
  return async (item: ClaimedSend) => {
    try {
      const msg = await socket().sendMessage(item.groupJid, { text: item.text }, { messageId: item.messageId });
      return msg?.key?.id ?? item.messageId;
    } catch (e) {
      throw toSendFailure(e);
    }
  };
}

/** A Baileys send error as the dispatcher takes it (the error itself when it is a connection failure). */
export function toSendFailure(e: unknown): unknown {
  if (e instanceof SendFailure) return e;
  const boom = e as { data?: unknown; output?: { statusCode?: number }; message?: string } | null;
  const message = typeof boom?.message === "string" && boom.message ? boom.message : String(e);
  if (typeof boom?.data === "number" && Number.isInteger(boom.data) && boom.data >= 0) return new SendFailure(boom.data, message);
  const status = boom?.output?.statusCode;
  if (typeof status === "number" && CONNECTION_STATUSES.has(status)) return e;
  return new SendFailure(null, message);
}
