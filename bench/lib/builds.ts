// Another build of this project for the A/B bench: a git ref, unpacked (git archive) into
// bench/.tmp/builds/<commit> with its own `npm ci`, kept there for the next run (cached by commit).
// Nothing in the repository changes: no worktree, no branch, no checkout.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";
import { run } from "../../scripts/lib/run.js";

export interface Build {
  /** What to call it in the results: the ref as given, and its commit. */
  label: string;
  commit: string;
  /** Its subject line, for the report. */
  subject: string;
  /** The directory its code runs from (the repository itself for the working tree). */
  dir: string;
}

const git = (...args: string[]) => run("git", ["-C", repoRoot, ...args]).trim();

/** The working tree this bench runs from (what is about to land). */
export function workingTree(): Build {
  // Recorded results (which this bench itself rewrites) do not make a different build.
  const dirty =
    git(
      "status",
      "--porcelain",
      "--untracked-files=no",
      "--",
      ".",
      ":!bench/results*.json",
      ":!bench/RESULTS*.md",
      ":!bench/PROFILE*.md",
      ":!bench/*.svg",
    ) !== "";
  const commit = git("rev-parse", "HEAD");
  return {
    label: `working tree (${commit.slice(0, 7)}${dirty ? " + uncommitted changes" : ""})`,
    commit,
    subject: git("log", "-1", "--format=%s", commit),
    dir: repoRoot,
  };
}

/** Unpacks and installs `ref` once per commit; later runs reuse it. */
export function buildOf(ref: string): Build {
  const commit = git("rev-parse", "--verify", `${ref}^{commit}`);
  const subject = git("log", "-1", "--format=%s", commit);
  const root = join(repoRoot, "bench", ".tmp", "builds");
  const dir = join(root, commit);
  const label = ref === commit || commit.startsWith(ref) ? commit.slice(0, 7) : `${ref} (${commit.slice(0, 7)})`;
  if (existsSync(join(dir, ".built"))) return { label, commit, subject, dir };
  console.log(`building ${label} in ${dir} (git archive + npm ci; cached for the next run)`);
  mkdirSync(root, { recursive: true });
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  const unpack = spawnSync("sh", ["-c", `git -C "${repoRoot}" archive "${commit}" | tar -x -C "${scratch}"`], { stdio: "inherit" });
  if (unpack.status !== 0) throw new Error(`git archive ${commit} failed`);
  // Its own lock file, its own versions (PostgREST, dbmate, tsx, pg): the build as it was.
  const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: scratch, stdio: "inherit" });
  if (ci.status !== 0) throw new Error(`npm ci failed in ${scratch}`);
  writeFileSync(join(scratch, ".built"), `${commit}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return { label, commit, subject, dir };
}
