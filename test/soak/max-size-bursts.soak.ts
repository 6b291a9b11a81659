// npm run test:soak — the largest calls the API allows, all at once, on PostgreSQL's default
// lock settings (max_connections 100, max_locks_per_transaction 64: 6,400 lock slots, as on
// Supabase). See test/soak/burst.ts.
import { afterAll, describe, expect, it } from "vitest";
import { apiUrl, db } from "../support/env.js";
import { maximumSizeBurst } from "./burst.js";

afterAll(() => db.end());

describe("soak: maximum-size calls at once, default lock table", () => {
  it("every call succeeds, nothing is lost, locks stay flat", async () => {
    const { rows } = await db.query(
      "select current_setting('max_connections') as conns, current_setting('max_locks_per_transaction') as locks",
    );
    expect(rows[0]).toEqual({ conns: "100", locks: "64" });
    const r = await maximumSizeBurst(apiUrl, "burst");
    console.log(
      `burst: ${r.sends} sends + ${r.acks} ACKs in ${r.elapsedMs} ms; peak pg_locks ${r.peakLocks} of 6400 slots; ` +
        `${r.bystanderSyncs} bystander syncs, ${r.prunes} retention runs`,
    );
    expect(r.peakLocks).toBeLessThan(1000);
  });
});
