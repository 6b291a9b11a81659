import type { CampaignRowStatus, CampaignStatus, ErrorCode } from "./contracts.generated.js";

export type { ErrorCode };

/** Which element of the body a refusal is about (an index into the array it names). */
interface AtIndex {
  index: number;
}
/** A few of many (the first 100), and how many in all. */
interface Sample {
  count: number;
}

/**
 * The structured `details` of the codes that carry them (test/http/error-details.test.ts provokes
 * each and checks the shape); any other code's details are a string or null.
 */
export interface ErrorDetails {
  invalid_transition: { status: CampaignStatus; action: "schedule" | "unschedule" | "cancel" };
  unsendable_groups: Sample & { groupJids: string[] };
  unknown_campaign_groups: Sample & { groupJids: string[] };
  send_conflict: Sample & { rows: { groupJid: string; status: CampaignRowStatus; messageId: string | null }[] };
  duplicate_message_id: { messageId: string; groupJid?: string };
  duplicate_group_jid: { groupJid: string; indexes?: number[] };
  invalid_group_jids: AtIndex;
  invalid_sends: AtIndex;
  invalid_group: AtIndex & { field: string };
  invalid_group_jid: AtIndex & { field: string };
  invalid_group_field: AtIndex & { field: string };
  nothing_to_retry: { failed: number };
  replay_refused: { endpoint: string; code: ErrorCode; message: string };
  replay_session_mismatch: { sessionId: string; messageId: string | null };
}
/** The details of code C. */
export type DetailsOf<C extends ErrorCode> = C extends keyof ErrorDetails ? ErrorDetails[C] : string | null;

/** No answer at all (0), or a server error. */
export const RETRYABLE_STATUS = (status: number) => status === 0 || status >= 500;

/**
 * Every failed call throws this: the backend's stable `code`, the HTTP `status` (0 when the
 * request never got an answer), its message, details and hint, and the whole body.
 */
export class BackendError extends Error {
  override readonly name = "BackendError";
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details: unknown = null,
    readonly hint: string | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /**
   * Whether this is a refusal with `code`; narrows `details` to that code's shape:
   * `if (e.is("unsendable_groups")) e.details.groupJids`.
   */
  is<K extends ErrorCode>(code: K): this is BackendError & { readonly code: K; readonly details: DetailsOf<K> } {
    return this.code === code;
  }

  /**
   * True for failures worth retrying: no answer at all, a 5xx, or a lost database connection.
   * Never for a real 4xx.
   */
  get retryable(): boolean {
    return RETRYABLE_STATUS(this.status) || this.code === "connection_lost";
  }

  static fromResponse(error: unknown, status: number): BackendError {
    const e = (error ?? {}) as { code?: string; message?: string; details?: unknown; hint?: string | null };
    if (status === 0) {
      return new BackendError("network_error", 0, e.message ?? "The request got no answer", e.details ?? null, null, error);
    }
    if (status === 400 && !e.code) {
      // PostgREST 12.0.2 answers 400 with an empty code when its database connection breaks
      // mid-request (e.g. PostgreSQL restarting): not a verdict on the request.
      return new BackendError(
        "connection_lost",
        status,
        e.message || "The database connection was lost during the request.",
        null,
        null,
        error,
      );
    }
    return new BackendError(
      (e.code ?? "unknown") as ErrorCode,
      status,
      e.message ?? `HTTP ${status}`,
      parseDetails(e.details),
      e.hint ?? null,
      error,
    );
  }
}

/** Structured details arrive as JSON text (PostgREST 12 carries details as a string). */
function parseDetails(details: unknown): unknown {
  if (typeof details !== "string" || !/^\s*[[{]/.test(details)) return details ?? null;
  try {
    return JSON.parse(details);
  } catch {
    return details;
  }
}
