// The CRM's client: create, schedule, pause, resume, cancel and retry campaigns, record send
// results, pace sessions' dispatch, read campaigns, groups and sessions.
import type {
  CreateCampaignRequest,
  CreateCampaignResponse,
  RecordMessageSentRequest,
  RecordMessageSentResponse,
  CampaignStatus,
  CampaignRowStatus,
  ScheduleCampaignResponse,
  CancelCampaignResponse,
  RetryFailedGroupsRequest,
  RetryFailedGroupsResponse,
  ClearSessionRestrictionResponse,
  PauseCampaignResponse,
  ResumeCampaignResponse,
  ConfigureSessionRequest,
  ConfigureSessionResponse,
  ResumeSessionResponse,
} from "./contracts.generated.js";
import type { Database } from "./database.generated.js";
import { BackendError } from "./errors.js";
import { apiClient, callRpc, unwrap, type ConnectionOptions, type RpcName } from "./http.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { LIMITS } from "./values.generated.js";

type Views = Database["api"]["Views"];
type NonNull<T> = { [K in keyof T]-?: Exclude<T[K], null> };
/** View columns are nullable in the generated types (views lose NOT NULL); these rows never are, but for their nullable columns. */
type NullableCampaignColumns =
  | "finished_at"
  | "progress_source"
  | "progress_reported"
  | "scheduled_at"
  | "send_before"
  | "paused_at"
  | "held_reason"
  | "next_send_at"
  | "estimated_finish_at";
export type Campaign = Omit<NonNull<Views["campaigns"]["Row"]>, NullableCampaignColumns> &
  Pick<Views["campaigns"]["Row"], NullableCampaignColumns> & { status: CampaignStatus };
type NullableGroupColumns =
  | "message_id"
  | "error_code"
  | "error_message"
  | "sent_at"
  | "failed_at"
  | "group_name"
  | "delivered_at"
  | "read_at"
  | "cancelled_at";
export type CampaignGroup = Omit<NonNull<Views["campaign_groups"]["Row"]>, NullableGroupColumns> &
  Pick<Views["campaign_groups"]["Row"], NullableGroupColumns> & { status: CampaignRowStatus };
type NullableSessionColumns =
  | "last_synced_at"
  | "restricted_at"
  | "restricted_code"
  | "gateway"
  | "gateway_seen_at"
  | "next_slot_at"
  | "paused_at"
  | "pause_reason"
  | "held_reason";
/** A WhatsApp account (gateway session), whether WhatsApp restricted it, its dispatch pace and state. */
export type Session = Omit<NonNull<Views["sessions"]["Row"]>, NullableSessionColumns> &
  Pick<Views["sessions"]["Row"], NullableSessionColumns>;

/** When a scheduled campaign is due and until when it may send: a Date, or ISO 8601 with its zone. */
export interface ScheduleTimes {
  at?: Date | string;
  sendBefore?: Date | string;
}
export type SendableGroup = Omit<NonNull<Views["sendable_groups"]["Row"]>, "name" | "linked_parent_jid"> &
  Pick<Views["sendable_groups"]["Row"], "name" | "linked_parent_jid">;

/**
 * How many rows a list read returns: all of them by default (the client pages through in
 * requests of PAGE_SIZE rows, so PostgREST's max-rows never truncates silently), or at most `limit`.
 */
export interface Page {
  limit?: number;
}

/** Rows per request: PostgREST's db-max-rows (deploy/postgrest.conf, checked against LIMITS by a test). */
export const PAGE_SIZE = LIMITS.rowsPerRead;

export interface CrmClient {
  createCampaign(payload: CreateCampaignRequest): Promise<CreateCampaignResponse>;
  recordMessageSent(payload: RecordMessageSentRequest): Promise<RecordMessageSentResponse>;
  /** One campaign with its live totals; throws campaign_not_found (404) when there is none. */
  getCampaign(campaignId: number): Promise<Campaign>;
  /** Campaigns, newest first: all of them, or the newest `limit`. */
  listCampaigns(filter?: Page & { status?: CampaignStatus; sessionId?: string }): Promise<Campaign[]>;
  /** The campaign's groups (only those of `status` when given), with their results: all of them (or `limit`), by id. */
  listCampaignGroups(campaignId: number, filter?: Page & { status?: CampaignRowStatus }): Promise<CampaignGroup[]>;
  /** The campaign's failed groups with their errors: all of them (or `limit`). */
  listFailedGroups(campaignId: number, page?: Page): Promise<CampaignGroup[]>;
  /** Groups a campaign may target: active, never community parents; all of them (or `limit`), by JID. */
  listSendableGroups(sessionId: string, page?: Page): Promise<SendableGroup[]>;
  /**
   * POST /rpc/schedule_campaign: schedule a draft (true), due at `times.at` (at once without it) and
   * until `times.sendBefore` (rows not sent by then end cancelled, reason expired); or put it back
   * to draft (false).
   */
  scheduleCampaign(campaignId: number, scheduled?: boolean, times?: ScheduleTimes): Promise<ScheduleCampaignResponse>;
  /** POST /rpc/pause_campaign: none of its sends is claimed until resumeCampaign. */
  pauseCampaign(campaignId: number): Promise<PauseCampaignResponse>;
  /** POST /rpc/resume_campaign: a paused campaign's sends are claimed again. */
  resumeCampaign(campaignId: number): Promise<ResumeCampaignResponse>;
  /** POST /rpc/cancel_campaign: groups not yet sent are cancelled and never sent later. */
  cancelCampaign(campaignId: number): Promise<CancelCampaignResponse>;
  /** POST /rpc/retry_failed_groups: a new draft over the failed groups that can still be targeted. */
  retryFailedGroups(payload: RetryFailedGroupsRequest): Promise<RetryFailedGroupsResponse>;
  /** The sessions (WhatsApp accounts) and whether each is restricted. */
  listSessions(page?: Page): Promise<Session[]>;
  /** POST /rpc/clear_session_restriction: let a restricted session send again. */
  clearSessionRestriction(sessionId: string): Promise<ClearSessionRestrictionResponse>;
  /** POST /rpc/configure_session: the session's dispatch pace (settings not given keep their value). */
  configureSession(settings: ConfigureSessionRequest): Promise<ConfigureSessionResponse>;
  /** POST /rpc/resume_session: start a session's dispatch again after send-time failures paused it. */
  resumeSession(sessionId: string): Promise<ResumeSessionResponse>;
}

export type CrmConnectionOptions = ConnectionOptions &
  ({ apiKey: string } | { jwt: string }) & {
    /**
     * Retries of the calls that create something (createCampaign, retryFailedGroups) after no
     * answer, a lost connection or a 5xx. Safe: each logical call sends one Idempotency-Key, the
     * same on every attempt, so the backend creates once and answers repeats with the first answer.
     */
    retry?: RetryOptions;
  };

/**
 * Reads rows in pages by keyset (`key` strictly after the last row seen) until a page comes back
 * empty or `limit` is reached. A short page does not end the read: the server may cap pages below
 * what was asked (db-max-rows). Keyset, not offsets: rows inserted meanwhile never shift a page.
 */
type Answer<Row> = PromiseLike<{ data: Row[] | null; error: unknown; status: number }>;

async function readAll<Row extends Record<string, unknown>, K extends keyof Row & string>(
  page: (after: Row[K] | undefined, size: number) => Answer<Row>,
  key: K,
  limit = Infinity,
): Promise<Row[]> {
  const rows: Row[] = [];
  let after: Row[K] | undefined;
  while (rows.length < limit) {
    const batch = unwrap(await page(after, Math.min(PAGE_SIZE, limit - rows.length))) ?? [];
    if (batch.length === 0) break;
    rows.push(...batch);
    after = batch[batch.length - 1]![key];
  }
  return rows;
}

export function createCrmClient(o: CrmConnectionOptions): CrmClient {
  const client = apiClient(o);
  /** One logical call that creates something: one Idempotency-Key, kept across its retries. */
  const createOnce = <Res>(fn: RpcName, payload: unknown): Promise<Res> => {
    const key = `"${globalThis.crypto.randomUUID()}"`; // a structured-field string, as the draft writes it
    return withRetry(() => callRpc<Res>(client, fn, payload, { "Idempotency-Key": key }), o.retry);
  };
  return {
    createCampaign: (payload) => createOnce("create_campaign", payload),
    recordMessageSent: (payload) => callRpc(client, "record_message_sent", payload),
    async getCampaign(campaignId) {
      const rows = unwrap(await client.from("campaigns").select("*").eq("id", campaignId)) as Campaign[];
      if (!rows[0]) throw new BackendError("campaign_not_found", 404, `Campaign ${campaignId} does not exist.`);
      return rows[0];
    },
    listCampaigns: (filter = {}) =>
      readAll<Campaign, "id">(
        (after, size) => {
          let q = client.from("campaigns").select("*");
          if (filter.status) q = q.eq("status", filter.status);
          if (filter.sessionId) q = q.eq("session_id", filter.sessionId);
          if (after !== undefined) q = q.lt("id", after);
          return q.order("id", { ascending: false }).limit(size) as Answer<Campaign>;
        },
        "id",
        filter.limit,
      ),
    listCampaignGroups(campaignId, filter = {}) {
      return readAll<CampaignGroup, "id">(
        (after, size) => {
          let q = client.from("campaign_groups").select("*").eq("campaign_id", campaignId);
          if (filter.status) q = q.eq("status", filter.status);
          if (after !== undefined) q = q.gt("id", after);
          return q.order("id").limit(size) as Answer<CampaignGroup>;
        },
        "id",
        filter.limit,
      );
    },
    listFailedGroups(campaignId, p = {}) {
      return this.listCampaignGroups(campaignId, { ...p, status: "failed" });
    },
    listSendableGroups: (sessionId, p = {}) =>
      readAll<SendableGroup, "group_jid">(
        (after, size) => {
          let q = client.from("sendable_groups").select("*").eq("session_id", sessionId);
          if (after !== undefined) q = q.gt("group_jid", after);
          return q.order("group_jid").limit(size) as Answer<SendableGroup>;
        },
        "group_jid",
        p.limit,
      ),
    scheduleCampaign: (campaignId, scheduled = true, times = {}) =>
      callRpc(client, "schedule_campaign", {
        campaignId,
        scheduled,
        ...(times.at === undefined ? {} : { at: new Date(times.at).toISOString() }),
        ...(times.sendBefore === undefined ? {} : { sendBefore: new Date(times.sendBefore).toISOString() }),
      }),
    cancelCampaign: (campaignId) => callRpc(client, "cancel_campaign", { campaignId }),
    pauseCampaign: (campaignId) => callRpc(client, "pause_campaign", { campaignId }),
    resumeCampaign: (campaignId) => callRpc(client, "resume_campaign", { campaignId }),
    retryFailedGroups: (payload) => createOnce("retry_failed_groups", payload),
    listSessions: (p = {}) =>
      readAll<Session, "session_id">(
        (after, size) => {
          let q = client.from("sessions").select("*");
          if (after !== undefined) q = q.gt("session_id", after);
          return q.order("session_id").limit(size) as Answer<Session>;
        },
        "session_id",
        p.limit,
      ),
    clearSessionRestriction: (sessionId) => callRpc(client, "clear_session_restriction", { sessionId }),
    configureSession: (settings) => callRpc(client, "configure_session", settings),
    resumeSession: (sessionId) => callRpc(client, "resume_session", { sessionId }),
  };
}
