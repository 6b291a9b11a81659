// Data for the benchmarks, made in SQL through the RPCs themselves (fast, and realistic).
import type pg from "pg";
import { JID_SQL } from "../../test/support/jids.js";

/** Syncs groups 1..size for `sessionId`. */
export async function syncGroups(db: pg.Pool, sessionId: string, size: number) {
  await db.query(
    `select api.sync_groups(jsonb_build_object('sessionId', $1::text, 'groups',
      (select jsonb_agg(jsonb_build_object('id', ${JID_SQL}, 'subject', 'Group ' || i))
       from generate_series(1, $2::int) i)))`,
    [sessionId, size],
  );
}

/** A campaign over groups 1..size of `sessionId` (already synced); returns its id. */
export async function createCampaign(db: pg.Pool, sessionId: string, size: number): Promise<number> {
  const { rows } = await db.query(
    `select (api.create_campaign(jsonb_build_object('name', 'bench', 'message', 'hello',
      'sessionId', $1::text, 'groupJids', (select jsonb_agg(${JID_SQL}) from generate_series(1, $2::int) i)))
      ->> 'campaignId')::bigint as id`,
    [sessionId, size],
  );
  return Number(rows[0].id);
}

/** Syncs `size` groups for `sessionId` and creates a campaign over all of them; returns its id. */
export async function makeCampaign(db: pg.Pool, sessionId: string, size: number): Promise<number> {
  await syncGroups(db, sessionId, size);
  return createCampaign(db, sessionId, size);
}

/** Marks every row of the campaign sent, with message ids `${sessionId}_${i}`. */
export async function markAllSent(db: pg.Pool, campaignId: number, sessionId: string, size: number) {
  for (let from = 1; from <= size; from += 10_000) {
    const to = Math.min(size, from + 9_999);
    await db.query(
      `select api.record_message_sent(jsonb_build_object('campaignId', $1::bigint, 'sends',
        (select jsonb_agg(jsonb_build_object('groupJid', ${JID_SQL}, 'messageId', $2::text || '_' || i))
         from generate_series($3::int, $4::int) i)))`,
      [campaignId, sessionId, from, to],
    );
  }
}
