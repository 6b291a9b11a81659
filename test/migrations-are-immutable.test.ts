// Applied migrations are immutable (db/migrations.sha256, scripts/lib/migration-lock.ts): every
// recorded migration still has its recorded hash and every migration in the folder is recorded. A
// change to a shipped migration is a new migration instead. The lines are independent (no chain),
// so that branches adding migrations merge: a union merge of the file is checked here as well.
import { describe, expect, it } from "vitest";
import { fileHash, migrationFiles, readLock } from "../scripts/lib/migration-lock.js";

describe("migrations", () => {
  const lock = readLock();

  it("recorded ones are unchanged and still there", () => {
    const files = migrationFiles();
    for (const e of lock) {
      expect(files, `${e.file} was removed or renamed`).toContain(e.file);
      expect(fileHash(e.file), `${e.file} was edited after it was recorded: write a new migration instead`).toBe(e.sha256);
    }
  });

  it("each migration is recorded once (a merge that kept two hashes for one file is an edit)", () => {
    const seen = lock.map((e) => e.file);
    expect(seen.filter((f, i) => seen.indexOf(f) !== i)).toEqual([]);
  });

  it("each migration has a version of its own (dbmate keys them by the timestamp)", () => {
    const versions = migrationFiles().map((f) => f.split("_")[0]);
    expect(migrationFiles().filter((f, i) => versions.indexOf(f.split("_")[0]) !== i)).toEqual([]);
  });

  it("every migration is recorded (npm run db:migrate records a new one)", () => {
    expect(migrationFiles().filter((f) => !lock.some((e) => e.file === f))).toEqual([]);
  });
});
