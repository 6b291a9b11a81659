// Applied migrations are immutable (db/migrations.lock.json, scripts/lib/migration-lock.ts): every
// recorded migration still has its recorded hash, in its recorded order, and every migration in
// the folder is recorded. A change to a shipped migration is a new migration instead.
import { describe, expect, it } from "vitest";
import { chainOf, fileHash, migrationFiles, readLock } from "../scripts/lib/migration-lock.js";

describe("migrations", () => {
  const lock = readLock();

  it("recorded ones are unchanged, in their order, and none is missing", () => {
    let chain = "";
    for (const e of lock) {
      const files = migrationFiles();
      expect(files, `${e.file} was removed or renamed`).toContain(e.file);
      expect(fileHash(e.file), `${e.file} was edited after it was recorded: write a new migration instead`).toBe(e.sha256);
      chain = chainOf(chain, e.sha256);
      expect(e.chain, `${e.file}: the lock's chain is broken (an entry removed or reordered)`).toBe(chain);
    }
    expect(lock.map((e) => e.file)).toEqual(migrationFiles().slice(0, lock.length));
  });

  it("every migration is recorded (npm run db:migrate records a new one)", () => {
    expect(migrationFiles().filter((f) => !lock.some((e) => e.file === f))).toEqual([]);
  });
});
