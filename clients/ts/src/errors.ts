import type { ErrorCode } from "./contracts.generated.js";

export type { ErrorCode };


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
      return new BackendError("connection_lost", status, e.message || "The database connection was lost during the request.",
        null, null, error);
    }
    return new BackendError((e.code ?? "unknown") as ErrorCode, status, e.message ?? `HTTP ${status}`,
      parseDetails(e.details), e.hint ?? null, error);
  }
}

/** Structured details arrive as JSON text (PostgREST 12 carries details as a string). */
function parseDetails(details: unknown): unknown {
  if (typeof details !== "string" || !/^\s*[[{]/.test(details)) return details ?? null;
  try { return JSON.parse(details); } catch { return details; }
}
