// `npm run new:rpc` marks each place a person must write with TODO(new:rpc): none may remain in the
// tree (but in the scaffold itself: scripts/new-rpc.ts and its templates, and this test).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../scripts/lib/paths.js";

const MARKER = ["TODO", "(new:rpc)"].join("");
const SCAFFOLD = [/^scripts\/templates\/new-rpc\//, /^scripts\/new-rpc\.ts$/, /^test\/todo-markers\.test\.ts$/];

describe("the scaffold's markers", () => {
  it(`no ${MARKER} is left to write`, () => {
    // Tracked files and untracked ones git does not ignore: a scaffold not committed yet counts.
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: repoRoot, encoding: "utf8" })
      .split("\0")
      .filter((f) => f && !SCAFFOLD.some((re) => re.test(f)));
    const left = files.flatMap((f) => {
      let text: string;
      try {
        text = readFileSync(join(repoRoot, f), "utf8");
      } catch {
        return []; // deleted in the working tree
      }
      if (!text.includes(MARKER)) return [];
      return text.split("\n").flatMap((line, i) => (line.includes(MARKER) ? [`${f}:${i + 1}: ${line.trim().slice(0, 120)}`] : []));
    });
    expect(left, `write these (npm run new:rpc left them), then npm run regen`).toEqual([]);
  });
});
