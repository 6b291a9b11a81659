// Ops: the migration that gives API keys a lineage (20261207100000, Idempotency-Keys follow a
// rotated key) keeps every stored answer. Stopped just before it, the history gets keys rotated the
// way `api-key rotate` did (old key revoked as of the new one's creation, with or without grace), a
// label revoked and created again later, and answers stored under the old keys' ids; applied, the
// rotated keys share their first key's lineage, the re-created label does not, and each answer is
// stored under its lineage's caller (the first answer kept where two keys of one lineage had one key).
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../../scripts/lib/migrate.js";
import { repoRoot } from "../../scripts/lib/paths.js";
import { db, dbUrl } from "../support/env.js";

const MIGRATION = "20261207100000";
const name = `wa_lineage_migration_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "wa-migrations-"));

afterAll(async () => {
  await db.query(`drop database if exists ${name} with (force)`);
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

describe("migration 20261207100000 (Idempotency-Keys follow key rotation)", () => {
  it("links keys rotated before it to their first key, and moves their stored answers there", async () => {
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
      // crm-a: created (1), rotated with 600 s of grace (2), rotated again at once (3).
      // crm-b: created (4), revoked; created again an hour later (5): not a rotation.
      // ops-a: never rotated (6).
      await q(`insert into internal.api_keys (id, key_prefix, key_hash, role, label, created_at, revoked_at) overriding system value values
        (1, 'wak_1', sha256('1'), 'crm', 'crm-a', '2026-12-01 10:00Z', '2026-12-02 10:10Z'),
        (2, 'wak_2', sha256('2'), 'crm', 'crm-a', '2026-12-02 10:00Z', '2026-12-03 10:00Z'),
        (3, 'wak_3', sha256('3'), 'crm', 'crm-a', '2026-12-03 10:00Z', null),
        (4, 'wak_4', sha256('4'), 'crm', 'crm-b', '2026-12-01 10:00Z', '2026-12-02 10:00Z'),
        (5, 'wak_5', sha256('5'), 'crm', 'crm-b', '2026-12-02 11:00Z', null),
        (6, 'wak_6', sha256('6'), 'ops', 'ops-a', '2026-12-01 10:00Z', null)`);
      // Answers: k1 under keys 1 and 3 of one lineage (the bug: two campaigns; the first is kept),
      // k2 under key 2 only, k3 under keys 4 and 5 (two lineages: both kept), a JWT subject's.
      await q(`insert into wa_data.idempotency_keys (caller, key, endpoint, request_hash, response, created_at) values
        ('key:1', 'k1', 'create_campaign', sha256('b'), '{"campaignId": 1}', '2026-12-02 09:00Z'),
        ('key:3', 'k1', 'create_campaign', sha256('b'), '{"campaignId": 2}', '2026-12-03 11:00Z'),
        ('key:2', 'k2', 'create_campaign', sha256('b'), '{"campaignId": 3}', '2026-12-02 12:00Z'),
        ('key:4', 'k3', 'create_campaign', sha256('b'), '{"campaignId": 4}', '2026-12-01 12:00Z'),
        ('key:5', 'k3', 'create_campaign', sha256('b'), '{"campaignId": 5}', '2026-12-02 12:00Z'),
        ('jwt:crm:me', 'k4', 'create_campaign', sha256('b'), '{"campaignId": 6}', '2026-12-02 12:00Z')`);

      await applyMigrations(url);

      expect(await q("select id::int, lineage::int from internal.api_keys order by id")).toEqual([
        { id: 1, lineage: null },
        { id: 2, lineage: 1 },
        { id: 3, lineage: 1 },
        { id: 4, lineage: null },
        { id: 5, lineage: null },
        { id: 6, lineage: null },
      ]);
      expect(await q("select caller, key::text, response from wa_data.idempotency_keys order by caller, key")).toEqual([
        { caller: "jwt:crm:me", key: "k4", response: { campaignId: 6 } },
        { caller: "key:1", key: "k1", response: { campaignId: 1 } },
        { caller: "key:1", key: "k2", response: { campaignId: 3 } },
        { caller: "key:4", key: "k3", response: { campaignId: 4 } },
        { caller: "key:5", key: "k3", response: { campaignId: 5 } },
      ]);
    } finally {
      await c.end();
    }
  });
});
