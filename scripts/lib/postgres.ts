// The project's own PostgreSQL: finds the server binaries, installs what is missing (Debian, as
// root), and runs a cluster on a Unix socket in a private directory (trust auth is safe there).
import {
  appendFileSync,
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
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

/** pgTAP, plpgsql_check (the suite checks every PL/pgSQL body with it) and pgrowlocks (contrib, in
 * Debian's postgresql-NN: pgTAP 78 reads the locks a call holds) are installed. */
function pgtapInstalled(binDir: string): boolean {
  const shareDir =
    spawnSync(join(binDir, "pg_config"), ["--sharedir"], { encoding: "utf8" }).stdout?.trim() ||
    binDir.replace(/\/lib\/postgresql\/(\d+)\/bin$/, "/share/postgresql/$1");
  return ["pgtap", "plpgsql_check", "pgrowlocks"].every((e) => existsSync(join(shareDir, "extension", `${e}.control`)));
}

/** The lock every apt front end (apt-get, apt, unattended-upgrades) and dpkg's callers hold while they work. */
export const DPKG_FRONTEND_LOCK = "/var/lib/dpkg/lock-frontend";
/** How long setup waits for another apt/dpkg to finish (WA_APT_LOCK_WAIT, seconds): an unattended upgrade takes minutes. */
export const APT_LOCK_WAIT_SECONDS = Number(process.env.WA_APT_LOCK_WAIT ?? 600);
const LOCK_FILES = [DPKG_FRONTEND_LOCK, "/var/lib/dpkg/lock", "/var/lib/apt/lists/lock", "/var/cache/apt/archives/lock"];
const LOCK_REFUSED = /Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock (?:the )?(?:directory|administration)/;

/**
 * Who holds one of apt's and dpkg's locks (POSIX locks, as apt takes them), read from /proc/locks;
 * undefined when nobody does (or not on Linux).
 */
export function aptLockHolder(): { pid: number; command: string; file: string } | undefined {
  let locks: string;
  try {
    locks = readFileSync("/proc/locks", "utf8");
  } catch {
    return undefined;
  }
  for (const file of LOCK_FILES) {
    let ino: number;
    try {
      ino = statSync(file).ino;
    } catch {
      continue;
    }
    // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 0 EOF": pid, then major:minor:inode.
    const m = new RegExp(`^\\d+: POSIX\\s+\\S+\\s+WRITE\\s+(\\d+)\\s+[0-9a-f]+:[0-9a-f]+:${ino}\\s`, "m").exec(locks);
    if (!m) continue;
    const pid = Number(m[1]);
    let command = "?";
    try {
      command = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      /* gone meanwhile */
    }
    return { pid, command, file };
  }
  return undefined;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs the real `apt-get <args>` (root), its output in a log of this run's own (a fresh
 * directory: runs never share or clobber one). When another apt/dpkg holds the package locks it
 * says so and waits for them, at most `lockWaitSeconds`: apt-get's own DPkg::Lock::Timeout for the
 * dpkg lock, and a retry for the other locks (apt-get update's lists lock), both within that bound.
 * Used by aptInstall (npm run setup, npm start, npm test); tested with `apt-get check`, which
 * takes the dpkg lock and installs nothing (test/ops/apt-lock.test.ts).
 */
export function aptGet(
  args: string[],
  o: { lockWaitSeconds?: number; say?: (message: string) => void } = {},
): { status: number | null; log: string } {
  const wait = o.lockWaitSeconds ?? APT_LOCK_WAIT_SECONDS;
  const say = o.say ?? ((m: string) => console.error(`[setup] ${m}`));
  const log = join(mkdtempSync(join(tmpdir(), "wa-campaigns-apt-")), "apt-get.log");
  const deadline = Date.now() + wait * 1000;
  let told = false;
  for (;;) {
    const holder = aptLockHolder();
    if (holder && !told) {
      say(
        `another package manager (pid ${holder.pid}, ${holder.command}) holds the package lock ${holder.file}: ` +
          `waiting up to ${wait} s for it (WA_APT_LOCK_WAIT); apt-get's output: ${log}`,
      );
      told = true;
    }
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    appendFileSync(log, `$ apt-get -o DPkg::Lock::Timeout=${left} ${args.join(" ")}\n`);
    const fd = openSync(log, "a");
    let r: ReturnType<typeof spawnSync>;
    try {
      r = spawnSync("apt-get", ["-o", `DPkg::Lock::Timeout=${left}`, ...args], {
        stdio: ["ignore", fd, fd],
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
    } finally {
      closeSync(fd);
    }
    if (r.status === 0) {
      if (told) say(`the package lock was released; apt-get ${args[0]} went on`);
      return { status: 0, log };
    }
    // Refused for a lock: wait and try again while the bound allows (apt-get update does not wait
    // for the lists lock by itself); anything else is apt-get's verdict.
    const lockRefused = LOCK_REFUSED.test(readFileSync(log, "utf8").split("\n$ apt-get").at(-1) ?? "");
    if (!lockRefused) return { status: r.status, log };
    if (Date.now() >= deadline) {
      say(`the package lock is still held after ${wait} s: giving up (apt-get's output: ${log})`);
      return { status: r.status, log };
    }
    if (!told) {
      say(`another package manager holds a package lock: waiting up to ${wait} s for it (apt-get's output: ${log})`);
      told = true;
    }
    sleepSync(Math.min(2000, Math.max(0, deadline - Date.now())));
  }
}

/** Installs Debian packages with apt-get when root; elsewhere throws with the command to run. */
export function aptInstall(pkgs: string[], what: string) {
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(" ")}`;
  if (!isRoot || !commandExists("apt-get")) {
    throw new Error(`${what} missing. Install, e.g.:\n  sudo sh -c '${cmd}'`);
  }
  console.error(`[setup] installing ${pkgs.join(", ")} with apt-get`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...pkgs]]) {
    const r = aptGet(args);
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (see ${r.log}); run: ${cmd}`);
  }
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
