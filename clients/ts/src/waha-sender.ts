// Sending a claimed message through WAHA: POST {url}/api/sendText {session, chatId, text, id}.
// What WAHA's sources say (devlikeapro/waha, 2025-2026; the stored versions are named in
// test/fixtures/gateway-send-answers.ts):
// - The caller may choose the id: NOWEB's getMessageOptions (src/core/engines/noweb/session.noweb.core.ts)
//   sends with `request.id` when given, else generateMessageIDV2; GOWS's sendText
//   (src/core/engines/gows/session.gows.core.ts) passes `id: request.id` to GOWS. WEBJS
//   (whatsapp-web.js) ignores it. Older WAHA releases strip an unknown `id` (WAHAValidationPipe,
//   whitelist) or refuse it in WAHA_HTTP_STRICT_MODE: `sendId: false` leaves it out.
// - The answer differs per engine, so the id actually used is read from it: GOWS `{id:
//   "true_<chat>_<ID>_<me>", _data}` (messageResponse → buildMessageId); NOWEB Baileys' message
//   `{key: {remoteJid, fromMe, id}, message, ...}`; WEBJS whatsapp-web.js' Message `{id: {fromMe,
//   remote, id, _serialized}, ...}`.
// - Errors (src/nestjs/AllExceptionsFilter.ts): an HttpException as its own body ({statusCode,
//   message, error}); anything else 500 {statusCode, timestamp, exception: <the error's own
//   properties: message, name, and for a Baileys Boom data (WhatsApp's code) and output>, request, version}.
import type { ClaimedSend, Sender } from "./dispatcher.js";
import { abortAfter } from "./abort.js";
import { SendFailure } from "./send-failure.js";
import { toSendFailure } from "./baileys-sender.js";
import { WahaError, type WahaConnection } from "./waha.js";

export interface WahaSenderOptions extends WahaConnection {
  /** The WAHA session that sends (`session` of sendText). */
  session: string;
  /** Send the claimed id as `id` (default true): NOWEB and GOWS then send with it. */
  sendId?: boolean;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The message key id inside a WAHA id `{fromMe}_{chat}_{id}[_{participant}]` (a bare id as it is). */
export function wahaKeyId(serialized: string): string {
  const parts = serialized.split("_");
  return (parts[0] === "true" || parts[0] === "false") && parts.length >= 3 && parts[2] ? parts[2] : serialized;
}

/** The id WAHA's sendText answer says the message was sent with, whatever the engine; undefined when it has none. */
export function wahaSentId(answer: unknown): string | undefined {
  if (!isObj(answer)) return undefined;
  if (typeof answer.id === "string" && answer.id) return wahaKeyId(answer.id); // GOWS
  if (isObj(answer.key) && typeof answer.key.id === "string" && answer.key.id) return answer.key.id; // NOWEB
  if (isObj(answer.id)) {
    // WEBJS
    if (typeof answer.id.id === "string" && answer.id.id) return answer.id.id;
    if (typeof answer.id._serialized === "string" && answer.id._serialized) return wahaKeyId(answer.id._serialized);
  }
  return undefined;
}

const messageOf = (body: unknown, status: number): string => {
  const m = isObj(body) ? (body.message ?? (isObj(body.exception) ? body.exception.message : undefined)) : undefined;
  const text = Array.isArray(m) ? m.join("; ") : typeof m === "string" ? m : "";
  return text || `WAHA answered ${status}`;
};

/**
 * A Sender through WAHA. A refusal WAHA passes on from WhatsApp (500 with the Baileys error's
 * code in `exception.data`, or a 400 for the request) is a SendFailure; a connection failure
 * inside WAHA, a session that is not working (422), a wrong key (401/403), an unknown session
 * (404) or no answer at all is a WahaError: the row goes back through its lease.
 */
export function wahaSender(o: WahaSenderOptions): Sender {
  const doFetch = o.fetch ?? fetch;
  const base = o.url.replace(/\/$/, "");
  return async (item: ClaimedSend, signal: AbortSignal) => {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (o.apiKey) headers["x-api-key"] = o.apiKey;
    const body: Obj = { session: o.session, chatId: item.groupJid, text: item.text };
    if (o.sendId !== false) body.id = item.messageId;
    const res = await doFetch(`${base}/api/sendText`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: abortAfter(signal, o.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (res.ok) return wahaSentId(answer);
    if (res.status >= 500 && isObj(answer) && isObj(answer.exception)) {
      const f = toSendFailure(answer.exception);
      if (f instanceof SendFailure) throw new SendFailure(f.code, messageOf(answer, res.status), res.status);
    }
    if (res.status === 400) throw new SendFailure(null, messageOf(answer, res.status), res.status);
    throw new WahaError(messageOf(answer, res.status), res.status, text);
  };
}
