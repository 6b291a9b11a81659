// Comments and docs name files that exist: every path of the repository's own folders written in a
// tracked text file (db/…, docs/…, scripts/…, test/…, clients/…, bench/…, deploy/…) is there.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/paths.js";

const PATH =
  /(?<![\w.@/-])((?:db|docs|scripts|test|clients|bench|deploy)\/[\w./-]*[\w-]\.(?:sql|ts|md|json|conf|template|mjs|cts|svg|Dockerfile))(?![\w/])/g;

describe("files named in the repository", () => {
  it("exist", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" })
      .split("\n")
      .filter(
        (f) =>
          /\.(sql|ts|md|json|mjs|cts|conf|template|yml|yaml)$/.test(f) &&
          !f.includes("generated") &&
          !f.endsWith("package-lock.json") &&
          !f.startsWith("db/migrations/"),
      ); // history: what a migration named then may have moved since
    const missing: string[] = [];
    for (const file of tracked) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const m of text.matchAll(PATH)) {
        const path = m[1]!;
        if (path.includes("*") || /\/NN_|<|\{|YYYY|\/x\./.test(path)) continue; // patterns and placeholders, not files
        if (!existsSync(join(repoRoot, path)) && !existsSync(join(repoRoot, "clients", "ts", path))) missing.push(`${file}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
