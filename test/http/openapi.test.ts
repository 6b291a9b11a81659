// GET / is the document a gateway author reads: generated from db/contracts, valid OpenAPI 3.1
// (checked by a maintained validator), with real request and response schemas, the x-api-key
// scheme, coded error responses, and only the methods that work.
import SwaggerParser from "@apidevtools/swagger-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { loadEndpoints } from "../../scripts/lib/endpoints.js";
import { apiUrl, db, newKey } from "../support/env.js";

let doc: any;
let keys: Record<string, string>;
beforeAll(async () => {
  const res = await fetch(apiUrl + "/");
  expect(res.status).toBe(200);
  doc = await res.json();
  keys = { gateway: await newKey("gateway"), crm: await newKey("crm"), ops: await newKey("ops") };
});
afterAll(() => db.end());

const METHODS = ["get", "post", "patch", "put", "delete"] as const;

describe("GET / (OpenAPI)", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const copy = structuredClone(doc);
    await expect(SwaggerParser.validate(copy)).resolves.toBeTruthy();
    expect(doc.openapi).toBe("3.1.0");
  });

  it("lists exactly the RPCs (POST) and read views (GET), each with its roles", () => {
    const ops = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path} ${item[m].tags.join(",")}`),
    );
    expect(ops.sort()).toEqual(
      loadEndpoints()
        .map((e) => `${e.method} ${e.path} ${[...e.roles].sort().join(",")}`)
        .sort(),
    );
  });

  it('describes each RPC body by its contract, never as {"": jsonb}', () => {
    const contracts = loadContracts();
    for (const fn of [
      "sync_groups",
      "record_message_error",
      "create_campaign",
      "record_message_sent",
      "record_message_status",
      "evolution_webhook",
      "waha_webhook",
      "clear_session_restriction",
    ]) {
      const op = doc.paths[`/rpc/${fn}`].post;
      const ref = op.requestBody.content["application/json"].schema.$ref as string;
      const schema = doc.components.schemas[ref.split("/").pop()!];
      const { $schema, definitions, "x-invalid-examples": _, ...contract } = contracts[`${fn}.request`]!;
      expect(JSON.stringify(schema)).toBe(JSON.stringify(contract).replaceAll("#/definitions/", "#/components/schemas/"));
      expect(op.parameters ?? []).toEqual([]);
      expect(JSON.stringify(op)).not.toContain('""');
    }
  });

  it("has the x-api-key scheme and coded error responses", () => {
    expect(doc.components.securitySchemes.apiKey).toEqual(expect.objectContaining({ type: "apiKey", in: "header", name: "x-api-key" }));
    const sync = doc.paths["/rpc/sync_groups"].post.responses;
    for (const status of ["400", "401", "403", "413", "422"]) {
      expect(sync[status].content["application/json"].schema.$ref).toBe("#/components/schemas/ApiErrorBody");
    }
    expect(sync["422"].description).toContain("`empty_group_list`");
    expect(doc.components.schemas.ApiErrorBody.required).toEqual(["code", "message"]);
  });

  it("every listed operation works for its role, and the methods it leaves out are refused", async () => {
    for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
      for (const m of METHODS) {
        const role = item[m]?.tags[0] ?? (path.startsWith("/rpc/") ? "gateway" : "crm");
        const res = await fetch(apiUrl + path, {
          method: m.toUpperCase(),
          headers: { "x-api-key": keys[role]!, "content-type": "application/json" },
          body: m === "get" || m === "delete" ? undefined : "{}",
        });
        if (item[m]) expect(res.status, `${m} ${path}`).not.toBe(404);
        else expect(res.status, `${m} ${path}`).toBeGreaterThanOrEqual(400);
        if (item[m] && m === "get") expect(res.status).toBe(200);
      }
    }
  });

  it("says what it means: no template text, the real limits", () => {
    expect(JSON.stringify(doc)).not.toMatch(/\$\{[a-zA-Z.]+\}/);
    expect(doc.paths["/campaigns"].get.description).toMatch(/at most 1000 rows per request/);
  });

  it("declares the read endpoints' filters, so that clients generated from it can filter", () => {
    for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
      if (path.startsWith("/rpc/")) continue;
      const names = (item.get.parameters ?? []).map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
      const columns = Object.keys(doc.components.schemas[`${path.slice(1)}_row`].properties);
      expect(names, path).toEqual(
        expect.arrayContaining([...columns.map((c) => `query:${c}`), "query:select", "query:order", "query:limit", "query:offset"]),
      );
    }
  });

  it("every row every read endpoint serves is valid against its schema (nullable columns say so)", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat("date-time", true).addFormat("int64", true).addFormat("int32", true);
    ajv.addSchema({ ...doc, $id: "openapi" });
    // Rows with their nullable columns null: a campaign not yet sent, a session never restricted, ...
    const gw = { "x-api-key": keys.gateway! };
    const sessionId = `doc_${Date.now()}`;
    const jid = "120363555555555555@g.us";
    await fetch(apiUrl + "/rpc/sync_groups", {
      method: "POST",
      headers: { ...gw, "content-type": "application/json" },
      body: JSON.stringify({ sessionId, groups: [{ id: jid }] }),
    });
    const crm = { "x-api-key": keys.crm!, "content-type": "application/json" };
    const { campaignId } = (await (
      await fetch(apiUrl + "/rpc/create_campaign", {
        method: "POST",
        headers: crm,
        body: JSON.stringify({ name: "doc", message: "m", sessionId, groupJids: [jid] }),
      })
    ).json()) as { campaignId: number };
    await fetch(apiUrl + "/rpc/create_campaign", {
      method: "POST",
      headers: crm,
      body: JSON.stringify({ name: "doc, not sent", message: "m", sessionId, groupJids: [jid] }),
    });
    await fetch(apiUrl + "/rpc/record_message_sent", {
      method: "POST",
      headers: crm,
      body: JSON.stringify({ campaignId, sends: [{ groupJid: jid, errorCode: 420 }] }),
    });
    for (const body of [{ messageId: "" }, { sessionId, messageId: `${sessionId}-unknown` }]) {
      await fetch(apiUrl + "/rpc/record_message_error", {
        method: "POST",
        headers: { ...gw, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    }
    for (const [path, item] of Object.entries(doc.paths) as [string, any][]) {
      if (path.startsWith("/rpc/")) continue;
      const role = item.get.tags[0];
      const rows = (await (await fetch(`${apiUrl}${path}?limit=200`, { headers: { "x-api-key": keys[role]! } })).json()) as unknown[];
      expect(rows.length, path).toBeGreaterThan(0);
      const validate = ajv.getSchema(`openapi#/components/schemas/${path.slice(1)}_row`)!;
      const bad = rows
        .filter((r) => !validate(r))
        .map((r) => {
          validate(r);
          return JSON.stringify(validate.errors?.[0]);
        });
      expect(bad.slice(0, 3), path).toEqual([]);
    }
  });
});
