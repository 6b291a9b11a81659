// Sending a claimed message through Evolution API 2.3.x: POST {url}/message/sendText/{instance}
// {number, text, delay?} with header `apikey`. What its source says (EvolutionAPI/evolution-api
// 2.3.6; the files are named beside the fixtures in test/fixtures/gateway-send-answers.ts):
// - The caller cannot choose the id: SendTextDto is {number, text, delay?, quoted?, linkPreview?,
//   mentionsEveryOne?, mentioned?} (src/api/dto/sendMessage.dto.ts), and textMessage →
//   sendMessageWithTyping → sendMessage(…, messageId = null) lets Baileys make it
//   (src/api/integrations/channel/whatsapp/whatsapp.baileys.service.ts). So the id actually used
//   is read from the answer, 201 with the stored message {key: {remoteJid, fromMe, id}, pushName,
//   status, message, messageType, messageTimestamp, instanceId, source}, and reported.
// - `delay` is a typing delay before that one message (presence "composing"), not a pace.
// - Errors (src/main.ts's error handler; src/exceptions/*.ts): {status, error, response: {message}}.
//   400 for a number not on WhatsApp ([{jid, exists: false, number}]) and for a send that threw
//   (`error.toString()`); 401 a wrong apikey; 404 an unknown instance or route.
import type { ClaimedSend, Sender } from "./dispatcher.js";
import { abortAfter } from "./abort.js";
import { SendFailure } from "./send-failure.js";
// One error class for whatever Evolution API answers that is not about the message (its group list
// too: evolution.ts).
import { EvolutionError } from "./evolution.js";

export interface EvolutionSenderOptions {
  /** Evolution API's base URL, e.g. http://evolution:8080 */
  url: string;
  /** The instance's (or the global) API key, sent as `apikey`. */
  apiKey: string;
  /** The instance that sends. */
  instance: string;
  /** Evolution's typing delay before each message, in ms (optional; the pace is the backend's). */
  delayMs?: number;
  /** Per-request timeout (default 60 s, plus delayMs). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const messageOf = (body: unknown, status: number): string => {
  const m = isObj(body) && isObj(body.response) ? body.response.message : undefined;
  const parts = Array.isArray(m) ? m : m === undefined ? [] : [m];
  const text = parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join("; ");
  return text || `Evolution API answered ${status}`;
};

/** A send that threw inside Evolution because its WhatsApp connection was down: not a verdict on the message. */
const CONNECTION_TROUBLE = /connection (closed|lost)|timed out|not connected|socket/i;

/**
 * A Sender through Evolution API. A 400 (number not on WhatsApp, the send refused) is a
 * SendFailure, unless it only says the connection was down; 401/403/404/5xx or no answer is an
 * EvolutionError: the row goes back through its lease.
 */
export function evolutionSender(o: EvolutionSenderOptions): Sender {
  const doFetch = o.fetch ?? fetch;
  const base = o.url.replace(/\/$/, "");
  return async (item: ClaimedSend, signal: AbortSignal) => {
    const body: Obj = { number: item.groupJid, text: item.text };
    if (o.delayMs) body.delay = o.delayMs;
    const res = await doFetch(`${base}/message/sendText/${encodeURIComponent(o.instance)}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", apikey: o.apiKey },
      body: JSON.stringify(body),
      signal: abortAfter(signal, (o.timeoutMs ?? 60_000) + (o.delayMs ?? 0)),
    });
    const text = await res.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (res.ok) {
      // Sent: without key.id (never seen in its source) the claimed id is reported rather than sending twice.
      return isObj(answer) && isObj(answer.key) && typeof answer.key.id === "string" && answer.key.id ? answer.key.id : undefined;
    }
    const message = messageOf(answer, res.status);
    if (res.status === 400 && !CONNECTION_TROUBLE.test(message)) throw new SendFailure(null, message, res.status);
    throw new EvolutionError(message, res.status, text);
  };
}
