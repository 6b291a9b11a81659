// An Evolution API group sync: Evolution's GET /group/fetchAllGroups/{instance}, mapped to what
// POST /rpc/sync_groups takes (community flags included), then posted. Evolution's groups.upsert
// webhook carries new groups between syncs (api.evolution_webhook); a periodic sync is what
// deactivates the groups the instance left and removes parents stored before.
//
// The shape, from Evolution API 2.3.6's source (src/api/integrations/channel/whatsapp/
// whatsapp.baileys.service.ts fetchAllGroups; route src/api/routes/group.router.ts, header `apikey`,
// query getParticipants=true|false required): a bare array of {id, subject, subjectOwner,
// subjectTime, pictureUrl, size (participants.length), creation, owner, desc, descId, restrict,
// announce, isCommunity, isCommunityAnnounce, linkedParent}, each Baileys GroupMetadata's fields,
// with those Baileys left undefined absent. Its objects differ in keys, so the array itself is no
// sync_groups body (PostgREST 12 refuses it, PGRST102): this helper wraps it with the session.
import type { BaileysGroup, SyncGroupsResponse } from "./contracts.generated.js";
import { BackendError } from "./errors.js";
import type { GatewayClient } from "./gateway.js";
import { withRetry, type RetryOptions } from "./retry.js";

export interface EvolutionConnection {
  /** Evolution's base URL, e.g. http://evolution:8080 */
  url: string;
  /** Evolution's global API key (AUTHENTICATION_API_KEY) or the instance's token, sent as `apikey`. */
  apiKey: string;
  /** A fetch of your own (a proxy, a test); the global fetch by default. */
  fetch?: typeof fetch;
}

/** Evolution API answered an error, or something other than what was asked (or not at all): nothing about a message's fate. */
export class EvolutionError extends Error {
  override readonly name = "EvolutionError";
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
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);

/** One group of Evolution's list as sync_groups takes it; undefined when it has no id. */
export function toBaileysGroupFromEvolution(item: unknown): BaileysGroup | undefined {
  if (!isObj(item) || !str(item.id)) return undefined;
  const listed = Array.isArray(item.participants) ? item.participants.length : undefined;
  const g: Partial<BaileysGroup> = {
    id: str(item.id),
    subject: typeof item.subject === "string" ? item.subject : undefined,
    // Evolution's size is participants.length; a positive count, else the list when it was asked for.
    size: typeof item.size === "number" && item.size > 0 ? item.size : (listed ?? (typeof item.size === "number" ? item.size : undefined)),
    isCommunity: bool(item.isCommunity),
    isCommunityAnnounce: bool(item.isCommunityAnnounce),
    linkedParent: str(item.linkedParent),
    announce: bool(item.announce),
    restrict: bool(item.restrict),
  };
  return Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) as unknown as BaileysGroup;
}

/** Evolution's whole answer (a bare array) as sync_groups' groups. */
export function evolutionGroupsToBaileys(list: unknown): BaileysGroup[] {
  return (Array.isArray(list) ? list : []).map(toBaileysGroupFromEvolution).filter((g): g is BaileysGroup => g !== undefined);
}

/** GET {url}/group/fetchAllGroups/{instance}?getParticipants=false from Evolution, as JSON. */
export async function fetchEvolutionGroups(evo: EvolutionConnection, instance: string): Promise<unknown> {
  const f = evo.fetch ?? fetch;
  const path = `/group/fetchAllGroups/${encodeURIComponent(instance)}?getParticipants=false`;
  const res = await f(`${evo.url.replace(/\/+$/, "")}${path}`, { headers: { accept: "application/json", apikey: evo.apiKey } });
  const text = await res.text();
  if (!res.ok) throw new EvolutionError(`Evolution answered ${res.status} to GET ${path}`, res.status, text.slice(0, 500));
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new EvolutionError("Evolution's group list is not JSON", res.status, text.slice(0, 500));
  }
  if (!Array.isArray(list)) throw new EvolutionError("Evolution's group list is not an array", res.status, text.slice(0, 500));
  return list;
}

export interface SyncEvolutionGroupsOptions extends EvolutionConnection {
  /** Evolution's instance name (also the backend's sessionId unless `sessionId` is given). */
  instance: string;
  /** The backend's session id, when it is not the instance name. */
  sessionId?: string;
  retry?: RetryOptions;
}

/**
 * Reads the instance's groups from Evolution and posts them as the session's full list
 * (POST /rpc/sync_groups: parents dropped, announcement groups kept, missing groups deactivated).
 * An empty list is never posted (an instance not yet connected answers one): BackendError
 * empty_group_list, as syncBaileysGroups and syncWahaGroups. Network errors and 5xx of the backend
 * are retried.
 */
export async function syncEvolutionGroups(o: SyncEvolutionGroupsOptions, gateway: GatewayClient): Promise<SyncGroupsResponse> {
  const groups = evolutionGroupsToBaileys(await fetchEvolutionGroups(o, o.instance));
  if (groups.length === 0) {
    throw new BackendError(
      "empty_group_list",
      422,
      `Evolution listed no groups for instance ${o.instance}; nothing was sent (the session keeps its groups).`,
    );
  }
  return withRetry(() => gateway.syncGroups({ sessionId: o.sessionId ?? o.instance, groups }), o.retry);
}
