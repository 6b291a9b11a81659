// The two calls the dispatcher makes, over plain HTTP: claim_sends with the gateway's key, and
// record_message_sent with the key given for it. Used until the gateway client's own
// claimSends/recordSent land (branch dispatch-db); then the tests use createGatewayClient.
import { BackendError, type ClaimSendsAnswer, type DispatchGateway } from "../../src/index.js";

export function dispatchGateway(apiUrl: string, gatewayKey: string, recordKey = gatewayKey): DispatchGateway {
  const call = async (fn: string, key: string, body: unknown) => {
    const res = await fetch(`${apiUrl}/rpc/${fn}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) throw BackendError.fromResponse(json, res.status);
    return json;
  };
  return {
    claimSends: async (sessionId, max) => (await call("claim_sends", gatewayKey, { sessionId, max })) as ClaimSendsAnswer,
    recordSent: (campaignId, sends) => call("record_message_sent", recordKey, { campaignId, sends }),
  };
}
