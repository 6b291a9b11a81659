// The operators' client (ops key): the backlog, the quarantine, error codes, and the actions on them.
import type { ExpireUnmatchedAcksResponse, ResolveQuarantinedRequest, ResolveQuarantinedResponse } from "./contracts.generated.js";
import type { Database } from "./database.generated.js";
import { BackendError } from "./errors.js";
import { apiClient, callRpc, unwrap, type ConnectionOptions } from "./http.js";

type Views = Database["api"]["Views"];
export type AckBacklog = Views["ack_backlog"]["Row"];
export type QuarantinedEvent = Views["quarantine"]["Row"];
export type ErrorCodeCount = Views["error_codes"]["Row"];

export interface OpsClient {
  /** Unmatched error ACKs per session (count, oldest). */
  ackBacklog(): Promise<AckBacklog[]>;
  /** Unresolved quarantined events, oldest first (at most `limit`, default 100). */
  quarantine(limit?: number): Promise<QuarantinedEvent[]>;
  /** Failures per campaign, session and error code (of one campaign when given). */
  errorCodes(campaignId?: number): Promise<ErrorCodeCount[]>;
  /** POST /rpc/expire_unmatched_acks. */
  expireUnmatchedAcks(olderThanSeconds: number): Promise<ExpireUnmatchedAcksResponse>;
  /** POST /rpc/resolve_quarantined: dismiss, or replay to the endpoint it came to (`sessionId`: the session of an event that named none). */
  resolveQuarantined(payload: ResolveQuarantinedRequest): Promise<ResolveQuarantinedResponse>;
  /** GET /rpc/metrics: the Prometheus text. */
  metrics(): Promise<string>;
}

export function createOpsClient(o: ConnectionOptions & { apiKey: string }): OpsClient {
  const client = apiClient(o);
  return {
    ackBacklog: async () => unwrap(await client.from("ack_backlog").select("*").order("oldest_received_at")) ?? [],
    quarantine: async (limit = 100) =>
      unwrap(await client.from("quarantine").select("*").is("resolved_at", null).order("id").limit(limit)) ?? [],
    errorCodes: async (campaignId) => {
      let q = client.from("error_codes").select("*");
      if (campaignId !== undefined) q = q.eq("campaign_id", campaignId);
      return unwrap(await q.order("failures", { ascending: false })) ?? [];
    },
    expireUnmatchedAcks: (olderThanSeconds) => callRpc(client, "expire_unmatched_acks", { olderThanSeconds }),
    resolveQuarantined: (payload) => callRpc(client, "resolve_quarantined", payload),
    async metrics() {
      const res = await (o.fetch ?? fetch)(`${o.url.replace(/\/$/, "")}/rpc/metrics`, { headers: { "x-api-key": o.apiKey } });
      const text = await res.text();
      if (!res.ok) {
        const body = (() => {
          try {
            return JSON.parse(text) as { code?: string; message?: string };
          } catch {
            return {};
          }
        })();
        throw new BackendError((body.code ?? "network_error") as never, res.status, body.message ?? text);
      }
      return text;
    },
  };
}
