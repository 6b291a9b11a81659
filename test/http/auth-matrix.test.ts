// Every exposed endpoint × every kind of caller: the exact status and code, and no data in any
// refused answer. Nothing in internal (or public) is reachable over HTTP.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, revokeApiKey } from "../../scripts/lib/api-keys.js";
import { loadEndpoints, type ApiRole } from "../../scripts/lib/endpoints.js";
import { apiUrl, db, dbUrl, jwtSecret, newKey } from "../support/env.js";
import { expectedForJwtRole, jwtRoleReach, type JwtRoleReach } from "../support/role-graph.js";

const sign = (role: string, opts: { secret?: string; expired?: boolean } = {}) => {
  const jwt = new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(opts.expired ? Math.floor(Date.now() / 1000) - 60 : "5m");
  return jwt.sign(new TextEncoder().encode(opts.secret ?? jwtSecret));
};

type Role = ApiRole;
type Endpoint = { name: string; method: "GET" | "POST"; path: string; body?: unknown; owners: Role[] };
// Bodies are chosen so that an allowed caller gets a definite answer without changing anything
// that matters: a sync of an empty throwaway session, an ACK for an unknown id, 422s, reads.
// The endpoints and their roles are the catalogue's (db/contracts/endpoints.json).
const probes: Record<string, { body?: unknown; query?: string }> = {
  sync_groups: { body: { sessionId: "auth_matrix", groups: [], allowEmpty: true } },
  record_message_error: { body: { sessionId: "auth_matrix", messageId: "auth_matrix_unknown" } },
  record_message_status: { body: { sessionId: "auth_matrix", messageId: "auth_matrix_unknown", status: "delivered" } },
  evolution_webhook: { body: { event: "connection.update", instance: "auth_matrix" } },
  waha_webhook: { body: { event: "session.status", session: "auth_matrix" } },
  claim_sends: { body: { sessionId: "auth_matrix", max: 1 } },
  create_campaign: { body: {} },
  record_message_sent: { body: {} },
  schedule_campaign: { body: {} },
  cancel_campaign: { body: {} },
  pause_campaign: { body: {} },
  resume_campaign: { body: {} },
  retry_failed_groups: { body: {} },
  clear_session_restriction: { body: {} },
  configure_session: { body: {} },
  resume_session: { body: {} },
  expire_unmatched_acks: { body: {} },
  resolve_quarantined: { body: {} },
  metrics: {},
  campaigns: { query: "?limit=1" },
  campaign_groups: { query: "?limit=1" },
  sendable_groups: { query: "?limit=1" },
  sessions: { query: "?limit=1" },
  ack_backlog: { query: "?limit=1" },
  quarantine: { query: "?limit=1" },
  error_codes: { query: "?limit=1" },
  key_activity: { query: "?limit=1" },
};
const endpoints: Endpoint[] = loadEndpoints().map((e) => ({
  name: e.name,
  method: e.method,
  path: e.path + (probes[e.name]?.query ?? ""),
  body: probes[e.name]?.body,
  owners: e.roles,
}));
const allowedAnswer: Record<string, [number, string | null]> = {
  sync_groups: [200, null],
  record_message_error: [200, null],
  record_message_status: [200, null],
  evolution_webhook: [200, null],
  waha_webhook: [200, null],
  claim_sends: [200, null],
  create_campaign: [422, "invalid_name"],
  record_message_sent: [422, "invalid_campaign_id"],
  schedule_campaign: [422, "invalid_campaign_id"],
  cancel_campaign: [422, "invalid_campaign_id"],
  pause_campaign: [422, "invalid_campaign_id"],
  resume_campaign: [422, "invalid_campaign_id"],
  retry_failed_groups: [422, "invalid_campaign_id"],
  clear_session_restriction: [422, "invalid_session_id"],
  configure_session: [422, "invalid_session_id"],
  resume_session: [422, "invalid_session_id"],
  expire_unmatched_acks: [422, "invalid_age"],
  resolve_quarantined: [422, "invalid_quarantine_id"],
  metrics: [200, null],
  campaigns: [200, null],
  campaign_groups: [200, null],
  sendable_groups: [200, null],
  sessions: [200, null],
  ack_backlog: [200, null],
  quarantine: [200, null],
  error_codes: [200, null],
  key_activity: [200, null],
};

const postgrestUser = decodeURIComponent(new URL(process.env.WA_PGRST_DB_URI ?? "postgresql://authenticator@x/db").username);
// JWTs for roles that are not ours: what they get depends on the cluster's role graph (a plain
// cluster has no service_role; on Supabase's graph the postgres user PostgREST connects as in a
// host project reaches authenticator through supabase_storage_admin), so it is read from there.
const GRAPH_ROLES = ["authenticator", "service_role"];
const reach: Record<string, JwtRoleReach> = {};

const callers: Record<string, Record<string, string>> = {};
beforeAll(async () => {
  const revoked = await newKey("gateway", "auth-matrix-revoked");
  await revokeApiKey(dbUrl, "auth-matrix-revoked");
  callers["no credentials"] = {};
  callers["wrong key"] = { "x-api-key": "wak_" + "A".repeat(43) };
  callers["revoked key"] = { "x-api-key": revoked };
  callers["gateway key"] = { "x-api-key": await newKey("gateway") };
  // Gateway keys bound to sessions: to the one the bodies name, and to another.
  callers["gateway key bound to the session"] = {
    "x-api-key": (await createApiKey(dbUrl, "gateway", `matrix-in-${Date.now()}`, ["auth_matrix"])).key,
  };
  callers["gateway key bound to another session"] = {
    "x-api-key": (await createApiKey(dbUrl, "gateway", `matrix-out-${Date.now()}`, ["auth_matrix_other"])).key,
  };
  callers["crm key"] = { "x-api-key": await newKey("crm") };
  callers["ops key"] = { "x-api-key": await newKey("ops") };
  callers["ops JWT"] = { authorization: `Bearer ${await sign("ops")}` };
  callers["gateway JWT"] = { authorization: `Bearer ${await sign("gateway")}` };
  callers["crm JWT"] = { authorization: `Bearer ${await sign("crm")}` };
  callers["JWT with a wrong secret"] = { authorization: `Bearer ${await sign("crm", { secret: "x".repeat(40) })}` };
  callers["expired JWT"] = { authorization: `Bearer ${await sign("crm", { expired: true })}` };
  callers["JWT with an unknown role"] = { authorization: `Bearer ${await sign("ghost")}` };
  for (const role of GRAPH_ROLES) {
    callers[`JWT for ${role}`] = { authorization: `Bearer ${await sign(role)}` };
    reach[role] = await jwtRoleReach(db, postgrestUser, role);
  }
});
afterAll(() => db.end());

function expected(caller: string, e: Endpoint): [number, string | null] {
  switch (caller) {
    case "no credentials":
      return [401, "missing_credentials"];
    case "wrong key":
    case "revoked key":
      return [401, "invalid_api_key"];
    case "JWT with a wrong secret":
    case "expired JWT":
      return [401, "PGRST301"];
    case "JWT with an unknown role":
      return [400, "22023"];
    // A role the connected user cannot become: PostgreSQL refuses the switch itself (42501); one it
    // can (authenticator itself; on Supabase, postgres through supabase_storage_admin): our hook
    // refuses it by its grants (forbidden); a role the cluster lacks: 22023.
    case "JWT for authenticator":
    case "JWT for service_role": {
      const r = reach[caller.slice("JWT for ".length)]!;
      return expectedForJwtRole(r, e, allowedAnswer[e.name]!);
    }
    case "gateway key bound to the session":
      return expected("gateway key", e);
    // Every gateway body names its session, auth_matrix (the ACK and the progress event too: an
    // event's session is its own, or its key's only one).
    case "gateway key bound to another session":
      return ["sync_groups", "evolution_webhook", "waha_webhook", "record_message_error", "record_message_status", "claim_sends"].includes(
        e.name,
      )
        ? [403, "session_not_allowed"]
        : expected("gateway key", e);
    default: {
      const role = caller.split(" ")[0] as Role;
      return e.owners.includes(role) ? allowedAnswer[e.name]! : [403, "forbidden"];
    }
  }
}

const callerNames = [
  "no credentials",
  "wrong key",
  "revoked key",
  "gateway key",
  "gateway key bound to the session",
  "gateway key bound to another session",
  "crm key",
  "ops key",
  "gateway JWT",
  "crm JWT",
  "ops JWT",
  "JWT with a wrong secret",
  "expired JWT",
  "JWT with an unknown role",
  ...GRAPH_ROLES.map((r) => `JWT for ${r}`),
];

describe("auth matrix", () => {
  it("probes every endpoint of the catalogue, and only those", () => {
    expect(Object.keys(probes).sort()).toEqual(
      loadEndpoints()
        .map((e) => e.name)
        .sort(),
    );
    expect(Object.keys(allowedAnswer).sort()).toEqual(Object.keys(probes).sort());
  });

  for (const caller of callerNames) {
    for (const e of endpoints) {
      it(`${caller} → ${e.method} ${e.path}`, async () => {
        const res = await fetch(apiUrl + e.path, {
          method: e.method,
          headers: { "content-type": "application/json", ...callers[caller] },
          body: e.body === undefined ? undefined : JSON.stringify(e.body),
        });
        const [status, code] = expected(caller, e);
        expect(res.status).toBe(status);
        if (e.name === "metrics" && status === 200) {
          // The one plain-text endpoint (Prometheus).
          expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
          expect(await res.text()).toContain("# TYPE wa_campaigns gauge");
          return;
        }
        const body = (await res.json()) as Record<string, unknown>;
        if (code) {
          expect(body.code).toBe(code);
          // A refusal carries an error, never rows.
          expect(Array.isArray(body)).toBe(false);
          expect(Object.keys(body).sort()).toEqual(["code", "details", "hint", "message"]);
        }
      });
    }
  }

  it("reads the role graph for the JWTs of roles that are not ours", () => {
    // PostgREST's own user can always become itself; the reach printed is what the rows above expect.
    if (postgrestUser === "authenticator") expect(reach.authenticator!.canBecome).toBe(true);
    for (const r of Object.values(reach)) {
      expect(r.canBecome).toBe(r.path !== null);
      console.log(
        `JWT for ${r.role} via ${postgrestUser}: ${!r.exists ? "no such role" : r.canBecome ? `reached (${r.path!.join(" > ")})` : "not reachable"}`,
      );
    }
  });

  it("internal and public are not reachable", async () => {
    const h = callers["crm key"]!;
    expect((await fetch(`${apiUrl}/api_keys`, { headers: h })).status).toBe(404);
    expect((await fetch(`${apiUrl}/whatsapp_groups`, { headers: h })).status).toBe(404);
    expect((await fetch(`${apiUrl}/rpc/pre_request`, { method: "POST", headers: h })).status).toBe(404);
    const viaProfile = await fetch(`${apiUrl}/api_keys`, { headers: { ...h, "accept-profile": "internal" } });
    expect(viaProfile.status).toBe(406);
    expect(((await viaProfile.json()) as { code: string }).code).toBe("PGRST106");
  });

  it("a refusal by grants is 403 forbidden for API keys and JWTs alike, however the path is spelled", async () => {
    for (const caller of ["gateway key", "gateway JWT"]) {
      for (const path of ["/rpc/create_campaign", "/rpc/create%5Fcampaign", "/rpc/create%5fcampaign"]) {
        const r = await fetch(apiUrl + path, {
          method: "POST",
          headers: { ...callers[caller], "content-type": "application/json" },
          body: "{}",
        });
        expect([caller, path, r.status, ((await r.json()) as { code: string }).code]).toEqual([caller, path, 403, "forbidden"]);
      }
    }
    for (const caller of ["crm key", "crm JWT"]) {
      for (const method of ["POST", "PATCH", "DELETE"]) {
        const r = await fetch(apiUrl + "/campaign_groups?id=eq.1", {
          method,
          headers: { ...callers[caller], "content-type": "application/json" },
          body: method === "DELETE" ? undefined : "{}",
        });
        expect([caller, method, r.status, ((await r.json()) as { code: string }).code]).toEqual([caller, method, 403, "forbidden"]);
      }
    }
  });

  it("an unknown endpoint is a coded 404 that names no schema", async () => {
    const r = await fetch(apiUrl + "/notification_campaigns", { headers: callers["crm key"] });
    expect(r.status).toBe(404);
    const body = (await r.json()) as { code: string; message: string };
    expect(body.code).toBe("not_found");
    expect(JSON.stringify(body)).not.toMatch(/api\.|public\.|relation/);
  });
});
