// The CRM's client: create campaigns, record send results, read campaigns and groups.
import type {
  CreateCampaignRequest, CreateCampaignResponse, RecordMessageSentRequest, RecordMessageSentResponse,
  CampaignStatus,
} from "./contracts.generated.js";
import type { Database } from "./database.generated.js";
import { BackendError } from "./errors.js";
import { apiClient, callRpc, unwrap, type ConnectionOptions } from "./http.js";

type Views = Database["api"]["Views"];
type NonNull<T> = { [K in keyof T]-?: Exclude<T[K], null> };
/** View columns are nullable in the generated types (views lose NOT NULL); these rows never are, but for their nullable columns. */
export type Campaign = NonNull<Views["campaigns"]["Row"]> & { status: CampaignStatus };
export type CampaignGroup = Omit<NonNull<Views["campaign_groups"]["Row"]>,
  "message_id" | "error_code" | "error_message" | "sent_at" | "failed_at" | "group_name"> &
  Pick<Views["campaign_groups"]["Row"], "message_id" | "error_code" | "error_message" | "sent_at" | "failed_at" | "group_name"> &
  { status: "pending" | "sent" | "failed" };
export type SendableGroup = Omit<NonNull<Views["sendable_groups"]["Row"]>, "name" | "linked_parent_jid"> &
  Pick<Views["sendable_groups"]["Row"], "name" | "linked_parent_jid">;

export interface Page { limit?: number; offset?: number }

export interface CrmClient {
  createCampaign(payload: CreateCampaignRequest): Promise<CreateCampaignResponse>;
  recordMessageSent(payload: RecordMessageSentRequest): Promise<RecordMessageSentResponse>;
  /** One campaign with its live totals; throws campaign_not_found (404) when there is none. */
  getCampaign(campaignId: number): Promise<Campaign>;
  listCampaigns(filter?: Page & { status?: CampaignStatus; sessionId?: string }): Promise<Campaign[]>;
  /** The campaign's failed groups with their errors. */
  listFailedGroups(campaignId: number, page?: Page): Promise<CampaignGroup[]>;
  /** Groups a campaign may target: active, never community parents. */
  listSendableGroups(sessionId: string, page?: Page): Promise<SendableGroup[]>;
}

export type CrmConnectionOptions = ConnectionOptions & ({ apiKey: string } | { jwt: string });

export function createCrmClient(o: CrmConnectionOptions): CrmClient {
  const client = apiClient(o);
  const page = <Q extends { range(from: number, to: number): Q }>(q: Q, p: Page = {}) =>
    q.range(p.offset ?? 0, (p.offset ?? 0) + (p.limit ?? 1000) - 1);
  return {
    createCampaign: (payload) => callRpc(client, "create_campaign", payload),
    recordMessageSent: (payload) => callRpc(client, "record_message_sent", payload),
    async getCampaign(campaignId) {
      const rows = unwrap(await client.from("campaigns").select("*").eq("id", campaignId)) as Campaign[];
      if (!rows[0]) throw new BackendError("campaign_not_found", 404, `Campaign ${campaignId} does not exist.`);
      return rows[0];
    },
    async listCampaigns(filter = {}) {
      let q = client.from("campaigns").select("*").order("id", { ascending: false });
      if (filter.status) q = q.eq("status", filter.status);
      if (filter.sessionId) q = q.eq("session_id", filter.sessionId);
      return unwrap(await page(q, filter)) as Campaign[];
    },
    async listFailedGroups(campaignId, p) {
      const q = client.from("campaign_groups").select("*")
        .eq("campaign_id", campaignId).eq("status", "failed").order("id");
      return unwrap(await page(q, p)) as CampaignGroup[];
    },
    async listSendableGroups(sessionId, p) {
      const q = client.from("sendable_groups").select("*").eq("session_id", sessionId).order("group_jid");
      return unwrap(await page(q, p)) as SendableGroup[];
    },
  };
}
