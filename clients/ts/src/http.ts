// The one place that talks to PostgREST: a PostgrestClient over schema api, and a typed RPC call
// that sends the payload itself as the body (the functions take one unnamed jsonb parameter).
import { PostgrestClient } from "@supabase/postgrest-js";
import type { Database, Json } from "./database.generated.js";
import { BackendError } from "./errors.js";

export type ApiClient = PostgrestClient<Database, { PostgrestVersion: "12" }, "api">;
export type RpcName = keyof Database["api"]["Functions"];

export interface ConnectionOptions {
  /** PostgREST base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Machine API key (sent as x-api-key). */
  apiKey?: string;
  /** A JWT with a role claim (sent as Authorization: Bearer). */
  jwt?: string;
  /**
   * More headers for every request: through Supabase's Data API, `{ apikey: <anon key> }` with
   * `jwt: <anon key>` (the platform wants both; the profile headers for schema api are sent anyway).
   */
  headers?: Record<string, string>;
  /** Custom fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
}

export function apiClient(o: ConnectionOptions): ApiClient {
  if (!o.url) throw new TypeError("url is required");
  const headers: Record<string, string> = { ...o.headers };
  if (o.apiKey) headers["x-api-key"] = o.apiKey;
  if (o.jwt) headers.authorization = `Bearer ${o.jwt}`;
  return new PostgrestClient<Database, { PostgrestVersion: "12" }, "api">(o.url.replace(/\/$/, ""), {
    headers,
    schema: "api",
    fetch: o.fetch,
    timeout: o.timeoutMs,
    retry: false,
  });
}

/**
 * Calls an RPC with `payload` as the whole body (and any extra request `headers`); returns its
 * result or throws BackendError.
 */
export async function callRpc<Res>(client: ApiClient, fn: RpcName, payload: unknown, headers: Record<string, string> = {}): Promise<Res> {
  // The generated Args of a single unnamed jsonb parameter is { "": Json }: the real payload
  // types live in contracts.generated.ts, and the payload is the body.
  let call = client.rpc(fn, payload as { "": Json });
  for (const [name, value] of Object.entries(headers)) call = call.setHeader(name, value);
  const { data, error, status } = await call;
  if (error) throw BackendError.fromResponse(error, status);
  return data as Res;
}

/** Unwraps a read query's answer or throws BackendError. */
export function unwrap<T>(res: { data: T | null; error: unknown; status: number }): T {
  if (res.error) throw BackendError.fromResponse(res.error, res.status);
  return res.data as T;
}
