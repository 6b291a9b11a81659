// Where the database lives: the project's own cluster (default) or DATABASE_URL's server.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withClient } from "./db.js";
import { dataDir, repoRoot } from "./paths.js";
import { clusterRunning, ensurePrerequisites, localCluster, startCluster, stopCluster, type Cluster } from "./postgres.js";
import { freePort } from "./run.js";
import { authenticatorPassword, randomSecret } from "./secrets.js";

export interface Target {
  /** Admin connection to the application database. */
  adminUrl: string;
  /** Admin connection to another database of the same server (for create/drop database). */
  serverUrl(db: string): string;
  /** What PostgREST connects with (as authenticator). */
  postgrestUri(db?: string): Promise<string>;
  dbName: string;
  cluster?: Cluster;
  binDir?: string;
  /** Stops/drops what this target started for itself. */
  teardown(): Promise<void>;
}

function withDb(url: string, db: string) {
  const u = new URL(url);
  u.pathname = "/" + db;
  return u.toString();
}

const adminQuery = (url: string, sql: string) => withClient(url, (c) => c.query(sql));

export async function setAuthenticatorPassword(adminUrl: string, password: string) {
  await withClient(adminUrl, async (c) => {
    const { rows } = await c.query("select format('alter role authenticator with login password %L', $1::text) as sql", [password]);
    await c.query(rows[0].sql);
  });
}

/** A host project's database (Supabase), recognised by its own roles and schemas. */
export async function isHostProject(adminUrl: string): Promise<boolean> {
  const { rows } = await adminQuery(
    adminUrl,
    `select exists (select from pg_roles where rolname = 'supabase_admin')
        and exists (select from pg_namespace where nspname = 'auth') as host`,
  );
  return rows[0].host === true;
}

/**
 * PostgREST's URI on an external server: PGRST_DB_URI; in a host project, the admin connection
 * itself (authenticator and its password are the platform's: never changed); elsewhere
 * authenticator with a password we set.
 */
async function externalPostgrestUri(adminUrl: string): Promise<string> {
  if (process.env.PGRST_DB_URI) return process.env.PGRST_DB_URI;
  if (await isHostProject(adminUrl)) return adminUrl;
  const password = authenticatorPassword();
  await setAuthenticatorPassword(adminUrl, password);
  const u = new URL(adminUrl);
  u.username = "authenticator";
  u.password = password;
  return u.toString();
}

/**
 * The project's own cluster (.data/pg): a Unix socket only, in a private directory named after the
 * checkout, on PGPORT_LOCAL (54329). Where `npm start` and the CLIs find it (and `npm run db:uri`).
 */
export function projectCluster(): Cluster {
  const hash = createHash("sha256").update(repoRoot).digest("hex").slice(0, 8);
  return localCluster(join(dataDir, "pg"), join(tmpdir(), `wa-campaigns-${hash}`), Number(process.env.PGPORT_LOCAL ?? 54329));
}

/** For `npm start`: the persistent local cluster, or DATABASE_URL. */
export async function devTarget(): Promise<Target> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      adminUrl: external,
      dbName: new URL(external).pathname.slice(1),
      serverUrl: (db) => withDb(external, db),
      postgrestUri: () => externalPostgrestUri(external),
      teardown: async () => {},
    };
  }
  const binDir = ensurePrerequisites({ needServer: true, needPgtap: false })!;
  const cluster = projectCluster();
  const wasRunning = clusterRunning(binDir, cluster);
  startCluster(binDir, cluster);
  return {
    adminUrl: cluster.url("app"),
    dbName: "app",
    cluster,
    binDir,
    serverUrl: (db) => cluster.url(db),
    postgrestUri: async () => cluster.urlAs("authenticator", "app"),
    // Leave a cluster that another command (say, a running npm start) had started.
    teardown: async () => {
      if (!wasRunning) stopCluster(binDir, cluster);
    },
  };
}

/** Prints what the server logged that a test run should never cause (deadlocks, crashes). */
function reportServerProblems(logFile: string) {
  if (!existsSync(logFile)) return;
  const bad = readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => /ERROR: {2}deadlock detected|FATAL:|PANIC:|canceling statement due to|terminating connection/.test(l))
    .filter((l) => !/database ".*" does not exist/.test(l)); // dbmate --wait probing before it creates the database
  if (bad.length) console.error(`PostgreSQL logged ${bad.length} problem line(s):\n` + bad.slice(0, 20).join("\n"));
}

/** For `npm test`: a throwaway cluster, or a throwaway database on DATABASE_URL's server. */
export async function testTarget(opts: { durable?: boolean; settings?: string[] } = {}): Promise<Target> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const dbName = `wa_campaigns_test_${randomSecret(6)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "x")}`;
    const adminUrl = withDb(external, dbName);
    return {
      adminUrl,
      dbName,
      serverUrl: (db) => withDb(external, db),
      postgrestUri: async (db = dbName) => withDb(await externalPostgrestUri(external), db),
      teardown: async () => {
        for (const db of [dbName, `${dbName}_pgtap`]) {
          await adminQuery(external, `drop database if exists ${db} with (force)`).catch(() => {});
        }
      },
    };
  }
  const binDir = ensurePrerequisites({ needServer: true, needPgtap: true })!;
  const dir = mkdtempSync(join(tmpdir(), "wa-test-"));
  const cluster = localCluster(join(dir, "pg"), join(dir, "run"), await freePort());
  // Tests trade durability for speed; the soak keeps it (it kills the server and counts on fsync).
  startCluster(binDir, cluster, { throwaway: !opts.durable, settings: opts.settings });
  return {
    adminUrl: cluster.url("app"),
    dbName: "app",
    cluster,
    binDir,
    serverUrl: (db) => cluster.url(db),
    postgrestUri: async (db = "app") => cluster.urlAs("authenticator", db),
    teardown: async () => {
      reportServerProblems(join(cluster.dataDir, "server.log"));
      stopCluster(binDir, cluster, "immediate");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
