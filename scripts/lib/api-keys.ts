// API keys: 32 random bytes behind a recognisable prefix. Only their SHA-256 is stored.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const API_KEY_PREFIX = "wak_";
export const API_ROLES = ["gateway", "crm"] as const;
export type ApiRole = (typeof API_ROLES)[number];

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

export async function createApiKey(adminUrl: string, role: ApiRole, label: string) {
  const key = newApiKey();
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string }>("select internal.create_api_key($1, $2, $3) as id", [key, role, label]);
    return { id: Number(rows[0]!.id), key };
  } finally { await c.end(); }
}

export async function listApiKeys(adminUrl: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query(
      `select id, key_prefix, role, label, created_at, revoked_at from internal.api_keys order by id`);
    return rows as { id: string; key_prefix: string; role: string; label: string; created_at: Date; revoked_at: Date | null }[];
  } finally { await c.end(); }
}

/** Revokes by id, or by label (every active key with that label). Returns how many. */
export async function revokeApiKey(adminUrl: string, idOrLabel: string): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const byId = /^[0-9]+$/.test(idOrLabel);
    const res = await c.query(
      `update internal.api_keys set revoked_at = now()
       where revoked_at is null and ${byId ? "id = $1::bigint" : "label = $1"}`, [idOrLabel]);
    return res.rowCount ?? 0;
  } finally { await c.end(); }
}
