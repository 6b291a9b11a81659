// Applied migrations are immutable: db/migrations.sha256 records each migration's SHA-256 the
// first time `npm run db:migrate` sees it, one line per file in `sha256sum` format (so
// `sha256sum -c db/migrations.sha256`, from the repository root, checks it too), and never rewrites a line. Each line stands
// alone (no hash chain): two branches that each add a migration merge without a conflict
// (.gitattributes merges this file by union). test/migrations-are-immutable.test.ts fails when a
// recorded migration was edited or removed, or when a migration is not recorded yet.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

export const MIGRATION_LOCK_FILE = "db/migrations.sha256";
/** dbmate's bookkeeping lives with our data, never in a host's public schema. */
export const MIGRATIONS_TABLE = "wa_data.schema_migrations";
export interface LockEntry {
  file: string;
  sha256: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
export const migrationFiles = () =>
  readdirSync(join(repoRoot, "db", "migrations"))
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
export const fileHash = (file: string) => sha256(readFileSync(join(repoRoot, "db", "migrations", file), "utf8"));

/** The recorded entries, as written (a union merge may leave them out of order: order is not checked). */
export function readLock(): LockEntry[] {
  const path = join(repoRoot, MIGRATION_LOCK_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const m = /^([0-9a-f]{64}) {2}db\/migrations\/(\S+)$/.exec(line);
      if (!m) throw new Error(`${MIGRATION_LOCK_FILE}: not a sha256sum line: ${line}`);
      return { sha256: m[1] as string, file: m[2] as string };
    });
}

const lineOf = (e: LockEntry) => `${e.sha256}  db/migrations/${e.file}`;

/** Records the migrations not recorded yet, keeping every recorded line as it is (sorted by file). */
export function recordNewMigrations(): string[] {
  const lock = readLock();
  const known = new Set(lock.map((e) => e.file));
  const added = migrationFiles().filter((f) => !known.has(f));
  if (added.length) {
    const all = [...lock, ...added.map((file) => ({ file, sha256: fileHash(file) }))].sort((a, b) => a.file.localeCompare(b.file));
    writeFileSync(join(repoRoot, MIGRATION_LOCK_FILE), all.map(lineOf).join("\n") + "\n");
  }
  return added;
}
