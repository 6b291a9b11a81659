// A host's own pre-request hook calling ours, through a real PostgREST configured as a host project
// is (public exposed first, api beside it, the host's hook as db-pre-request): the style Supabase
// recommends (SECURITY INVOKER, `set search_path = ''`) composes, and API keys work; a SECURITY
// DEFINER hook cannot switch roles at all (PostgreSQL's rule), and fails the same with or without
// us. Also: our OpenAPI document through such a host, at /rpc/openapi.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgrest, type RunningPostgrest } from "../../scripts/lib/postgrest.js";
import { freePort } from "../../scripts/lib/run.js";
import { db, jwtSecret, newKey } from "../support/env.js";
import { uniqueSession } from "../support/fixtures.js";

let host: RunningPostgrest;
let definerHost: RunningPostgrest;
let gw: Record<string, string>;
let crm: Record<string, string>;

beforeAll(async () => {
  await db.query(`
    create schema if not exists host_app;
    -- The hook as Supabase's docs write one: invoker, fixed (empty) search_path, the host's checks, then ours.
    create or replace function host_app.pre_request() returns void
    language plpgsql security invoker set search_path = '' as $$
    begin
      if current_setting('request.headers', true)::json ->> 'x-banned' is not null then
        raise sqlstate 'PGRST' using message = '{"code":"banned","message":"banned by the host"}',
          detail = '{"status":403,"headers":{}}';
      end if;
      perform internal.pre_request();
    end $$;
    create or replace function host_app.definer_pre_request() returns void
    language plpgsql security definer set search_path = '' as $$
    begin
      perform internal.pre_request();
    end $$;
    grant usage on schema host_app to public;
    grant execute on function host_app.pre_request(), host_app.definer_pre_request() to public;`);
  const dbUri = process.env.WA_PGRST_DB_URI!;
  const hostEnv = (hook: string) => ({ PGRST_DB_SCHEMAS: "public, api", PGRST_DB_PRE_REQUEST: hook, PGRST_DB_ROOT_SPEC: "" });
  host = await startPostgrest({ dbUri, jwtSecret, port: await freePort(), poolSize: 4, env: hostEnv("host_app.pre_request") });
  definerHost = await startPostgrest({
    dbUri,
    jwtSecret,
    port: await freePort(),
    poolSize: 2,
    logLevel: "crit",
    env: hostEnv("host_app.definer_pre_request"),
  });
  gw = { "x-api-key": await newKey("gateway") };
  crm = { "x-api-key": await newKey("crm") };
});
afterAll(async () => {
  await host?.stop();
  await definerHost?.stop();
  await db.end();
});

const call = (base: string, path: string, headers: Record<string, string>, body?: unknown) =>
  fetch(base + path, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });

describe("a host's hook calling ours", () => {
  it("written as Supabase recommends (invoker, search_path = ''): API keys work, with the schema named by the profile header", async () => {
    const ack = await call(
      host.url,
      "/rpc/record_message_error",
      { ...gw, "content-profile": "api" },
      { sessionId: uniqueSession(), messageId: uniqueSession("m") },
    );
    expect([ack.status, ((await ack.json()) as { counts: { pending_match: number } }).counts.pending_match]).toEqual([200, 1]);
    const read = await call(host.url, "/campaigns?limit=1", { ...crm, "accept-profile": "api" });
    expect(read.status).toBe(200);
    // Our refusals come through the host's hook as they are.
    const wrong = await call(host.url, "/rpc/sync_groups", { ...crm, "content-profile": "api" }, {});
    expect([wrong.status, ((await wrong.json()) as { code: string }).code]).toEqual([403, "forbidden"]);
    // And the host's own checks still run first.
    const banned = await call(host.url, "/campaigns?limit=1", { ...crm, "accept-profile": "api", "x-banned": "1" });
    expect(banned.status).toBe(403);
  });

  it("our OpenAPI document is served through the host's API at /rpc/openapi (GET / is the host's)", async () => {
    const r = await call(host.url, "/rpc/openapi", { "accept-profile": "api" });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("a SECURITY DEFINER hook cannot switch roles (PostgreSQL forbids it): API-key calls fail, with or without ours", async () => {
    const r = await call(definerHost.url, "/rpc/record_message_error", { ...gw, "content-profile": "api" }, { messageId: "x" });
    expect(r.status).toBeGreaterThanOrEqual(400);
    const body = (await r.json()) as { code: string; message: string };
    expect([body.code, body.message]).toEqual(["42501", expect.stringMatching(/security-definer function/)]);
  });
});

describe("the TypeScript client through a host's API", () => {
  it("sends the profile headers for api itself; extra headers (Supabase's apikey) ride along", async () => {
    const { createGatewayClient, createCrmClient } = await import("../../clients/ts/src/index.js");
    const seen: string[] = [];
    const spy: typeof fetch = (input, init) => {
      const h = new Headers(init?.headers);
      seen.push(`${h.get("apikey")} ${h.get("content-profile") ?? h.get("accept-profile")}`);
      return fetch(input, init);
    };
    const gateway = createGatewayClient({ url: host.url, apiKey: gw["x-api-key"]!, headers: { apikey: "anon-key" }, fetch: spy });
    const r = await gateway.recordMessageError({ sessionId: uniqueSession(), messageId: uniqueSession("m") });
    expect(r.counts.pending_match).toBe(1);
    const crmClient = createCrmClient({ url: host.url, apiKey: crm["x-api-key"]!, headers: { apikey: "anon-key" }, fetch: spy });
    expect(Array.isArray(await crmClient.listCampaigns({ limit: 1 }))).toBe(true);
    expect(seen).toEqual(["anon-key api", "anon-key api"]);
  });
});
