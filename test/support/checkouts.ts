// Real checkouts of this project at different versions, built from git in a temp directory: the
// code under test committed as "older", then commits that a later version would add (a migration,
// a function). Each is a git worktree of one temp repository (so the older one can see that the
// newer commits descend from it), sharing this checkout's node_modules.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../../scripts/lib/paths.js";
import { run } from "../../scripts/lib/run.js";

export interface Checkouts {
  /** The code under test. */
  older: string;
  /** older + a migration and a function. */
  newer: string;
  /** older + a function only (no migration). */
  newerFunctions: string;
  remove(): void;
}

const git = (cwd: string, ...args: string[]) =>
  run("git", ["-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false", ...args], { cwd }).trim();

const NEWER_FUNCTION = `-- A function a later version adds.
create or replace function internal.added_later() returns integer language sql immutable return 2;
revoke all on function internal.added_later() from public;
`;
const NEWER_MIGRATION = `-- migrate:up
create table wa_data.added_later (id integer primary key);
alter table wa_data.added_later enable row level security;

-- migrate:down
drop table wa_data.added_later;
`;

export function buildCheckouts(): Checkouts {
  const dir = mkdtempSync(join(tmpdir(), "wa-checkouts-"));
  const repo = join(dir, "repo");
  mkdirSync(repo);
  // The working tree as it is (tracked and new files, nothing ignored): the code under test.
  const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" })
    .stdout.split("\0")
    .filter((f) => f && existsSync(join(repoRoot, f)));
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(repoRoot, f), join(repo, f));
  }
  git(repo, "init", "-q", "-b", "main");
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "older");
  const older = git(repo, "rev-parse", "HEAD");

  writeFileSync(join(repo, "db", "functions", "internal.added_later.sql"), NEWER_FUNCTION);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "newer: a function");
  const newerFunctions = git(repo, "rev-parse", "HEAD");

  writeFileSync(join(repo, "db", "migrations", "29991231000000_added_later.sql"), NEWER_MIGRATION);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "newer: a migration");
  const newer = git(repo, "rev-parse", "HEAD");

  const worktree = (name: string, commit: string) => {
    const path = join(dir, name);
    git(repo, "worktree", "add", "-q", "--detach", path, commit);
    symlinkSync(join(repoRoot, "node_modules"), join(path, "node_modules"));
    return path;
  };
  return {
    older: worktree("older", older),
    newer: worktree("newer", newer),
    newerFunctions: worktree("newer-functions", newerFunctions),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs one of a checkout's npm scripts (its file under scripts/) with tsx, as `npm run` would. */
export function runScript(checkout: string, script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(join(checkout, "node_modules", ".bin", "tsx"), [join(checkout, "scripts", script), ...args], {
    cwd: checkout,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}
