// The gateway's client: the two RPCs it may call.
import type {
  MessageErrorEvent, RecordMessageErrorRequest, RecordMessageErrorResponse, SyncGroupsRequest, SyncGroupsResponse,
} from "./contracts.generated.js";
import { apiClient, callRpc, type ConnectionOptions } from "./http.js";

export interface GatewayClient {
  /** POST /rpc/sync_groups: the session's whole group list (community parents are dropped). */
  syncGroups(payload: SyncGroupsRequest): Promise<SyncGroupsResponse>;
  /** POST /rpc/record_message_error: one error ACK, an array of them, or a batch {events}. */
  recordMessageError(
    ack: RecordMessageErrorRequest | MessageErrorEvent[],
  ): Promise<RecordMessageErrorResponse>;
}

export function createGatewayClient(o: ConnectionOptions & { apiKey: string }): GatewayClient {
  const client = apiClient(o);
  return {
    syncGroups: (payload) => callRpc(client, "sync_groups", payload),
    recordMessageError: (ack) =>
      // A batch is always an object: PostgREST 12 rejects arrays whose objects differ in keys.
      callRpc(client, "record_message_error", Array.isArray(ack) ? { events: ack } : ack),
  };
}
