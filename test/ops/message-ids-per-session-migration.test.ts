// Ops: the migration to message ids per session (20261201050000, CHANGELOG.md 2026-12-01) loses
// nothing a database held. Stopped just before it, the history gets data in its old shape (error
// ACKs and progress that named no session, matched and unmatched); applied, each entry has its
// session (from the campaign row that has its message id), the unmatched ACK is in the quarantine
// with its body and session_required, and only the unmatched progress (no body to keep) is gone.
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../scripts/lib/migrate.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";

const MIGRATION = "20261201050000";
const name = `wa_msgid_migration_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "wa-migrations-"));

afterAll(async () => {
  await db.query(`drop database if exists ${name} with (force)`);
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

describe("migration 20261201050000 (message ids per session)", () => {
  it("gives every stored entry its session, quarantines the ACK that matches no row, drops only bodiless progress", async () => {
    await db.query(`create database ${name}`);
    const u = new URL(dbUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    const migrations = join(repoRoot, "db", "migrations");
    for (const f of readdirSync(migrations).filter((f) => f < MIGRATION)) cpSync(join(migrations, f), join(dir, f));
    await applyMigrations(url, dir);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const q = async (sql: string) => (await c.query(sql)).rows;
      // The old shape: one campaign row sent with M1, ACKs and progress that name no session.
      await q(`insert into wa_data.notification_campaigns (id, name, message, session_id, status, total_groups, sent_count)
               overriding system value values (1, 'c', 'm', 'wa_m', 'sending', 1, 1)`);
      await q(`insert into wa_data.notification_campaign_groups (campaign_id, group_jid, session_id, status, message_id, sent_at)
               values (1, '120363000000000001@g.us', 'wa_m', 'sent', 'M1', now())`);
      await q(`insert into wa_data.message_error_inbox (session_id, message_id, raw, outcome) values
               (null, 'M1', '{"messageId": "M1", "errorCode": 420}', 'pending_match'),
               (null, 'M2', '{"messageId": "M2", "errorCode": 421}', 'pending_match'),
               ('wa_m', 'M3', '{"sessionId": "wa_m", "messageId": "M3"}', 'pending_match')`);
      await q(`insert into wa_data.message_status_inbox (session_id, message_id, delivered_at) values
               (null, 'M1', now()), (null, 'M2', now())`);

      await applyMigrations(url);

      expect(await q("select session_id::text, message_id::text from wa_data.message_error_inbox order by message_id")).toEqual([
        { session_id: "wa_m", message_id: "M1" },
        { session_id: "wa_m", message_id: "M3" },
      ]);
      expect(await q("select code, endpoint, raw from wa_data.message_error_quarantine")).toEqual([
        { code: "session_required", endpoint: "record_message_error", raw: { messageId: "M2", errorCode: 421 } },
      ]);
      expect(await q("select session_id::text, message_id::text from wa_data.message_status_inbox")).toEqual([
        { session_id: "wa_m", message_id: "M1" },
      ]);
      // The same id may now be another session's message.
      await q(`insert into wa_data.whatsapp_sessions (session_id) values ('wa_other')`);
      await q(`insert into wa_data.notification_campaigns (id, name, message, session_id, status, total_groups, sent_count)
               overriding system value values (2, 'c', 'm', 'wa_other', 'sending', 1, 1)`);
      await q(`insert into wa_data.notification_campaign_groups (campaign_id, group_jid, session_id, status, message_id, sent_at)
               values (2, '120363000000000001@g.us', 'wa_other', 'sent', 'M1', now())`);
      await expect(
        q(`insert into wa_data.notification_campaign_groups (campaign_id, group_jid, session_id, status, message_id, sent_at)
           values (2, '120363000000000002@g.us', 'wa_other', 'sent', 'M1', now())`),
      ).rejects.toMatchObject({ code: "23505" });
    } finally {
      await c.end();
    }
  });
});
