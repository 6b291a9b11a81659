// One dispatcher process for clients/ts/test/dispatch-processes.test.ts: runDispatcher with the
// real gateway client against the real backend; its "WhatsApp" writes one JSON line per send to
// stdout ({event: "send", messageId, groupJid, at: epoch ms}), and one per claim ({event:
// "claim", items}), so the test sees what was really sent, and when. Ends when nothing is left
// (stopWhenIdle), printing {event: "done", summary}; SIGTERM aborts it.
// Run: node --import tsx dispatcher-process.ts <apiUrl> <gatewayKey> <sessionId> <max>
import { createGatewayClient, runDispatcher, type DispatchGateway } from "../../src/index.js";

const [apiUrl, apiKey, sessionId, max] = process.argv.slice(2) as [string, string, string, string];
const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const client = createGatewayClient({ url: apiUrl, apiKey });
const gateway: DispatchGateway = {
  async claimSends(session, n) {
    const answer = await client.claimSends(session, n);
    if (answer.sends.length > 0)
      out({ event: "claim", items: answer.sends.map((s) => ({ messageId: s.messageId, groupJid: s.groupJid })) });
    return answer;
  },
  recordSent: (campaignId, sends) => client.recordSent(campaignId, sends),
};
const abort = new AbortController();
process.once("SIGTERM", () => abort.abort());

const summary = await runDispatcher({
  gateway,
  sessionId,
  max: Number(max),
  signal: abort.signal,
  stopWhenIdle: true,
  maxSleepMs: 1_000,
  leaseMarginMs: 500,
  send: async (item) => {
    out({ event: "send", messageId: item.messageId, groupJid: item.groupJid, at: Date.now(), notBefore: Date.parse(item.notBefore) });
  },
  onError: (e) => out({ event: "error", message: String(e) }),
});
out({ event: "done", summary });
