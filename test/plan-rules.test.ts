// Plans that hold whatever the statistics say (docs/design.md, "Plans that do not depend on
// statistics"): a statement picks a session's rows by `id = any(<array variable>)`, never by
// `any(array(<subquery>))`. A large call re-plans with its own sizes (internal.plan_for_batch), and
// its custom plan sees a variable's values: an index condition on the key, or a hashed filter. A
// subquery's array is unknown to every plan, cached or not: searched linearly for each of the
// session's rows, 100,000 groups × 100,000 ids ran past the 30 s timeout (bench, `--largest`).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/paths.js";

// Where the array is small by construction, with the reason.
const ALLOWED: Record<string, string> = {
  "internal.prune_step.sql": "a prune step's batch (internal.retention_policy's batch size), never a caller's payload",
  "internal.release_groups.sql": "the community parents of one sync: a handful",
  "internal.record_message_status.sql": "at most ackEventsPerCall (1,000) events: a small call, on cached plans by design",
};

const functionsDir = join(repoRoot, "db", "functions");
const files = readdirSync(functionsDir).filter((f) => f.endsWith(".sql"));
/** A function file without its `--` comments (which name the rule they follow). */
const code = (f: string) => readFileSync(join(functionsDir, f), "utf8").replace(/--.*$/gm, "");

it("no statement picks rows by any(array(<subquery>)) outside the listed exceptions", () => {
  const offenders = files.filter((f) => /any\s*\(\s*array\s*\(/i.test(code(f)));
  expect(offenders.filter((f) => !(f in ALLOWED))).toEqual([]);
  // An exception that no longer needs its place is removed from the list.
  expect(Object.keys(ALLOWED).filter((f) => !offenders.includes(f))).toEqual([]);
});

it("every function that takes a caller's batch on cached plans switches large calls to their own plans", () => {
  // The entry points of the batch RPCs: their statements run on generic plans (their SET clause),
  // and a large call must not run on a plan built for empty tables (internal.plan_for_batch).
  const entryPoints = [
    "api.sync_groups.sql",
    "api.record_message_sent.sql",
    "internal.create_campaign.sql",
    "internal.upsert_groups.sql",
    "internal.record_message_error.sql",
    "internal.record_message_status.sql",
  ];
  const missing = entryPoints.filter((f) => !code(f).includes("internal.plan_for_batch("));
  expect(missing).toEqual([]);
});

it("every function planned generic also forbids whole-table scans", () => {
  // A generic plan is built once per connection, with the sizes of that moment: on tables analysed
  // while tiny, a scan of the table was the cheapest way to find one row, and the plan kept
  // scanning once the table held millions (a batch of 100 ACKs read 4 million rows; pgTAP 89).
  // `enable_seqscan = off` in the same SET clause leaves the planner only the indexes.
  const generic = files.filter((f) => /set\s+plan_cache_mode\s*=\s*force_generic_plan/i.test(code(f)));
  expect(generic.length).toBeGreaterThan(5);
  expect(generic.filter((f) => !/set\s+enable_seqscan\s*=\s*off/i.test(code(f)))).toEqual([]);
});
