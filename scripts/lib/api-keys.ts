// API keys: 32 random bytes behind a recognisable prefix. Only their SHA-256 is stored. A label
// names at most one active key; rotate replaces it (optionally letting the old one work a while).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type pg from "pg";
import { inTransaction, withClient } from "./db.js";

export const API_KEY_PREFIX = "wak_";
export const API_ROLES = ["gateway", "crm", "ops"] as const;
export type ApiRole = (typeof API_ROLES)[number];

/** A refusal the key CLI prints as one line (exit code 1). */
export class KeyError extends Error {}

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** `replaces`: the key a rotation replaces (the new key continues its lineage: its Idempotency-Keys). */
async function insertKey(c: pg.Client, role: string, label: string, sessions: string[] | null = null, replaces: string | null = null) {
  const key = newApiKey();
  try {
    const { rows } = await c.query<{ id: string }>("select internal.create_api_key($1, $2, $3, $4, $5) as id", [
      key,
      role,
      label,
      sessions,
      replaces,
    ]);
    return { id: Number(rows[0]!.id), key, role, label, sessions };
  } catch (e) {
    if ((e as { code?: string }).code === "23505") {
      throw new KeyError(`an active key is already labelled "${label}": rotate it, revoke it, or choose another label`);
    }
    throw e;
  }
}

/**
 * A new key of `role`. `sessions`: the WhatsApp sessions a gateway key may act on (null: every
 * session); only gateway keys take sessions.
 */
export function createApiKey(adminUrl: string, role: ApiRole, label: string, sessions: string[] | null = null) {
  checkSessions(role, sessions);
  return withClient(adminUrl, (c) => insertKey(c, role, label, sessions));
}

/** Sessions are a gateway key's, listed once each, each a session id (internal.value_rules SessionId). */
function checkSessions(role: string, sessions: string[] | null) {
  if (sessions === null) return;
  if (role !== "gateway") throw new KeyError(`only gateway keys act on sessions (this key's role is ${role})`);
  if (sessions.length === 0) throw new KeyError("--sessions needs at least one session");
  const blank = sessions.find((s) => !/\S/.test(s) || s.length > 200);
  if (blank !== undefined) throw new KeyError(`not a session id: "${blank}"`);
}

/**
 * Binds the active key with that id or label to `sessions` (null: every session again), without a
 * new key: the gateway keeps its key, and the next request acts within the new scope.
 */
export function scopeApiKey(adminUrl: string, idOrLabel: string, sessions: string[] | null) {
  return inTransaction(adminUrl, async (c) => {
    const k = await activeKey(c, idOrLabel);
    checkSessions(k.role, sessions);
    await c.query("update internal.api_keys set sessions = $2 where id = $1", [k.id, sessions]);
    return { id: Number(k.id), label: k.label, sessions };
  });
}

export interface ApiKeyRow {
  id: string;
  key_prefix: string;
  role: string;
  label: string;
  sessions: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
  state: "active" | "retiring" | "revoked";
}

export function listApiKeys(adminUrl: string): Promise<ApiKeyRow[]> {
  return withClient(
    adminUrl,
    async (c) =>
      (
        await c.query<ApiKeyRow>(
          `select id, key_prefix, role, label, sessions::text[] as sessions, created_at, revoked_at,
            case when revoked_at is null then 'active' when revoked_at > now() then 'retiring' else 'revoked' end as state
     from internal.api_keys order by id`,
        )
      ).rows,
  );
}

/** The one active key an id or a label names, locked for the rest of the transaction. */
async function activeKey(c: pg.Client, idOrLabel: string) {
  const byId = /^[0-9]+$/.test(idOrLabel);
  const { rows } = await c.query<{ id: string; role: string; label: string; sessions: string[] | null }>(
    `select id, role, label, sessions::text[] as sessions from internal.api_keys
     where revoked_at is null and ${byId ? "id = $1::bigint" : "label = $1"} for update`,
    [idOrLabel],
  );
  if (!rows[0]) throw new KeyError(`no active key ${byId ? "with id" : "labelled"} ${idOrLabel}`);
  return rows[0];
}

/** Revokes the one active key with that id or label, at once. */
export function revokeApiKey(adminUrl: string, idOrLabel: string) {
  return inTransaction(adminUrl, async (c) => {
    const k = await activeKey(c, idOrLabel);
    await c.query("update internal.api_keys set revoked_at = now() where id = $1", [k.id]);
    return { id: Number(k.id), label: k.label };
  });
}

/**
 * Replaces the key with that id or label by a new one of the same role, label, sessions and
 * lineage (internal.api_keys.lineage: the Idempotency-Keys of the old key are the new one's), in
 * one transaction. The old key stops working after `graceSeconds` (default: at once), so a gateway
 * can be switched to the new key without a gap.
 */
export function rotateApiKey(adminUrl: string, idOrLabel: string, graceSeconds = 0) {
  return inTransaction(adminUrl, async (c) => {
    const old = await activeKey(c, idOrLabel);
    const { rows } = await c.query<{ until: Date }>(
      "update internal.api_keys set revoked_at = now() + make_interval(secs => $2) where id = $1 returning revoked_at as until",
      [old.id, graceSeconds],
    );
    const created = await insertKey(c, old.role, old.label, old.sessions, old.id); // the same sessions and lineage
    return { ...created, replacedId: Number(old.id), oldKeyWorksUntil: rows[0]!.until };
  });
}

/**
 * Local development keys for `npm start`, kept in a git-ignored file so that a second start (or
 * a restart) hands out the same keys instead of revoking the ones a running instance printed.
 */
export async function localDevKeys(adminUrl: string, file: string): Promise<Record<ApiRole, string>> {
  const saved: Partial<Record<ApiRole, string>> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const keys = await withClient(adminUrl, async (c) => {
    const out = {} as Record<ApiRole, string>;
    for (const role of API_ROLES) {
      const key = saved[role];
      const { rows } = key ? await c.query("select role from internal.api_key($1)", [key]) : { rows: [] };
      if (key && rows[0]?.role === role) {
        out[role] = key;
        continue;
      }
      // Lost or revoked: replace whatever holds the label.
      await c.query("update internal.api_keys set revoked_at = now() where label = $1 and revoked_at is null", [`local-dev-${role}`]);
      out[role] = (await insertKey(c, role, `local-dev-${role}`)).key;
    }
    return out;
  });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(keys) + "\n", { mode: 0o600 });
  return keys;
}
