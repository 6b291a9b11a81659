// A WAHA group sync: WAHA's GET /api/{session}/groups, whose shape differs per engine, mapped to
// what POST /rpc/sync_groups takes (community flags included), then posted. WAHA's group events
// (group.v2.*) keep a session current between syncs but carry no community flags; a periodic
// sync is what makes a new group sendable (docs/gateway.md).
//
// The shapes, from WAHA's sources (2026):
// - GOWS  (src/core/engines/gows/session.gows.core.ts getGroups): a list of whatsmeow GroupInfo,
//   {JID, Name, IsParent, LinkedParentJID ("" when none), IsDefaultSubGroup, IsAnnounce, IsLocked,
//   Participants: [...], ParticipantCount (the node's `size`, 0 when absent: then the list's length)}.
// - NOWEB (src/core/engines/noweb/session.noweb.core.ts getGroups): Baileys GroupMetadata keyed by
//   id ({id: group}), as groupFetchAllParticipating() gives them.
// - WEBJS (whatsapp-web.js GroupChat): {id: {_serialized}, name, groupMetadata: {subject, size,
//   announce, restrict, isParentGroup, parentGroup: {_serialized}, defaultSubgroup, participants}}.
import type { BaileysGroup, SyncGroupsResponse } from "./contracts.generated.js";
import { BackendError } from "./errors.js";
import type { GatewayClient } from "./gateway.js";
import { withRetry, type RetryOptions } from "./retry.js";

export type WahaEngine = "GOWS" | "NOWEB" | "WEBJS";

export interface WahaConnection {
  /** WAHA's base URL, e.g. http://waha:3000 */
  url: string;
  /** WAHA's own API key (WAHA_API_KEY), sent as X-Api-Key. */
  apiKey?: string;
  /** A fetch of your own (a proxy, a test); the global fetch by default. */
  fetch?: typeof fetch;
}

/** WAHA answered something other than a group list (or not at all). */
export class WahaError extends Error {
  override readonly name = "WahaError";
  constructor(
    message: string,
    readonly status: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** A JID as WAHA serialises it: a string, or a whatsapp-web.js wid {_serialized}. Empty is none. */
const jid = (v: unknown): string | undefined =>
  (typeof v === "string" ? v : isObj(v) && typeof v._serialized === "string" ? v._serialized : undefined) || undefined;
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
const count = (v: unknown): number | undefined => (Array.isArray(v) ? v.length : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/**
 * A group's members: its count when positive, else its participants list's length. whatsmeow's
 * ParticipantCount is the group node's `size` attribute, 0 when WhatsApp leaves it out; a group we
 * are in always has a member, so 0 never is the count.
 */
const members = (size: unknown, ...lists: unknown[]): number | undefined =>
  typeof size === "number" && size > 0
    ? size
    : (lists.map(count).find((n) => n !== undefined) ?? (typeof size === "number" ? size : undefined));

/** Which engine produced this item of GET /api/{session}/groups (by its shape). */
export function wahaGroupEngine(item: unknown): WahaEngine | undefined {
  if (!isObj(item)) return undefined;
  if ("JID" in item) return "GOWS";
  if ("groupMetadata" in item) return "WEBJS";
  if (typeof item.id === "string") return "NOWEB";
  return undefined;
}

/** One group of WAHA's list, whatever the engine, as sync_groups takes it; undefined when it is not a group. */
export function toBaileysGroupFromWaha(item: unknown, engine = wahaGroupEngine(item)): BaileysGroup | undefined {
  if (!isObj(item)) return undefined;
  let g: Partial<BaileysGroup>;
  if (engine === "GOWS") {
    g = {
      id: jid(item.JID),
      subject: str(item.Name),
      size: members(item.ParticipantCount, item.Participants),
      isCommunity: bool(item.IsParent),
      isCommunityAnnounce: bool(item.IsDefaultSubGroup),
      linkedParent: jid(item.LinkedParentJID),
      announce: bool(item.IsAnnounce),
      restrict: bool(item.IsLocked),
    };
  } else if (engine === "WEBJS") {
    const m = isObj(item.groupMetadata) ? item.groupMetadata : {};
    g = {
      id: jid(m.id) ?? jid(item.id),
      subject: str(m.subject) ?? str(item.name),
      size: members(m.size, m.participants, item.participants),
      isCommunity: bool(m.isParentGroup),
      isCommunityAnnounce: bool(m.defaultSubgroup),
      linkedParent: jid(m.parentGroup),
      announce: bool(m.announce),
      restrict: bool(m.restrict),
    };
  } else if (engine === "NOWEB") {
    // Baileys' own GroupMetadata: the fields sync_groups reads, of participants only the count.
    g = {
      id: jid(item.id),
      subject: str(item.subject),
      size: members(item.size, item.participants),
      isCommunity: bool(item.isCommunity),
      isCommunityAnnounce: bool(item.isCommunityAnnounce),
      linkedParent: jid(item.linkedParent),
      announce: bool(item.announce),
      restrict: bool(item.restrict),
    };
  } else {
    return undefined;
  }
  if (!g.id) return undefined;
  return Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) as unknown as BaileysGroup;
}

/** WAHA's whole answer (a list, or NOWEB's {id: group} object) as sync_groups' groups. */
export function wahaGroupsToBaileys(list: unknown, engine?: WahaEngine): BaileysGroup[] {
  const items = Array.isArray(list) ? list : isObj(list) ? Object.values(list) : [];
  return items
    .map((item) => toBaileysGroupFromWaha(item, engine ?? wahaGroupEngine(item)))
    .filter((g): g is BaileysGroup => g !== undefined);
}

/** GET {url}/api/{session}/groups from WAHA, as JSON. */
export async function fetchWahaGroups(waha: WahaConnection, session: string): Promise<unknown> {
  const f = waha.fetch ?? fetch;
  const res = await f(`${waha.url.replace(/\/+$/, "")}/api/${encodeURIComponent(session)}/groups`, {
    headers: { accept: "application/json", ...(waha.apiKey ? { "x-api-key": waha.apiKey } : {}) },
  });
  const text = await res.text();
  if (!res.ok) throw new WahaError(`WAHA answered ${res.status} to GET /api/${session}/groups`, res.status, text.slice(0, 500));
  try {
    return JSON.parse(text);
  } catch {
    throw new WahaError(`WAHA's group list is not JSON`, res.status, text.slice(0, 500));
  }
}

export interface SyncWahaGroupsOptions extends WahaConnection {
  /** WAHA's session name (also the backend's sessionId unless `sessionId` is given). */
  session: string;
  /** The session's engine; by default read from each item's shape. */
  engine?: WahaEngine;
  /** The backend's session id, when it is not WAHA's session name. */
  sessionId?: string;
  retry?: RetryOptions;
}

/**
 * Reads the session's groups from WAHA and posts them as the session's full list
 * (POST /rpc/sync_groups: parents dropped, announcement groups kept, missing groups deactivated).
 * An empty list is never posted (a session not yet in sync answers one): BackendError
 * empty_group_list, as syncBaileysGroups. Network errors and 5xx of the backend are retried.
 */
export async function syncWahaGroups(o: SyncWahaGroupsOptions, gateway: GatewayClient): Promise<SyncGroupsResponse> {
  const groups = wahaGroupsToBaileys(await fetchWahaGroups(o, o.session), o.engine);
  if (groups.length === 0) {
    throw new BackendError(
      "empty_group_list",
      422,
      `WAHA listed no groups for session ${o.session}; nothing was sent (the session keeps its groups).`,
    );
  }
  return withRetry(() => gateway.syncGroups({ sessionId: o.sessionId ?? o.session, groups }), o.retry);
}
