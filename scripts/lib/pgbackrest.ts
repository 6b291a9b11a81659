// Backups and point-in-time recovery with Debian's pgBackRest: WAL archiving of the project's own
// cluster into a repository, full and differential base backups, and restores to a moment into a
// new data directory. Used by `npm run backup` (docs/operations.md, "Backups") and by the drill
// `npm run test:restore`, so the procedure the doc gives is the one the drill runs.
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { withClient } from "./db.js";
import { aptInstall, startCluster, stopCluster, type Cluster } from "./postgres.js";
import { asPostgresUser, isRoot, run, sleep } from "./run.js";

export const PGBACKREST = "/usr/bin/pgbackrest";
export const STANZA = "wa";

/** pgBackRest from Debian (installed with apt-get as root, like the server packages). */
export function ensurePgbackrest() {
  if (!existsSync(PGBACKREST)) aptInstall(["pgbackrest"], "pgBackRest is");
}

/** What the schedule keeps (docs/operations.md): two full backups, and the WAL to restore to any moment since the older. */
export const RETENTION = { full: 2, diff: 7 };

export interface BackupRepo {
  /** The repository's directory: pgbackrest.conf, the backups and WAL (repo/), logs, locks. */
  dir: string;
  conf: string;
}

function ownedByPostgres(dir: string) {
  // Parents the postgres user can pass through (it runs pgbackrest); the directory its own.
  mkdirSync(dirname(dir), { recursive: true, mode: 0o711 });
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  if (isRoot) {
    const uid = Number(run("id", ["-u", "postgres"]).trim());
    const gid = Number(run("id", ["-g", "postgres"]).trim());
    chownSync(dir, uid, gid);
  }
}

/** The repository `setup` configured in `dir`; throws with what to run when there is none. */
export function openRepo(dir: string): BackupRepo {
  const conf = join(dir, "pgbackrest.conf");
  if (!existsSync(conf)) throw new Error(`no backup repository in ${dir}: run npm run backup -- setup first`);
  return { dir, conf };
}

/** Runs pgbackrest (as the postgres user when root) with the repository's configuration. */
export function pgbackrest(repo: BackupRepo, command: string, args: string[] = []): string {
  const [cmd, argv] = asPostgresUser(PGBACKREST, [`--config=${repo.conf}`, `--stanza=${STANZA}`, ...args, command]);
  return run(cmd, argv);
}

/**
 * Writes the repository's pgbackrest.conf for `cluster` (its data directory, socket and port) and
 * turns WAL archiving on (ALTER SYSTEM, then a restart: archive_mode needs one), then creates the
 * stanza and checks that a WAL segment reaches the repository. Idempotent.
 */
export async function configureArchiving(binDir: string, cluster: Cluster, dir: string): Promise<BackupRepo> {
  ensurePgbackrest();
  for (const d of ["", "repo", "log", "lock", "spool"]) ownedByPostgres(join(dir, d));
  const repo = { dir, conf: join(dir, "pgbackrest.conf") };
  writeFileSync(
    repo.conf,
    `# Written by scripts/lib/pgbackrest.ts (npm run backup -- setup): docs/operations.md, "Backups".
[global]
repo1-path=${join(dir, "repo")}
repo1-retention-full=${RETENTION.full}
repo1-retention-diff=${RETENTION.diff}
compress-type=zst
start-fast=y
log-path=${join(dir, "log")}
lock-path=${join(dir, "lock")}
spool-path=${join(dir, "spool")}
log-level-console=warn
log-level-file=info

[${STANZA}]
pg1-path=${cluster.dataDir}
pg1-socket-path=${cluster.socketDir}
pg1-port=${cluster.port}
pg1-user=${cluster.superuser}
`,
    { mode: 0o640 },
  );
  if (isRoot) chownSync(repo.conf, Number(run("id", ["-u", "postgres"]).trim()), Number(run("id", ["-g", "postgres"]).trim()));
  const archiveCommand = `${PGBACKREST} --config=${repo.conf} --stanza=${STANZA} archive-push %p`;
  const changed = await withClient(cluster.url("postgres"), async (c) => {
    const { rows } = await c.query("select current_setting('archive_mode') = 'on' and current_setting('archive_command') = $1 as ok", [
      archiveCommand,
    ]);
    if (rows[0].ok) return false;
    await c.query("alter system set archive_mode = 'on'");
    await c.query(`alter system set archive_command = ${c.escapeLiteral(archiveCommand)}`);
    // At most a minute of commits waits for its WAL segment to fill before it is archived.
    await c.query("alter system set archive_timeout = '60s'");
    return true;
  });
  if (changed) {
    stopCluster(binDir, cluster);
    startCluster(binDir, cluster);
  }
  pgbackrest(repo, "stanza-create");
  pgbackrest(repo, "check");
  return repo;
}

export interface BackupResult {
  label: string;
  type: string;
  seconds: number;
  /** The database's size, and what the backup added to the repository (compressed). */
  databaseBytes: number;
  repoBytes: number;
}

/** Takes a backup (full, diff or incr) and says what it cost; pgBackRest then expires per retention. */
export function takeBackup(repo: BackupRepo, type: "full" | "diff" | "incr"): BackupResult {
  const started = Date.now();
  pgbackrest(repo, "backup", [`--type=${type}`]);
  const seconds = (Date.now() - started) / 1000;
  const info = JSON.parse(pgbackrest(repo, "info", ["--output=json"])) as {
    backup: { label: string; type: string; info: { size: number; repository: { delta: number } } }[];
  }[];
  const last = info[0]!.backup.at(-1)!;
  return { label: last.label, type: last.type, seconds, databaseBytes: last.info.size, repoBytes: last.info.repository.delta };
}

/** Bytes under a directory (the repository's footprint). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/** PostgreSQL's recovery_target_time for a JavaScript time: UTC with milliseconds. */
export const targetTime = (t: number) => new Date(t).toISOString().replace("T", " ").replace("Z", "+00");

/**
 * Restores the backup set to `target` — a recovery_target_time, or "latest" (all the WAL archived)
 * — into a new, empty data directory, with archiving off there (the restored cluster never writes
 * into the repository), starts it on `into`'s port and socket and waits until recovery reached the
 * target and it was promoted. A target later than the WAL archived is refused by PostgreSQL
 * ("recovery ended before configured recovery target was reached").
 */
export async function restoreToTime(binDir: string, repo: BackupRepo, into: Cluster, target: string) {
  ownedByPostgres(into.dataDir);
  pgbackrest(repo, "restore", [
    `--pg1-path=${into.dataDir}`,
    "--archive-mode=off",
    ...(target === "latest" ? ["--type=default"] : ["--type=time", `--target=${target}`, "--target-action=promote"]),
  ]);
  // The log the backup carried over is the source's: only what this start writes counts.
  const log = join(into.dataDir, "server.log");
  const from = existsSync(log) ? statSync(log).size : 0;
  const fatal = () =>
    (existsSync(log) ? readFileSync(log).subarray(from).toString("utf8") : "")
      .split("\n")
      .find((l) => / (FATAL|PANIC): /.test(l) && !/database ".*" does not exist/.test(l));
  try {
    startCluster(binDir, into);
  } catch (e) {
    throw new Error(`the restored cluster did not start: ${fatal() ?? (e as Error).message}`);
  }
  for (let i = 0; ; i++) {
    const promoted = await withClient(
      into.url("postgres"),
      async (c) => (await c.query("select not pg_is_in_recovery() as done")).rows[0].done as boolean,
    ).catch(() => false);
    if (promoted) return;
    if (fatal() || i > 600) throw new Error(`the restored cluster did not finish recovery: ${fatal() ?? `see ${log}`}`);
    await sleep(100);
  }
}
