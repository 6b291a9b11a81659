// Never backwards: migrate refuses a checkout older than the database it is pointed at, unless the
// operator says --allow-downgrade. Older means one of:
//  1. the database has applied migrations this checkout does not have;
//  2. this checkout's function set (db/functions) ran here once and was later replaced by an
//     upgrade (wa_data.function_sets keeps, per migrate that changed the set, its fingerprint);
//  3. git says the commit that last migrated the database descends from this checkout's commit
//     (a function set newer than ours that never ran here before; needs git and both commits);
//  4. the release version the database last recorded is a newer semver than this one's (what an
//     installed package, which has no git, relies on for 3).
// A checkout that is none of these (a newer one, or one that cannot be ordered) migrates.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { withClient } from "./db.js";
import { MIGRATIONS_TABLE } from "./migration-lock.js";
import { releaseVersion, repoRoot } from "./paths.js";

/** A refusal: one line for the operator (the entry points print it and exit 1). */
export class DowngradeRefused extends Error {}

export interface Checkout {
  /** SHA-256 over db/functions' file names and contents, in name order. */
  fingerprint: string;
  /** Every migration version this checkout has. */
  migrations: string[];
  /** HEAD, when this is a git checkout (not a copy without its history). */
  commit?: string;
  /** The release version (package.json), semver. */
  version: string;
}

const SETS_TABLE = "wa_data.function_sets";

function gitHead(root: string): string | undefined {
  const git = (...args: string[]) => spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  const top = git("rev-parse", "--show-toplevel");
  // Only this checkout's own repository (not one it happens to be copied into).
  if (top.status !== 0 || realpathSync(top.stdout.trim()) !== realpathSync(root)) return undefined;
  const head = git("rev-parse", "--verify", "-q", "HEAD");
  return head.status === 0 ? head.stdout.trim() : undefined;
}

export function checkoutState(root = repoRoot): Checkout {
  const dir = join(root, "db", "functions");
  const hash = createHash("sha256");
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash
      .update(f)
      .update("\0")
      .update(readFileSync(join(dir, f)))
      .update("\0");
  }
  const migrations = readdirSync(join(root, "db", "migrations"))
    .map((f) => f.match(/^(\d+)_.*\.sql$/)?.[1])
    .filter((v): v is string => !!v)
    .sort();
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  return { fingerprint: hash.digest("hex"), migrations, commit: gitHead(root), version };
}

/**
 * Semver order (major.minor.patch, then a prerelease sorts before its release): negative when a < b.
 * Undefined when either is not a version (rows recorded before releases carry none).
 */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string) => /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(v);
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 1; i <= 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
  if (x[4] === y[4]) return 0;
  if (x[4] === undefined) return 1;
  if (y[4] === undefined) return -1;
  const p = x[4].split(".");
  const q = y[4].split(".");
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    if (p[i] === undefined) return -1;
    if (q[i] === undefined) return 1;
    if (p[i] === q[i]) continue;
    const [m, n] = [Number(p[i]), Number(q[i])];
    if (Number.isInteger(m) && Number.isInteger(n)) return m - n;
    return p[i]! < q[i]! ? -1 : 1;
  }
  return 0;
}

export { releaseVersion };

interface SetRow {
  fingerprint: string;
  git_commit: string | null;
  version: string | null;
  downgrade: boolean;
  applied_at: Date;
}

/**
 * The function sets that an upgrade replaced and that have not run since: going back to one of
 * them is going backwards. An operator's own downgrade does not make the set it left "older".
 */
function supersededSets(history: SetRow[]): Map<string, { by: SetRow }> {
  const superseded = new Map<string, { by: SetRow }>();
  let current: SetRow | undefined;
  for (const row of history) {
    if (current && !row.downgrade && row.fingerprint !== current.fingerprint) superseded.set(current.fingerprint, { by: row });
    superseded.delete(row.fingerprint);
    current = row;
  }
  return superseded;
}

const isAncestor = (older: string, newer: string) =>
  older !== newer && spawnSync("git", ["-C", repoRoot, "merge-base", "--is-ancestor", older, newer]).status === 0;

const short = (s: string) => s.slice(0, 12);
const TAIL = "Migrate with that version, or pass --allow-downgrade to put this checkout's functions in place anyway.";

/** The reason this checkout is older than the database, or undefined. Reads only. */
async function olderBecause(c: pg.Client, checkout: Checkout): Promise<string | undefined> {
  const exists = async (t: string) => (await c.query("select to_regclass($1) is not null as e", [t])).rows[0].e as boolean;
  if (await exists(MIGRATIONS_TABLE)) {
    const known = new Set(checkout.migrations);
    const unknown = (await c.query<{ version: string }>(`select version from ${MIGRATIONS_TABLE} order by version`)).rows
      .map((r) => r.version)
      .filter((v) => !known.has(v));
    if (unknown.length) {
      return (
        `the database has ${unknown.length} migration(s) this checkout does not have (${unknown.slice(-3).join(", ")}): ` +
        "it was migrated by a newer version."
      );
    }
  }
  if (!(await exists(SETS_TABLE))) return undefined;
  const history = (
    await c.query<SetRow>(
      `select fingerprint, git_commit, ${(await hasVersionColumn(c)) ? "version" : "null as version"}, downgrade, applied_at from ${SETS_TABLE} order by id`,
    )
  ).rows;
  const latest = history.at(-1);
  if (!latest) return undefined;
  if (latest.version && (compareVersions(latest.version, checkout.version) ?? 0) > 0) {
    return `the database runs release ${latest.version}, newer than this one's ${checkout.version}.`;
  }
  if (latest.fingerprint === checkout.fingerprint) return undefined;
  const replaced = supersededSets(history).get(checkout.fingerprint);
  if (replaced) {
    return (
      `the database runs functions newer than this checkout's: its set ${short(checkout.fingerprint)} was replaced on ` +
      `${replaced.by.applied_at.toISOString()} by ${short(replaced.by.fingerprint)}` +
      (replaced.by.git_commit ? ` (commit ${short(replaced.by.git_commit)}).` : ".")
    );
  }
  if (checkout.commit && latest.git_commit && isAncestor(checkout.commit, latest.git_commit)) {
    return (
      `the database runs functions from commit ${short(latest.git_commit)}, newer than this checkout's ` + `${short(checkout.commit)}.`
    );
  }
  return undefined;
}

/** Before migration 20261207700000 the history had no version column (an upgrade checks first). */
async function hasVersionColumn(c: pg.Client): Promise<boolean> {
  const { rows } = await c.query(
    "select exists (select from pg_attribute where attrelid = to_regclass($1) and attname = 'version' and not attisdropped) as v",
    [SETS_TABLE],
  );
  return rows[0].v === true;
}

/**
 * Throws DowngradeRefused when the database is newer than this checkout and the operator did not
 * allow it; true when this is a downgrade the operator allowed.
 */
async function refuseDowngrade(c: pg.Client, checkout: Checkout, allowDowngrade: boolean): Promise<boolean> {
  const why = await olderBecause(c, checkout);
  if (why && !allowDowngrade) throw new DowngradeRefused(`Refusing to migrate: ${why} ${TAIL}`);
  return why !== undefined;
}

/** Before anything runs: connects (a database that does not exist yet has nothing to refuse). */
export async function checkNotOlder(url: string, checkout: Checkout, allowDowngrade: boolean) {
  await withClient(url, (c) => refuseDowngrade(c, checkout, allowDowngrade)).catch((e: { code?: string }) => {
    if (e.code !== "3D000") throw e;
  });
}

/**
 * In the transaction that applies db/functions: lock the history (one migrate at a time decides),
 * check again, and record this checkout's set when it differs from the one in place.
 */
export async function recordFunctionSet(c: pg.Client, checkout: Checkout, allowDowngrade: boolean) {
  await c.query(`lock table ${SETS_TABLE} in share row exclusive mode`);
  const downgrade = await refuseDowngrade(c, checkout, allowDowngrade);
  // A row when the set or the release changed (a release with the same functions is recorded too:
  // internal.version() reads the last row).
  const { rows } = await c.query<{ fingerprint: string; version: string | null }>(
    `select fingerprint, version from ${SETS_TABLE} order by id desc limit 1`,
  );
  if (rows[0]?.fingerprint === checkout.fingerprint && rows[0]?.version === checkout.version) return;
  await c.query(`insert into ${SETS_TABLE} (fingerprint, migration, git_commit, downgrade, version) values ($1, $2, $3, $4, $5)`, [
    checkout.fingerprint,
    checkout.migrations.at(-1) ?? "",
    checkout.commit ?? null,
    downgrade,
    checkout.version,
  ]);
}
