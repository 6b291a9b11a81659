// Property-based fuzzing (fast-check) of every RPC through HTTP: bodies that break the contract
// (wrong types, missing fields, huge strings, deep nesting, unicode, SQL fragments, scalars and
// arrays as the body). Every answer must be a 4xx JSON body with a documented code, never a 5xx;
// afterwards the data the hostile calls aimed at is unchanged and refused ACKs are quarantined.
import { Ajv } from "ajv";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContracts } from "../../scripts/lib/contracts.js";
import { loadEndpoints } from "../../scripts/lib/endpoints.js";
import { db, newKey } from "../support/env.js";
import { post } from "../support/http.js";
import { campaignTotals, seedSession } from "../support/fixtures.js";

const RUNS = Number(process.env.WA_FUZZ_RUNS ?? 1000);
// A fixed seed keeps npm test reproducible; WA_FUZZ_SEED=<n> (or "random") explores further.
const SEED = process.env.WA_FUZZ_SEED === "random" ? Date.now() : Number(process.env.WA_FUZZ_SEED ?? 20261125);
const contracts = loadContracts();
const ajv = new Ajv({ strict: false });
const documented = new Set<string>(contracts.error!.definitions.ErrorCode.enum);

let gw: Record<string, string>;
let crm: Record<string, string>;
let ops: Record<string, string>;
let target: { sessionId: string; jids: string[]; campaignId: number };

beforeAll(async () => {
  gw = { "x-api-key": await newKey("gateway") };
  crm = { "x-api-key": await newKey("crm") };
  ops = { "x-api-key": await newKey("ops") };
  const { sessionId, jids } = await seedSession(gw["x-api-key"]!, 5, "fuzz");
  const c = await post("/rpc/create_campaign", { name: "fuzz", message: "m", sessionId, groupJids: jids }, crm);
  await post(
    "/rpc/record_message_sent",
    { campaignId: c.json.campaignId, sends: [{ groupJid: jids[0], messageId: `${sessionId}_m0` }] },
    crm,
  );
  target = { sessionId, jids, campaignId: c.json.campaignId };
});
afterAll(() => db.end());

/** What the hostile calls aim at: this must not change. */
async function targetState() {
  const { rows } = await db.query(
    `select (select md5(coalesce(string_agg(w::text, ',' order by id), '')) from whatsapp_groups w where session_id = $1) as groups,
            (select md5(c::text) from notification_campaigns c where id = $2) as campaign,
            (select md5(coalesce(string_agg(g::text, ',' order by id), '')) from notification_campaign_groups g where campaign_id = $2) as rows,
            (select coalesce(sum(times_received), 0)::int from message_error_quarantine) as quarantined`,
    [target.sessionId, target.campaignId],
  );
  return rows[0] as { groups: string; campaign: string; rows: string; quarantined: number };
}

const sql = fc.constantFrom(
  "'; drop table whatsapp_groups; --",
  "1 or 1=1",
  "$$; select pg_sleep(10); $$",
  "\\x00",
  "null",
  "\u0000",
  "' || (select string_agg(key_hash::text, ',') from internal.api_keys) || '",
  "%s%n",
  "😀".repeat(50),
);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: sql },
  { weight: 1, arbitrary: fc.string({ minLength: 5_000, maxLength: 20_000 }) },
);
const deep = fc.integer({ min: 1, max: 300 }).map((n) => {
  let v: unknown = "x";
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { a: v };
  return v;
});
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deep },
);
/** A body with the RPC's own keys, each either a plausible value or a hostile one. */
const shaped = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([k, good]) => [k, fc.oneof(good, hostile)])), { requiredKeys: [] });

const jid = () => fc.oneof(fc.constantFrom(...target.jids), hostile);
const bodies: Record<string, () => fc.Arbitrary<unknown>> = {
  sync_groups: () =>
    fc.oneof(
      hostile,
      shaped({
        sessionId: fc.constant(target.sessionId),
        groups: fc.array(
          fc.oneof(
            hostile,
            shaped({
              id: jid(),
              subject: hostileString,
              size: fc.integer(),
              participants: fc.array(fc.jsonValue(), { maxLength: 3 }),
              isCommunity: fc.boolean(),
              isCommunityAnnounce: fc.boolean(),
              linkedParent: jid(),
              announce: fc.boolean(),
            }),
          ),
          { maxLength: 4 },
        ),
      }),
    ),
  record_message_error: () => {
    const event = shaped({
      event: fc.constant("message_error"),
      sessionId: fc.constant(target.sessionId),
      messageId: fc.constant(`${target.sessionId}_m0`),
      groupJid: jid(),
      errorCode: fc.oneof(fc.integer(), fc.string()),
      errorMessage: hostileString,
    });
    return fc.oneof(hostile, event, shaped({ events: fc.array(fc.oneof(event, hostile), { maxLength: 4 }) }));
  },
  create_campaign: () =>
    fc.oneof(
      hostile,
      shaped({
        name: hostileString,
        message: hostileString,
        sessionId: fc.constant(target.sessionId),
        status: fc.constantFrom("draft", "scheduled", "sending"),
        groupJids: fc.array(jid(), { maxLength: 4 }),
      }),
    ),
  record_message_sent: () => {
    const send = shaped({
      groupJid: jid(),
      messageId: hostileString,
      errorCode: fc.oneof(fc.integer(), fc.string()),
      errorMessage: hostileString,
    });
    return fc.oneof(
      hostile,
      shaped({
        campaignId: fc.oneof(fc.constant(target.campaignId), fc.integer()),
        sends: fc.array(fc.oneof(send, hostile), { maxLength: 4 }),
      }),
    );
  },
};
// Every other RPC of the catalogue: bodies with its contract's own keys, each plausible or hostile
// (fewer runs: their bodies are small and their rules few).
const rpcs = loadEndpoints().filter((e) => e.kind === "rpc" && e.method === "POST");
for (const e of rpcs) {
  bodies[e.name] ??= () =>
    fc.oneof(
      hostile,
      shaped(
        Object.fromEntries(
          Object.keys(contracts[`${e.name}.request`]!.properties ?? {}).map((k) => [
            k,
            fc.oneof(fc.integer({ min: 0, max: target.campaignId + 10 }), fc.constant(target.sessionId), fc.boolean(), hostileString),
          ]),
        ),
      ),
    );
}
const roleOf = (fn: string) => rpcs.find((e) => e.name === fn)!.roles[0]!;
const runsOf = (fn: string) =>
  ["sync_groups", "record_message_error", "create_campaign", "record_message_sent"].includes(fn) ? RUNS : Math.ceil(RUNS / 4);
const keyOf = (fn: string) => ({ gateway: gw, crm, ops })[roleOf(fn)];

describe("fuzzing every RPC over HTTP", () => {
  it("covers every RPC of the catalogue that takes a body", () => {
    expect(Object.keys(bodies).sort()).toEqual(rpcs.map((e) => e.name).sort());
  });
  for (const fn of Object.keys(bodies)) {
    it(`${fn}: ${runsOf(fn)} bodies that break the contract are refused with a documented 4xx`, async () => {
      const valid = ajv.compile(contracts[`${fn}.request`]!);
      const before = await targetState();
      let quarantinable = 0;
      await fc.assert(
        fc.asyncProperty(
          bodies[fn]!().filter((b) => !valid(b)),
          async (body) => {
            const r = await post(`/rpc/${fn}`, JSON.stringify(body), keyOf(fn));
            if (r.status < 400 || r.status >= 500 || typeof r.json?.code !== "string" || !documented.has(r.json.code)) {
              throw new Error(`${r.status} ${r.text.slice(0, 300)} for ${JSON.stringify(body).slice(0, 300)}`);
            }
            // PGRST102 and 22P05 bodies are refused by PostgREST/PostgreSQL before the RPC runs.
            if (fn === "record_message_error" && !["PGRST102", "22P05"].includes(r.json.code)) quarantinable++;
          },
        ),
        { numRuns: runsOf(fn), seed: SEED },
      );
      const after = await targetState();
      if (fn === "record_message_error") {
        // A refused batch still records its valid events (by design): the one sent row may have
        // failed. Groups are untouched and the campaign's totals still equal its rows.
        expect(after.groups).toBe(before.groups);
        const t = await campaignTotals(target.campaignId);
        expect([t.total_groups, t.pending_count, t.sent_count, t.failed_count]).toEqual([
          t.rows,
          t.pending_rows,
          t.sent_rows,
          t.failed_rows,
        ]);
      } else {
        expect({ ...after, quarantined: 0 }).toEqual({ ...before, quarantined: 0 });
      }
      expect(after.quarantined - before.quarantined).toBeGreaterThanOrEqual(quarantinable);
    });
  }
});
