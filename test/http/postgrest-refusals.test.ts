// Every refusal PostgREST (or PostgreSQL's parser) gives before our code runs is in docs/errors.md
// with the status it really has, and in the client's ErrorCode union: provoked here, one by one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { errorTable } from "../../scripts/lib/openapi.js";
import { apiUrl, db, roleHeaders } from "../support/env.js";

let gw: Record<string, string>;
let crm: Record<string, string>;
beforeAll(async () => ({ gw, crm } = await roleHeaders()));
afterAll(() => db.end());

const documented = errorTable().filter((r) => r.heading.startsWith("Answered before our code runs"));
const enumCodes: string[] = loadContracts().error!.definitions.ErrorCode.enum;
const json = { "content-type": "application/json" };

const cases: [string, () => [string, RequestInit]][] = [
  ["PGRST100", () => ["/campaigns?id=xx.1", { headers: crm }]],
  ["PGRST101", () => ["/rpc/sync_groups", { method: "PATCH", headers: { ...gw, ...json }, body: "{}" }]],
  ["PGRST103", () => ["/campaigns", { headers: { ...crm, range: "5-1" } }]],
  ["PGRST107", () => ["/campaigns", { headers: { ...crm, accept: "text/xml" } }]],
  ["PGRST116", () => ["/campaigns?id=eq.-1", { headers: { ...crm, accept: "application/vnd.pgrst.object+json" } }]],
  ["PGRST200", () => ["/campaigns?select=*,nope(*)", { headers: crm }]],
  ["22P02", () => ["/campaigns?id=eq.abc", { headers: crm }]],
  ["42703", () => ["/campaigns?select=nope", { headers: crm }]],
  [
    "54001",
    () => ["/rpc/sync_groups", { method: "POST", headers: { ...gw, ...json }, body: `{"a": ${"[".repeat(20000)}${"]".repeat(20000)}}` }],
  ],
];

describe("refusals before our code runs", () => {
  it.each(cases)("%s is provoked with its documented status", async (code, make) => {
    const [path, init] = make();
    const res = await fetch(apiUrl + path, init);
    const body = (await res.json()) as { code: string };
    const doc = documented.find((r) => r.code === code);
    expect(doc, `${code} is documented`).toBeDefined();
    expect([body.code, res.status]).toEqual([code, doc!.statuses[0]]);
    expect(enumCodes).toContain(code);
  });
});
