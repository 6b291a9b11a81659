// The endpoint catalogue (db/contracts/endpoints.json) is the one list of endpoints: the database
// has exactly its RPCs and views, granted to exactly its roles; the contracts cover exactly its
// POST RPCs; the front door's body limits are its; errors.md has a section for each RPC; the
// README's counts are its.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadContracts } from "../scripts/lib/contracts.js";
import { DEFAULT_BODY_LIMIT, loadEndpoints } from "../scripts/lib/endpoints.js";
import { repoRoot } from "../scripts/lib/paths.js";
import { db } from "./support/env.js";

const endpoints = loadEndpoints();
const ROLES = ["gateway", "crm", "ops", "anon"];
afterAll(() => db.end());

describe("the endpoint catalogue", () => {
  it("is what the api schema has, granted to exactly its roles", async () => {
    const { rows } = await db.query<{ name: string; kind: string; roles: string[] }>(
      `
      select p.proname::text as name, 'rpc' as kind,
             array(select r from unnest($1::text[]) r where has_function_privilege(r, p.oid, 'execute') order by r) as roles
      from pg_proc p where p.pronamespace = 'api'::regnamespace and p.proname <> 'openapi'
      union all
      select c.relname::text, 'view',
             array(select r from unnest($1::text[]) r where has_table_privilege(r, c.oid, 'select') order by r)
      from pg_class c where c.relnamespace = 'api'::regnamespace and c.relkind = 'v'`,
      [ROLES],
    );
    const actual = rows.map((r) => `${r.kind} ${r.name}: ${r.roles.join(",")}`).sort();
    expect(actual).toEqual(endpoints.map((e) => `${e.kind} ${e.name}: ${[...e.roles].sort().join(",")}`).sort());
  });

  it("has a contract (request and response) for every RPC that takes a body, and no other", () => {
    const rpcs = endpoints
      .filter((e) => e.kind === "rpc" && e.method === "POST")
      .map((e) => e.name)
      .sort();
    const contracts = Object.keys(loadContracts()).filter((k) => /\.(request|response)$/.test(k));
    expect([...new Set(contracts.map((k) => k.replace(/\.(request|response)$/, "")))].sort()).toEqual(rpcs);
    for (const r of rpcs) expect(contracts, r).toEqual(expect.arrayContaining([`${r}.request`, `${r}.response`]));
  });

  it("gives the front door its body limits", () => {
    const conf = readFileSync(join(repoRoot, "deploy", "nginx", "wa-campaigns.conf.template"), "utf8");
    expect(/^\s*client_max_body_size (\S+);/m.exec(conf)?.[1]).toBe(DEFAULT_BODY_LIMIT);
    const limits = Object.fromEntries([...conf.matchAll(/location = (\/\S+) \{ client_max_body_size (\S+);/g)].map((m) => [m[1], m[2]]));
    const expected = Object.fromEntries(endpoints.filter((e) => e.bodyLimit !== DEFAULT_BODY_LIMIT).map((e) => [e.path, e.bodyLimit]));
    expect(limits).toEqual(expected);
  });

  it("has a section in docs/errors.md for every RPC (its heading names /rpc/<name>: the OpenAPI document reads its refusals there)", () => {
    const headings = readFileSync(join(repoRoot, "docs", "errors.md"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("## "));
    const missing = endpoints
      .filter((e) => e.kind === "rpc" && !headings.some((h) => new RegExp(`/rpc/${e.name}\\b`).test(h)))
      .map((e) => e.name);
    expect(missing, "add a `## ` section (or the name to a section's heading) in docs/errors.md").toEqual([]);
  });

  it("is what the README counts", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const rpcs = endpoints.filter((e) => e.kind === "rpc").length;
    const views = endpoints.filter((e) => e.kind === "view").length;
    const m = /`api` — the only schema PostgREST exposes: (\d+) RPCs, (\d+) read views/.exec(readme);
    expect(m && [Number(m[1]), Number(m[2])]).toEqual([rpcs, views]);
  });
});
