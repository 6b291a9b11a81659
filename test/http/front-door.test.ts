// HTTP through the production front door (deploy/nginx, Debian's nginx, in front of the real
// PostgREST): oversize bodies are refused with a coded 413 before PostgREST reads them; the
// largest legal call of each endpoint passes; trailing slashes and unknown paths get coded 404s.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiUrl, db, roleHeaders } from "../support/env.js";
import { baileysGroup, groupJid, uniqueSession } from "../support/fixtures.js";
import { startFrontDoor, type FrontDoor } from "../support/nginx.js";
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
  const res = await fetch(door.url + path, {
    method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as any };
}

/** Sends only the headers of a huge POST and a first kilobyte: the answer comes before the body. */
function declareHuge(path: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(door.url);
    const req = request({ hostname, port, path, method: "POST",
      headers: { "content-type": "application/json", "content-length": String(bytes) } }, (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
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
      const logged = door.accessLog().split("\n").slice(before - 1).filter(Boolean);
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
    const sync = await postVia("/rpc/sync_groups", { sessionId, groups: jids.map((id) => ({ id, subject: "Group " + id.slice(-9, -5), size: 12 })) }, gw);
    expect([sync.status, sync.json.inserted]).toEqual([200, 100_000]);

    const targets = jids.slice(0, 10_000);
    const created = await postVia("/rpc/create_campaign", { name: "door", message: "x".repeat(65_536), sessionId, groupJids: targets }, crm);
    expect(created.status).toBe(200);
    const sent = await postVia("/rpc/record_message_sent", {
      campaignId: created.json.campaignId,
      sends: targets.map((groupJid, i) => (i % 2 ? { groupJid, messageId: `${sessionId}-${i}` } : { groupJid, errorCode: 463, errorMessage: "e".repeat(4000) })),
    }, crm);
    expect([sent.status, sent.json.sent, sent.json.failed]).toEqual([200, 5_000, 5_000]);

    const acks = await postVia("/rpc/record_message_error", {
      events: Array.from({ length: 1000 }, (_, i) => ({
        event: "message_error", sessionId, messageId: `${sessionId}-${2 * i + 1}`, groupJid: targets[2 * i + 1],
        errorCode: 420, errorMessage: "r".repeat(4000),
      })),
    }, gw);
    expect([acks.status, acks.json.counts.applied]).toEqual([200, 1000]);
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
});
