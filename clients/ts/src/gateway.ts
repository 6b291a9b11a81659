// The gateway's client: the RPCs it may call (the webhooks are for Evolution API and WAHA themselves).
import type {
  BaileysGroup,
  ClaimSendsResponse,
  RecordMessageSentRequest,
  RecordMessageSentResponse,
  MessageErrorEvent,
  MessageStatusEvent,
  RecordMessageErrorRequest,
  RecordMessageErrorResponse,
  RecordMessageStatusRequest,
  RecordMessageStatusResponse,
  SyncGroupsRequest,
  SyncGroupsResponse,
} from "./contracts.generated.js";
import { apiClient, callRpc, type ConnectionOptions } from "./http.js";

export interface GatewayClient {
  /** POST /rpc/sync_groups: the session's whole group list (community parents are dropped). */
  syncGroups(payload: SyncGroupsRequest): Promise<SyncGroupsResponse>;
  /** POST /rpc/record_message_error: one error ACK, an array of them, or a batch {events}. */
  recordMessageError(ack: RecordMessageErrorRequest | MessageErrorEvent[]): Promise<RecordMessageErrorResponse>;
  /** POST /rpc/record_message_status: delivery progress (delivered, read, played), one or a batch. */
  recordMessageStatus(progress: RecordMessageStatusRequest | MessageStatusEvent[]): Promise<RecordMessageStatusResponse>;
  /**
   * POST /rpc/claim_sends: up to `max` (default 10) due sends of the session, each with its
   * `notBefore` slot (wait until then: the session's pace), its `messageId` (send with it) and
   * `leaseUntil` (report by then, or the send is claimable again, same id). `nextAt`: when to ask
   * again; `held`: why the session gets nothing (restricted, paused, daily cap).
   */
  claimSends(sessionId: string, max?: number): Promise<ClaimSendsResponse>;
  /**
   * POST /rpc/record_message_sent: the results of claimed sends ({groupJid, messageId} sent — the
   * id actually sent — or {groupJid, errorCode, errorMessage} failed at send time).
   */
  recordSent(campaignId: number, sends: RecordMessageSentRequest["sends"]): Promise<RecordMessageSentResponse>;
}

/**
 * Only these fields of a Baileys group are stored, and of `participants` only its length: the
 * client sends just that, which makes a sync payload some twenty times smaller than Baileys'
 * objects (the backend accepts the full objects too).
 */
export function compactGroup(g: BaileysGroup): BaileysGroup {
  const { id, subject, isCommunity, isCommunityAnnounce, linkedParent, announce, restrict } = g;
  const size = g.size ?? (Array.isArray(g.participants) ? g.participants.length : undefined);
  const fields = { id, subject, size, isCommunity, isCommunityAnnounce, linkedParent, announce, restrict };
  // Absent stays absent (a missing flag means false on the server, as does null).
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as BaileysGroup;
}

export function createGatewayClient(o: ConnectionOptions & { apiKey: string }): GatewayClient {
  const client = apiClient(o);
  return {
    syncGroups: (payload) =>
      callRpc(
        client,
        "sync_groups",
        Array.isArray(payload?.groups)
          ? { ...payload, groups: payload.groups.map((g) => (g && typeof g === "object" ? compactGroup(g) : g)) }
          : payload,
      ),
    recordMessageError: (ack) =>
      // A batch is always an object: PostgREST 12 rejects arrays whose objects differ in keys.
      callRpc(client, "record_message_error", Array.isArray(ack) ? { events: ack } : ack),
    recordMessageStatus: (progress) => callRpc(client, "record_message_status", Array.isArray(progress) ? { events: progress } : progress),
    claimSends: (sessionId, max) => callRpc(client, "claim_sends", max === undefined ? { sessionId } : { sessionId, max }),
    recordSent: (campaignId, sends) => callRpc(client, "record_message_sent", { campaignId, sends }),
  };
}
