// The client's view types say `| null` exactly where a view can give null: a view column is typed
// NOT NULL only when it is a NOT NULL table column read from a relation no outer join can empty
// (scripts/lib/view-nullability.ts); crm.ts keeps no list of nullable columns by hand.
import { afterAll, describe, expect, it } from "vitest";
import { notNullViewColumns } from "../scripts/lib/view-nullability.js";
import { db } from "./support/env.js";

afterAll(() => db.end());

describe("view columns' nullability", () => {
  it("follows the tables' NOT NULL through plain columns and inner sources only", async () => {
    const notNull = await notNullViewColumns(db);
    // Plain NOT NULL table columns.
    expect(
      [...notNull]
        .filter((c) => ["campaigns.id", "campaigns.total_groups", "campaign_groups.status", "sessions.session_id"].includes(c))
        .sort(),
    ).toEqual(["campaign_groups.status", "campaigns.id", "campaigns.total_groups", "sessions.session_id"]);
    // A nullable table column; a column of a left join's optional side; an expression (CASE).
    for (const c of ["campaign_groups.message_id", "campaigns.finished_at", "campaigns.progress_source", "campaigns.progress_reported"])
      expect(notNull.has(c), c).toBe(false);
  });
});
