// Citus for npm run test:citus: built from the vendored source (../shared/vendor, Citus 13.2.2, the
// last line supporting PostgreSQL 15; no package registry here serves it) when the server's
// $libdir has no citus.so, or from CITUS_SRC (a source tree) when set. Built under .citus/ (git-
// ignored) at the lowest priority (nice 19: others measure performance on this machine), then
// `make install`ed into the server's own directories (PostgreSQL loads extensions from $libdir and
// reads their control files from $sharedir/extension only). No Citus code is committed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { withClient } from "./db.js";
import { aptInstall, localCluster, startCluster, stopCluster, type Cluster } from "./postgres.js";
import { commandExists, isRoot, run } from "./run.js";

export const CITUS_VERSION = "13.2.2";
export const citusDir = join(repoRoot, ".citus");
const vendored = process.env.CITUS_TARBALL ?? join(repoRoot, "..", "shared", "vendor", `citus-${CITUS_VERSION}-src.tar.xz`);

const pgConfig = (binDir: string, flag: string) => run(join(binDir, "pg_config"), [flag]).trim();

export function citusInstalled(binDir: string): boolean {
  return (
    existsSync(join(pgConfig(binDir, "--pkglibdir"), "citus.so")) &&
    existsSync(join(pgConfig(binDir, "--sharedir"), "extension", "citus.control"))
  );
}

/** What the build needs beyond a compiler: the server headers and Citus's own dependencies. */
function ensureBuildDeps(major: string) {
  const pkgs: string[] = [];
  if (!existsSync(`/usr/include/postgresql/${major}/server/postgres.h`)) pkgs.push(`postgresql-server-dev-${major}`);
  if (!existsSync("/usr/include/krb5.h")) pkgs.push("libkrb5-dev");
  if (!existsSync("/usr/include/lz4.h")) pkgs.push("liblz4-dev");
  if (!existsSync("/usr/include/zstd.h")) pkgs.push("libzstd-dev");
  if (!existsSync("/usr/include/x86_64-linux-gnu/curl/curl.h") && !existsSync("/usr/include/curl/curl.h"))
    pkgs.push("libcurl4-openssl-dev");
  if (!commandExists("flex")) pkgs.push("flex");
  if (!commandExists("bison")) pkgs.push("bison");
  if (!commandExists("make") || !commandExists("gcc")) pkgs.push("build-essential");
  if (pkgs.length) aptInstall(pkgs, `Citus's build dependencies (${pkgs.join(", ")}) are`);
}

/**
 * PostgreSQL 15.20 declares have_createdb_privilege() in commands/dbcommands.h; Citus 13.2.2
 * defines a static copy of its own for PostgreSQL 15, and the two collide. The copy is renamed (one
 * line of the unpacked source), so Citus calls the server's: the same check.
 */
function patchForServer(src: string, major: string) {
  const header = `/usr/include/postgresql/${major}/server/commands/dbcommands.h`;
  if (!existsSync(header) || !readFileSync(header, "utf8").includes("have_createdb_privilege")) return;
  const file = join(src, "src", "include", "pg_version_compat.h");
  const text = readFileSync(file, "utf8");
  if (!/^have_createdb_privilege\(void\)$/m.test(text)) return; // already patched, or a Citus without the copy
  writeFileSync(file, text.replace(/^have_createdb_privilege\(void\)$/m, "citus_unused_have_createdb_privilege(void)"));
}

/** Builds and installs Citus unless the server has it; returns the seconds the build took (0: none). */
export function ensureCitus(binDir: string, log: (s: string) => void = console.error): number {
  if (citusInstalled(binDir) && !process.env.CITUS_SRC) return 0;
  if (!isRoot) throw new Error("Citus is not installed for this server: run npm run test:citus as root (it builds and installs it)");
  const major = binDir.match(/postgresql\/(\d+)\//)?.[1] ?? "15";
  ensureBuildDeps(major);
  let src = process.env.CITUS_SRC;
  if (!src) {
    if (!existsSync(vendored)) throw new Error(`Citus source not found at ${vendored} (set CITUS_SRC to a source tree)`);
    src = join(citusDir, `citus-${CITUS_VERSION}`);
    if (!existsSync(join(src, "configure"))) {
      mkdirSync(citusDir, { recursive: true });
      run("tar", ["-xJf", vendored, "-C", citusDir]);
    }
  }
  patchForServer(src, major);
  const logFile = join(citusDir, "build.log");
  mkdirSync(citusDir, { recursive: true });
  log(`[citus] building Citus in ${src} (nice 19, make -j2; log: ${logFile})`);
  const t = Date.now();
  const sh = (cmd: string) => {
    const r = spawnSync("sh", ["-c", `${cmd} >>${logFile} 2>&1`], {
      cwd: src,
      stdio: "inherit",
      env: { ...process.env, PG_CONFIG: join(binDir, "pg_config") },
    });
    if (r.status !== 0) throw new Error(`Citus build step failed: ${cmd} (see ${logFile})`);
  };
  writeFileSync(logFile, "");
  if (!existsSync(join(src, "Makefile.global"))) sh(`nice -n 19 ./configure PG_CONFIG=${join(binDir, "pg_config")}`);
  sh("nice -n 19 make -j2");
  const seconds = Math.round((Date.now() - t) / 1000);
  sh("make install");
  log(`[citus] built in ${seconds}s and installed into ${pgConfig(binDir, "--pkglibdir")}`);
  return seconds;
}

export interface CitusNode {
  name: string;
  cluster: Cluster;
}
export interface CitusCluster {
  coordinator: CitusNode;
  workers: CitusNode[];
  /** The socket directory every node listens in (Citus reaches the others through it). */
  socketDir: string;
  /** Starts one more worker (not yet added to the cluster: joinWorker). */
  addWorker(): CitusNode;
  stop(): void;
}

/** What every node runs with (docs/citus.md, "Running it"). */
function nodeSettings(socketDir: string) {
  return [
    "shared_preload_libraries = 'citus'",
    // Citus opens connections from node to node through this socket directory.
    `citus.local_hostname = '${socketDir}'`,
    "max_prepared_transactions = 100", // two-phase commits across nodes
    // Shard moves (citus_rebalance_start) copy a shard and follow its changes by logical
    // replication (the default transfer mode, "auto"), which needs logical WAL on every node.
    "wal_level = logical",
    // 8 shards per distributed table, not Citus's default 32: a test-sized cluster, so that the
    // rebalance onto a third worker moves a handful of shard groups, not dozens (each move sets
    // up its own logical replication: seconds each on these 2 shared cores). db:distribute on a
    // real cluster keeps the server's setting (docs/citus.md).
    "citus.shard_count = 8",
  ];
}

/** The nodes in `dir`: coordinator, worker1, worker2, … (those already there, started when not). */
function citusNodes(binDir: string, dir: string, basePort: number) {
  const socketDir = join(dir, "run");
  const nodes: CitusNode[] = [];
  const start = (name: string, run = true) => {
    const cluster = localCluster(join(dir, name), socketDir, basePort + nodes.length);
    if (run) startCluster(binDir, cluster, { throwaway: true, settings: nodeSettings(socketDir) });
    const node = { name, cluster };
    nodes.push(node);
    return node;
  };
  return { socketDir, nodes, start };
}

/**
 * A coordinator and `workers` workers on this machine: PostgreSQL 15 with citus preloaded, each on
 * a port of its own from `basePort`, all on one Unix socket directory (trust there, as for the
 * project's other clusters), database `db` with the extension on every node and the workers added.
 */
export async function startCitusCluster(
  binDir: string,
  dir: string,
  opts: { basePort: number; workers: number; db: string },
): Promise<CitusCluster> {
  const { socketDir, nodes, start } = citusNodes(binDir, dir, opts.basePort);
  const prepare = async (node: CitusNode) => {
    await withClient(node.cluster.url("postgres"), async (c) => {
      const { rowCount } = await c.query("select from pg_database where datname = $1", [opts.db]);
      if (!rowCount) await c.query(`create database ${opts.db}`);
    });
    await withClient(node.cluster.url(opts.db), (c) => c.query("create extension if not exists citus"));
  };
  const coordinator = start("coordinator");
  const workers = Array.from({ length: opts.workers }, (_, i) => start(`worker${i + 1}`));
  for (const n of nodes) await prepare(n);
  await withClient(coordinator.cluster.url(opts.db), async (c) => {
    await c.query("select citus_set_coordinator_host($1, $2)", [socketDir, coordinator.cluster.port]);
    for (const w of workers) await c.query("select citus_add_node($1, $2)", [socketDir, w.cluster.port]);
  });
  return cluster(binDir, nodes, socketDir, start);
}

function cluster(binDir: string, nodes: CitusNode[], socketDir: string, start: (name: string) => CitusNode, owned = true): CitusCluster {
  return {
    coordinator: nodes[0]!,
    get workers() {
      return nodes.slice(1);
    },
    socketDir,
    addWorker: () => start(`worker${nodes.length}`),
    stop: () => {
      if (owned) for (const n of [...nodes].reverse()) stopCluster(binDir, n.cluster, "immediate");
    },
  };
}

/** Prepares a worker started with addWorker (database, extension) and adds it to the cluster. */
export async function joinWorker(c: CitusCluster, node: CitusNode, db: string) {
  await withClient(node.cluster.url("postgres"), (k) => k.query(`create database ${db}`));
  await withClient(node.cluster.url(db), (k) => k.query("create extension if not exists citus"));
  await withClient(c.coordinator.cluster.url(db), (k) => k.query("select citus_add_node($1, $2)", [c.socketDir, node.cluster.port]));
}

/**
 * A cluster startCitusCluster left running in `dir` (CITUS_KEEP=1), with every worker it has
 * (a third one too, once added): for probing it again. Not stopped by stop() (the caller keeps it),
 * but a worker added now is started like the others.
 */
export function attachCitusCluster(binDir: string, dir: string, basePort: number): CitusCluster {
  const { socketDir, nodes, start } = citusNodes(binDir, dir, basePort);
  start("coordinator", false);
  for (let i = 1; existsSync(join(dir, `worker${i}`)); i++) start(`worker${i}`, false);
  return cluster(binDir, nodes, socketDir, start, false);
}
