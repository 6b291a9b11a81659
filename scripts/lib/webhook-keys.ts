// Gateway webhook keys (WAHA's HMAC key, internal.webhook_secrets): set per session or for every
// session ('*'). WAHA accepts any non-empty key, so the backend does too (issue 21.9); a short one
// is accepted with a warning, because a short key can be guessed.
import { withClient } from "./db.js";

export const WEBHOOK_GATEWAYS = ["waha"] as const;
export type WebhookGateway = (typeof WEBHOOK_GATEWAYS)[number];
/** Below this, `webhook-key set` warns (WAHA itself accepts any length). */
export const SHORT_WEBHOOK_KEY = 16;

export function shortKeyWarning(key: string): string | undefined {
  if (key.length >= SHORT_WEBHOOK_KEY) return undefined;
  return (
    `warning: this key has ${key.length} characters. WAHA and the backend accept it, but a short key can be guessed: ` +
    `prefer ${SHORT_WEBHOOK_KEY * 2} random characters or more (openssl rand -hex 32), set in WAHA's hmac.key and here.`
  );
}

/**
 * Sets (or replaces) the key of `session` ('*': every session without its own). created_at comes
 * from the excluded row (its default, now()): on Citus, where the table is a reference table, a
 * non-immutable function in DO UPDATE SET is refused (docs/citus.md, item 18).
 */
export function setWebhookKey(adminUrl: string, gateway: WebhookGateway, session: string, key: string) {
  return withClient(adminUrl, (c) =>
    c.query(
      `insert into internal.webhook_secrets (gateway, session_id, secret) values ($1, $2, $3)
     on conflict (gateway, session_id) do update set secret = excluded.secret, created_at = excluded.created_at`,
      [gateway, session, key],
    ),
  );
}

export async function removeWebhookKey(adminUrl: string, gateway: WebhookGateway, session: string): Promise<boolean> {
  return withClient(
    adminUrl,
    async (c) =>
      (await c.query("delete from internal.webhook_secrets where gateway = $1 and session_id = $2", [gateway, session])).rowCount === 1,
  );
}

/** Every key: gateway, session, its length and when it was set (never the key itself). */
export function listWebhookKeys(adminUrl: string) {
  return withClient(
    adminUrl,
    async (c) =>
      (
        await c.query<{ gateway: string; session_id: string; length: number; created_at: Date }>(
          "select gateway, session_id, length(secret) as length, created_at from internal.webhook_secrets order by gateway, session_id",
        )
      ).rows,
  );
}
