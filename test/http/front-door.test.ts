// HTTP through the production front door (deploy/nginx, Debian's nginx, in front of the real
// PostgREST): oversize bodies are refused with a coded 413 before PostgREST reads them; the
// largest legal call of each endpoint passes; trailing slashes and unknown paths get coded 404s.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiUrl, db, newKey, roleHeaders } from "../support/env.js";
import { baileysGroup, groupJid, seedSession, uniqueSession } from "../support/fixtures.js";
import { startFrontDoor, type FrontDoor } from "../support/nginx.js";
import { evolutionEnvelope, evolutionGroupMetadata, wahaGroupJoin } from "../fixtures/gateway-payloads.js";
import { until } from "../support/wait.js";

let door: FrontDoor;
let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => {
  door = await startFrontDoor(apiUrl);
  ({ gw, crm } = await roleHeaders());
});
afterAll(async () => {
  await door.stop();
  await db.end();
});

async function postVia(path: string, body: unknown, headers: Record<string, string>) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(door.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: text });
  return { status: res.status, json: (await res.json().catch(() => null)) as any, bytes: Buffer.byteLength(text) };
}

/** The limit nginx gives a location, in bytes (deploy/nginx: the one place it is written). */
function limitOf(path: string): number {
  const conf = readFileSync(join(repoRoot, "deploy", "nginx", "wa-campaigns.conf.template"), "utf8");
  const m =
    new RegExp(`location = ${path.replaceAll("/", "\\/")} \\{ client_max_body_size (\\d+)([km])`).exec(conf) ??
    /\n {2}client_max_body_size (\d+)([km]);/.exec(conf)!;
  return Number(m[1]) * (m[2] === "m" ? 1024 * 1024 : 1024);
}

/** Sends only the headers of a huge POST and a first kilobyte: the answer comes before the body. */
function declareHuge(path: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(door.url);
    const req = request(
      { hostname, port, path, method: "POST", headers: { "content-type": "application/json", "content-length": String(bytes) } },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.write("{" + " ".repeat(1023));
  });
}

describe("the nginx front door", () => {
  it("refuses a 70 MB unauthenticated body on its headers alone, without reaching PostgREST", async () => {
    const before = door.accessLog().split("\n").length;
    const r = await declareHuge("/rpc/record_message_error", 70 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ code: "request_too_large" });
    // nginx logs the request when it closes the connection.
    const lines = await until(async () => {
      const logged = door
        .accessLog()
        .split("\n")
        .slice(before - 1)
        .filter(Boolean);
      return logged.length > 0 && logged;
    });
    expect(lines).toEqual(["POST /rpc/record_message_error 413 upstream=-"]);
  });

  it.each([
    ["/rpc/sync_groups", 129 * 1024 * 1024],
    ["/rpc/record_message_sent", 49 * 1024 * 1024],
    ["/rpc/create_campaign", 9 * 1024 * 1024],
    ["/campaigns", 65 * 1024],
  ])("%s: over its limit is a coded 413", async (path, bytes) => {
    const r = await declareHuge(path, bytes);
    expect([r.status, JSON.parse(r.body).code]).toEqual([413, "request_too_large"]);
  });

  it("the largest legal calls pass: 100,000 groups, 10,000 sends, 1,000 ACKs with 4,000-character messages", async () => {
    const sessionId = uniqueSession("door");
    const jids = Array.from({ length: 100_000 }, () => groupJid());
    const sync = await postVia(
      "/rpc/sync_groups",
      { sessionId, groups: jids.map((id) => ({ id, subject: "Group " + id.slice(-9, -5), size: 12 })) },
      gw,
    );
    expect([sync.status, sync.json.inserted]).toEqual([200, 100_000]);

    const targets = jids.slice(0, 10_000);
    const created = await postVia(
      "/rpc/create_campaign",
      { name: "door", message: "x".repeat(65_536), sessionId, groupJids: targets },
      crm,
    );
    expect(created.status).toBe(200);
    const sent = await postVia(
      "/rpc/record_message_sent",
      {
        campaignId: created.json.campaignId,
        sends: targets.map((groupJid, i) =>
          i % 2 ? { groupJid, messageId: `${sessionId}-${i}` } : { groupJid, errorCode: 463, errorMessage: "e".repeat(4000) },
        ),
      },
      crm,
    );
    expect([sent.status, sent.json.sent, sent.json.failed]).toEqual([200, 5_000, 5_000]);

    const acks = await postVia(
      "/rpc/record_message_error",
      {
        events: Array.from({ length: 1000 }, (_, i) => ({
          event: "message_error",
          sessionId,
          messageId: `${sessionId}-${2 * i + 1}`,
          groupJid: targets[2 * i + 1],
          errorCode: 420,
          errorMessage: "r".repeat(4000),
        })),
      },
      gw,
    );
    expect([acks.status, acks.json.counts.applied]).toEqual([200, 1000]);
  });

  // Issue 21.12: each gateway endpoint's limit derives from its largest legal body, which passes;
  // a body past the limit is a coded 413 (and Evolution would drop it after 10 retries: keep
  // these limits above what the gateways post).
  it("record_message_status: 1,000 events (ackEventsPerCall) with every field at its longest pass", async () => {
    const sessionId = uniqueSession("door") + "s".repeat(185); // SessionId: 200 characters
    const body = {
      events: Array.from({ length: 1000 }, (_, i) => ({
        sessionId,
        messageId: `${String(i).padStart(4, "0")}${"M".repeat(296)}`,
        status: "delivered",
        at: "2026-11-25T12:00:00.123456+03:00",
      })),
    };
    const r = await postVia("/rpc/record_message_status", body, gw);
    expect([r.status, r.json.counts?.pending_match]).toEqual([200, 1000]);
    expect(r.bytes).toBeGreaterThan(64 * 1024);
    expect(r.bytes).toBeLessThan(limitOf("/rpc/record_message_status"));
  });

  it("evolution_webhook: groups.upsert of one 1,024-member group (WhatsApp's largest), Baileys 7 participants, longest subject and description, passes", async () => {
    const sessionId = uniqueSession("doorevo");
    const group = evolutionGroupMetadata(groupJid(), "S".repeat(1000), { desc: "D".repeat(2048), size: 1024 }, 0);
    group.participants = Array.from({ length: 1024 }, (_, i) => ({
      id: `${String(100000000000000 + i)}@lid`,
      phoneNumber: `55119${String(i).padStart(8, "0")}@s.whatsapp.net`,
      admin: i === 0 ? "superadmin" : null,
    })) as never;
    const r = await postVia("/rpc/evolution_webhook", evolutionEnvelope("groups.upsert", sessionId, [group]), gw);
    expect([r.status, r.json.groups?.upserted]).toEqual([200, 1]);
    expect(r.bytes).toBeGreaterThan(64 * 1024);
    expect(r.bytes).toBeLessThan(limitOf("/rpc/evolution_webhook"));
  });

  it("waha_webhook: GOWS group.v2.join of a 1,024-member group (its info twice: group and _data) passes", async () => {
    const sessionId = uniqueSession("doorwaha");
    const body = wahaGroupJoin(sessionId, groupJid(), "S".repeat(1000), 1024);
    const r = await postVia("/rpc/waha_webhook", body, gw);
    expect([r.status, r.json.groups?.inserted]).toEqual([200, 1]);
    expect(r.bytes).toBeGreaterThan(64 * 1024);
    expect(r.bytes).toBeLessThan(limitOf("/rpc/waha_webhook"));
  });

  it.each(["/rpc/record_message_status", "/rpc/evolution_webhook", "/rpc/waha_webhook"])(
    "%s: over its limit is a coded 413",
    async (path) => {
      const r = await declareHuge(path, limitOf(path) + 1024);
      expect([r.status, JSON.parse(r.body).code]).toEqual([413, "request_too_large"]);
    },
  );

  it("every other endpoint's legal calls pass the default limit", async () => {
    const ops = { "x-api-key": await newKey("ops") };
    const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 2, "doorsmall");
    const created = await postVia(
      "/rpc/create_campaign",
      { name: "n".repeat(200), message: "m", sessionId, groupJids: jids, status: "draft" },
      crm,
    );
    const campaignId = created.json.campaignId;
    expect((await postVia("/rpc/schedule_campaign", { campaignId, scheduled: true }, crm)).status).toBe(200);
    await postVia("/rpc/record_message_sent", { campaignId, sends: [{ groupJid: jids[0], errorCode: 420 }] }, crm);
    await postVia("/rpc/record_message_error", { messageId: "" }, gw); // kept in quarantine: something to resolve
    const {
      rows: [q],
    } = await db.query("select max(id)::int as id from message_error_quarantine where resolved_at is null");
    await db.query(
      "insert into whatsapp_sessions (session_id, restricted_at, restricted_code) values ($1, now(), 463) on conflict (session_id) do update set restricted_at = now(), restricted_code = 463",
      [sessionId],
    );
    for (const [path, body, who] of [
      ["/rpc/cancel_campaign", { campaignId }, crm],
      ["/rpc/clear_session_restriction", { sessionId }, crm],
      ["/rpc/retry_failed_groups", { campaignId, errorCodes: Array.from({ length: 100 }, (_, i) => 400 + i) }, crm],
      ["/rpc/expire_unmatched_acks", { olderThanSeconds: 604800 }, ops],
      ["/rpc/resolve_quarantined", { id: q.id, action: "dismiss" }, ops],
    ] as const) {
      const r = await postVia(path, body, who);
      expect([path, r.status], JSON.stringify(r.json)).toEqual([path, 200]);
      expect(r.bytes).toBeLessThan(limitOf(path));
    }
  });

  it("a trailing slash and an unknown path are coded 404s", async () => {
    for (const path of ["/campaigns/", "/rpc/sync_groups/"]) {
      const r = await fetch(door.url + path, { headers: crm });
      expect([path, r.status, ((await r.json()) as { code: string }).code]).toEqual([path, 404, "not_found"]);
    }
    const r = await fetch(door.url + "/nope", { headers: crm });
    expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([404, "not_found"]);
  });

  it("passes ordinary calls through unchanged", async () => {
    const r = await postVia("/rpc/sync_groups", { sessionId: uniqueSession(), groups: [baileysGroup(groupJid())] }, gw);
    expect([r.status, r.json.inserted]).toEqual([200, 1]);
  });

  it("PostgREST's own refusals keep their codes through the door (its 413 for a body nested too deep: 54001)", async () => {
    const r = await fetch(door.url + "/rpc/sync_groups", {
      method: "POST",
      headers: { ...gw, "content-type": "application/json" },
      body: `{"a": ${"[".repeat(20000)}${"]".repeat(20000)}}`,
    });
    expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([413, "54001"]);
    const denied = await fetch(door.url + "/rpc/create_campaign", {
      method: "POST",
      headers: { ...gw, "content-type": "application/json" },
      body: "{}",
    });
    expect([denied.status, ((await denied.json()) as { code: string }).code]).toEqual([403, "forbidden"]);
  });
});
