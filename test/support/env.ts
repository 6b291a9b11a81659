// What the HTTP tests get from scripts/test.ts, plus helpers that act as the DBA (admin SQL).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createApiKey, type ApiRole } from "../../scripts/lib/api-keys.js";
import { BackendError } from "../../clients/ts/src/errors.js";
import { jidFrom } from "./jids.js";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { withSearchPath } from "../../scripts/lib/db.js";

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with npm test`);
  return v;
}

export const apiUrl = required("WA_API_URL");
export const dbUrl = required("WA_DB_URL");
export const jwtSecret = required("WA_JWT_SECRET");

export const db = new pg.Pool({ connectionString: dbUrl, max: 4, ...withSearchPath() });

/** A new key of that role; its label is unique unless given (a label names one active key). */
export async function newKey(role: ApiRole, label = `test-${randomUUID()}`): Promise<string> {
  return (await createApiKey(dbUrl, role, label)).key;
}

/** A session id of its own, so that test files running in parallel never share data. */
export const uniqueSession = (prefix = "wa") => `${prefix}_${randomUUID().slice(0, 8)}`;

// Per test process: a random base keeps parallel test files apart even for global lookups.
let jidCounter = Math.floor(Math.random() * 1e5) * 1e6;
/** A fresh group JID (unique within this process; sessions keep tests apart anyway). */
export function groupJid(n?: number): string {
  return jidFrom(n ?? ++jidCounter);
}

export { jidFrom };

/** A GroupMetadata object as Baileys' groupFetchAllParticipating() returns it. */
export function baileysGroup(id: string, extra: Record<string, unknown> = {}, participants = 3) {
  return {
    id,
    subject: `Group ${id.slice(-10, -5)}`,
    subjectOwner: "5511999999999@s.whatsapp.net",
    subjectTime: 1700000000,
    size: participants,
    creation: 1690000000,
    owner: "5511999999999@s.whatsapp.net",
    desc: "A group",
    restrict: false,
    announce: false,
    isCommunity: false,
    isCommunityAnnounce: false,
    joinApprovalMode: false,
    memberAddMode: true,
    participants: Array.from({ length: participants }, (_, i) => ({
      id: `55119${String(i).padStart(8, "0")}@s.whatsapp.net`,
      admin: i === 0 ? "superadmin" : null,
    })),
    ...extra,
  };
}

/**
 * What no answer may ever show: the name of any table, index, sequence or constraint in our
 * private schemas (read from the catalog, so a new table is covered without a change here), a
 * schema-qualified internal name, PostgreSQL's wording for constraints and relations. Every HTTP
 * test through post() (fuzz, concurrency, contracts) checks every body; a name the request itself
 * carried (echoed input) or one of our error codes is not a leak.
 */
const WORDING = /\b(?:wa_data|internal|public)\.[a-z_]+|violates|constraint|relation \\?"/gi;
const ERROR_CODES = new Set<string>(loadContracts().error!.definitions.ErrorCode.enum);
let catalogNames: Promise<Set<string>> | undefined;
const privateNames = () => (catalogNames ??= db.query<{ name: string }>(
  `select relname as name from pg_class where relnamespace in ('wa_data'::regnamespace, 'internal'::regnamespace)
   union select conname from pg_constraint where connamespace in ('wa_data'::regnamespace, 'internal'::regnamespace)`)
  .then((r) => new Set(r.rows.map((x) => x.name))));

export async function internalNames(response: string, request = ""): Promise<string[]> {
  const names = await privateNames();
  const req = request.toLowerCase();
  const found = [...response.matchAll(/[a-z0-9_]+/gi)].filter((m) => names.has(m[0].toLowerCase()))
    .concat([...response.matchAll(WORDING)]);
  return found.sort((a, b) => a.index! - b.index!).map((m) => m[0]) // in the order they appear
    .filter((n) => !ERROR_CODES.has(n) && !req.includes(n.toLowerCase()));
}

export async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(apiUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const leaked = await internalNames(text, typeof body === "string" ? body : JSON.stringify(body));
  if (leaked.length) throw new Error(`${path} answered ${res.status} with internal names ${leaked.join(", ")}: ${text.slice(0, 500)}`);
  let json: unknown = undefined;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json: json as any, text };
}

/** Syncs `n` fresh groups for a new session over HTTP; returns the session and the JIDs. */
export async function seedSession(gatewayKey: string, n: number, prefix = "wa") {
  const sessionId = uniqueSession(prefix);
  const jids = Array.from({ length: n }, () => groupJid());
  const r = await post("/rpc/sync_groups", { sessionId, groups: jids.map((id) => baileysGroup(id)) },
    { "x-api-key": gatewayKey });
  if (r.status !== 200) throw new Error(`seed failed: ${r.status} ${r.text}`);
  return { sessionId, jids };
}

/** Totals of a campaign next to its rows' actual counts. */
export async function campaignTotals(campaignId: number) {
  const { rows } = await db.query(
    `select c.status, c.total_groups, c.pending_count, c.sent_count, c.failed_count,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id) as rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'pending') as pending_rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'sent') as sent_rows,
            (select count(*)::int from notification_campaign_groups g where g.campaign_id = c.id and g.status = 'failed') as failed_rows
     from notification_campaigns c where c.id = $1`, [campaignId]);
  return rows[0];
}

/** The BackendError a call rejected with (fails the test if it did not reject with one). */
export async function rejection(p: Promise<unknown>): Promise<BackendError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof BackendError)) throw new Error(`expected a BackendError, got ${String(e)}`);
  return e;
}

/** A fresh gateway key and CRM key, as x-api-key headers. */
export async function roleHeaders() {
  return { gw: { "x-api-key": await newKey("gateway") }, crm: { "x-api-key": await newKey("crm") } };
}
