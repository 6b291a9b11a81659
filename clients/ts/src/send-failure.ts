// What a sender throws when WhatsApp (or the gateway in front of it) refused one message: the
// dispatcher records it as that row's send-time failure (record_message_sent {groupJid,
// errorCode, errorMessage}). Anything else a sender throws means "not known to be sent or
// refused" (a closed connection, a gateway that did not answer): the row is not reported and is
// claimed again, with the same message id, once its lease ends.

/** The error codes that mean the sending account itself is restricted (wa_data.restricting_error_codes). */
export const RESTRICTING_ERROR_CODES: readonly number[] = [463];

export class SendFailure extends Error {
  override readonly name = "SendFailure";
  /**
   * @param code WhatsApp's numeric error code when there is one (463, 420, 403 ...), else null.
   * @param message What the gateway said, for people.
   * @param gatewayStatus The HTTP status of a gateway's answer (WAHA, Evolution API), when it had one.
   */
  constructor(
    readonly code: number | null,
    message: string,
    readonly gatewayStatus?: number,
  ) {
    super(message);
  }

  /** This failure says the account is restricted: the dispatcher stops its batch and asks again. */
  get restricting(): boolean {
    return this.code !== null && RESTRICTING_ERROR_CODES.includes(this.code);
  }
}

/** A numeric error code out of whatever a gateway gave (463, "463", " 463 "), else null. */
export function errorCodeOf(v: unknown): number | null {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 1e9) return v;
  if (typeof v === "string" && /^\s*\d{1,9}\s*$/.test(v)) return Number(v);
  return null;
}
