// `npm run release -- <version>` refuses, before it changes anything, what is not a release: a
// version that is not semver, one older than the tree's, one CHANGELOG.md has no section for, a
// section without its "Upgrade notes". Run on a copy of the files it reads (its refusals come
// before it packs anything), so this tree's versions are never touched. The whole release (pack,
// scratch installs, a throwaway database) is what the command itself checks: docs/operations.md.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseVersion, repoRoot } from "../../scripts/lib/paths.js";

const copy = mkdtempSync(join(tmpdir(), "wa-release-refusals-"));
const FILES = [
  "package.json",
  "package-lock.json",
  "clients/ts/package.json",
  "packages/backend/package.json",
  "db/contracts/openapi.generated.json",
];
const current = releaseVersion();

beforeAll(() => {
  cpSync(join(repoRoot, "scripts"), join(copy, "scripts"), { recursive: true });
  mkdirSync(join(copy, "db", "functions"), { recursive: true });
  for (const f of FILES) cpSync(join(repoRoot, f), join(copy, f));
  symlinkSync(join(repoRoot, "node_modules"), join(copy, "node_modules"));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function release(version: string, changelog: string) {
  writeFileSync(join(copy, "CHANGELOG.md"), changelog);
  const r = spawnSync(join(copy, "node_modules", ".bin", "tsx"), [join(copy, "scripts", "release.ts"), version], {
    cwd: copy,
    encoding: "utf8",
  });
  const unchanged = [...FILES, "CHANGELOG.md"].every(
    (f) => f === "CHANGELOG.md" || readFileSync(join(copy, f), "utf8") === readFileSync(join(repoRoot, f), "utf8"),
  );
  return { code: r.status, err: r.stderr.trim(), unchanged, changelog: readFileSync(join(copy, "CHANGELOG.md"), "utf8") };
}

const notes = "### Upgrade notes\n\n- Nothing to change.\n";

describe("npm run release refuses", () => {
  it("a version that is not semver", () => {
    const r = release("1.0", `# Changelog\n\n## Unreleased\n\n${notes}`);
    expect([r.code, r.err, r.unchanged]).toEqual([1, 'release: usage: npm run release -- <major.minor.patch> (got "1.0")', true]);
  });

  it("a version older than the tree's", () => {
    const r = release("0.0.1", `# Changelog\n\n## Unreleased\n\n${notes}`);
    expect([r.code, r.err, r.unchanged]).toEqual([
      1,
      `release: 0.0.1 is older than this tree's release ${current}: releases never go backwards`,
      true,
    ]);
  });

  it("a version CHANGELOG.md has no section for", () => {
    const changelog = `# Changelog\n\n## ${current} — earlier\n\n${notes}`;
    const r = release("99.0.0", changelog);
    expect([r.code, r.unchanged, r.changelog]).toEqual([1, true, changelog]);
    expect(r.err).toBe(
      'release: CHANGELOG.md has no section for 99.0.0: add "## 99.0.0" (or "## Unreleased") with its "### Upgrade notes"',
    );
  });

  it("a section without its upgrade notes", () => {
    const changelog = "# Changelog\n\n## Unreleased\n\n- Something new.\n\n## 0.1.0\n\n### Upgrade notes\n\n- None.\n";
    const r = release("99.0.0", changelog);
    expect([r.code, r.unchanged, r.changelog]).toEqual([1, true, changelog]);
    expect(r.err).toBe(
      `release: CHANGELOG.md's section "Unreleased" has no "### Upgrade notes" (what a caller must change, or that nothing must)`,
    );
  });
});
