// Talking to the API as a test: post() checks every answer for internal names (the guard below).
import { BackendError } from "../../clients/ts/src/errors.js";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { apiUrl, db } from "./env.js";

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
const privateNames = () =>
  (catalogNames ??= db
    .query<{ name: string }>(
      `select relname as name from pg_class where relnamespace in ('wa_data'::regnamespace, 'internal'::regnamespace)
   union select conname from pg_constraint where connamespace in ('wa_data'::regnamespace, 'internal'::regnamespace)`,
    )
    .then((r) => new Set(r.rows.map((x) => x.name))));

export async function internalNames(response: string, request = ""): Promise<string[]> {
  const names = await privateNames();
  const req = request.toLowerCase();
  const found = [...response.matchAll(/[a-z0-9_]+/gi)].filter((m) => names.has(m[0].toLowerCase())).concat([...response.matchAll(WORDING)]);
  return found
    .sort((a, b) => a.index! - b.index!)
    .map((m) => m[0]) // in the order they appear
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json: json as any, text };
}

/** The BackendError a call rejected with (fails the test if it did not reject with one). */
export async function rejection(p: Promise<unknown>): Promise<BackendError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof BackendError)) throw new Error(`expected a BackendError, got ${String(e)}`);
  return e;
}
