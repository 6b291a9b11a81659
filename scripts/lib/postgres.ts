// The project's own PostgreSQL: finds the server binaries, installs what is missing (Debian, as
// root), and runs a cluster on a Unix socket in a private directory (trust auth is safe there).
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { asPostgresUser, commandExists, isRoot, run } from "./run.js";

const DEBIAN_PACKAGES = (major: string) => [
  `postgresql-${major}`,
  `postgresql-${major}-pgtap`,
  "libtap-parser-sourcehandler-pgtap-perl",
  `postgresql-${major}-plpgsql-check`,
];

/** The directory holding initdb/postgres/pg_ctl, newest major first. */
export function findServerBinDir(): string | undefined {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  if (commandExists("pg_config")) {
    const dir = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" }).stdout.trim();
    if (dir && existsSync(join(dir, "initdb"))) return dir;
  }
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((d) => existsSync(join(base, d, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(base, majors[0], "bin") : undefined;
}

/** pgTAP and plpgsql_check (the suite checks every PL/pgSQL body with it) are installed. */
function pgtapInstalled(binDir: string): boolean {
  const shareDir =
    spawnSync(join(binDir, "pg_config"), ["--sharedir"], { encoding: "utf8" }).stdout?.trim() ||
    binDir.replace(/\/lib\/postgresql\/(\d+)\/bin$/, "/share/postgresql/$1");
  return ["pgtap", "plpgsql_check"].every((e) => existsSync(join(shareDir, "extension", `${e}.control`)));
}

/** Installs Debian packages with apt-get when root; elsewhere throws with the command to run. */
export function aptInstall(pkgs: string[], what: string) {
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(" ")}`;
  if (!isRoot || !commandExists("apt-get")) {
    throw new Error(`${what} missing. Install, e.g.:\n  sudo sh -c '${cmd}'`);
  }
  console.error(`[setup] installing ${pkgs.join(", ")} with apt-get`);
  const r = spawnSync("sh", ["-c", `${cmd} >/tmp/wa-campaigns-apt.log 2>&1`], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.status !== 0) throw new Error(`apt-get failed (see /tmp/wa-campaigns-apt.log); run: ${cmd}`);
}

/**
 * Makes sure the PostgreSQL server binaries (when `needServer`), pgTAP and pg_prove exist.
 * On Debian/Ubuntu as root it installs them with apt-get; elsewhere it stops with the command.
 */
export function ensurePrerequisites(opts: { needServer: boolean; needPgtap: boolean }): string | undefined {
  let binDir = findServerBinDir();
  const major = binDir?.match(/postgresql\/(\d+)\//)?.[1] ?? "15";
  const missing = () =>
    (opts.needServer && !binDir) || (opts.needPgtap && (!binDir || !pgtapInstalled(binDir) || !commandExists("pg_prove")));
  if (!missing()) return binDir;
  aptInstall(DEBIAN_PACKAGES(major), "PostgreSQL server binaries, pgTAP or pg_prove are");
  binDir = findServerBinDir();
  if (missing()) throw new Error("PostgreSQL server binaries, pgTAP or pg_prove are still missing after apt-get");
  return binDir;
}

/**
 * What the tests use beside PostgreSQL: Debian's nginx (in front of PostgREST), PgBouncer (the
 * deployment doc's way behind a pool) and pg_cron (the retention schedule is tested on a cluster
 * that preloads it).
 */
export function ensureTestTools(binDir?: string): { nginx: string; pgbouncer: string } {
  const missing: string[] = [];
  if (!existsSync("/usr/sbin/nginx")) missing.push("nginx");
  if (!existsSync("/usr/sbin/pgbouncer")) missing.push("pgbouncer");
  const libDir = binDir ? join(dirname(binDir), "lib") : undefined;
  if (libDir && !existsSync(join(libDir, "pg_cron.so"))) missing.push(`postgresql-${basename(dirname(binDir!))}-cron`);
  if (missing.length) aptInstall(missing, `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"}`);
  return { nginx: "/usr/sbin/nginx", pgbouncer: "/usr/sbin/pgbouncer" };
}

export interface Cluster {
  dataDir: string;
  socketDir: string;
  port: number;
  /** Admin connection string for database `db` (superuser over the Unix socket). */
  url(db: string): string;
  /** The same for a given role. */
  urlAs(role: string, db: string): string;
  superuser: string;
}

/** `superuser`: the role initdb makes (postgres; a Supabase-shaped cluster uses supabase_admin). */
export function localCluster(dataDir: string, socketDir: string, port: number, superuser = "postgres"): Cluster {
  const urlAs = (role: string, db: string) => `postgresql://${role}@localhost/${db}?host=${encodeURIComponent(socketDir)}&port=${port}`;
  return { dataDir, socketDir, port, superuser, urlAs, url: (db) => urlAs(superuser, db) };
}

function ownByPostgres(dir: string) {
  // Parents must be traversable by the postgres user (their files stay private: mode 0600): a
  // parent of ours is made so; one that already lets others through (/tmp: 1777) is left as it is
  // (chmod 0711 on /tmp took its sticky bit and write access from everyone else).
  mkdirSync(dirname(dir), { recursive: true, mode: 0o711 });
  if (isRoot && (statSync(dirname(dir)).mode & 0o001) === 0) chmodSync(dirname(dir), 0o711);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot) {
    const uid = Number(run("id", ["-u", "postgres"]).trim());
    const gid = Number(run("id", ["-g", "postgres"]).trim());
    chownSync(dir, uid, gid);
  }
}

/** initdb (once) and start the server; returns when it accepts connections. */
export function startCluster(binDir: string, c: Cluster, opts: { throwaway?: boolean; settings?: string[] } = {}) {
  if (!existsSync(join(c.dataDir, "PG_VERSION"))) {
    ownByPostgres(c.dataDir);
    const [cmd, args] = asPostgresUser(join(binDir, "initdb"), [
      "-D",
      c.dataDir,
      "-U",
      c.superuser,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-instructions",
    ]);
    run(cmd, args);
    const settings = [
      "listen_addresses = ''", // Unix socket only
      "unix_socket_permissions = 0700",
      // PostgreSQL's defaults for connections and locks (max_connections 100,
      // max_locks_per_transaction 64), as on Supabase: tests must pass where users run.
      "shared_buffers = 256MB",
      "log_min_messages = warning",
      "log_lock_waits = on",
      ...(opts.throwaway ? ["fsync = off", "synchronous_commit = off", "full_page_writes = off"] : []),
      ...(opts.settings ?? []),
    ];
    appendFileSync(join(c.dataDir, "postgresql.conf"), "\n# wa-campaigns\n" + settings.join("\n") + "\n");
  }
  ownByPostgres(c.socketDir);
  if (clusterRunning(binDir, c)) return;
  const [cmd, args] = asPostgresUser(join(binDir, "pg_ctl"), [
    "-D",
    c.dataDir,
    "-l",
    join(c.dataDir, "server.log"),
    "-w",
    "-t",
    "60",
    "-o",
    `-p ${c.port} -k ${c.socketDir}`,
    "start",
  ]);
  run(cmd, args);
}

export function clusterRunning(binDir: string, c: Cluster): boolean {
  const [cmd, args] = asPostgresUser(join(binDir, "pg_ctl"), ["-D", c.dataDir, "status"]);
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

export function stopCluster(binDir: string, c: Cluster, mode: "fast" | "immediate" = "fast") {
  if (!clusterRunning(binDir, c)) return;
  const [cmd, args] = asPostgresUser(join(binDir, "pg_ctl"), ["-D", c.dataDir, "-m", mode, "-w", "stop"]);
  run(cmd, args);
}
