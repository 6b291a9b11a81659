// What the HTTP tests get from scripts/test.ts, plus helpers that act as the DBA (admin SQL).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createApiKey, type ApiRole } from "../../scripts/lib/api-keys.js";

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with npm test`);
  return v;
}

export const apiUrl = required("WA_API_URL");
export const dbUrl = required("WA_DB_URL");
export const jwtSecret = required("WA_JWT_SECRET");

export const db = new pg.Pool({ connectionString: dbUrl, max: 4 });

export async function newKey(role: ApiRole, label = "test"): Promise<string> {
  return (await createApiKey(dbUrl, role, label)).key;
}

/** A session id of its own, so that test files running in parallel never share data. */
export const uniqueSession = (prefix = "wa") => `${prefix}_${randomUUID().slice(0, 8)}`;

let jidCounter = 0;
/** A fresh group JID (unique within this process; sessions keep tests apart anyway). */
export function groupJid(n?: number): string {
  return `${120363100000000000 + (n ?? ++jidCounter)}@g.us`;
}

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

export async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(apiUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = undefined;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json: json as any, text };
}
