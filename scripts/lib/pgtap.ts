// pgTAP's database and pg_prove, for npm test and the mutation run (scripts/mutate.ts).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_SEARCH_PATH, withClient, withSearchPath } from "./db.js";
import { repoRoot } from "./paths.js";

export const exec = (sql: string[], url: string) =>
  withClient(url, async (c) => {
    for (const s of sql) await c.query(s);
  });

/** The pgTAP files, in the order pg_prove runs them (db/tests/NN_*.sql). */
export const allPgtapFiles = () =>
  readdirSync(join(repoRoot, "db", "tests"))
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .map((f) => join("db", "tests", f));

/**
 * `db`, a copy of the migrated `appDb`, with pgTAP and the tests schema (db/tests/helpers): what
 * pg_prove runs against. A throwaway: made again each time.
 */
export async function preparePgtapDatabase(serverUrl: (db: string) => string, appDb: string, db: string) {
  await exec([`drop database if exists ${db}`, `create database ${db} template ${appDb}`], serverUrl("postgres"));
  await exec(
    [
      "create schema tests",
      // A host may have pgTAP already (Supabase: in extensions); then it is used where it is.
      "create extension if not exists pgtap schema tests",
      // pgTAP installed elsewhere by the host (Supabase: extensions): the roles the tests act as
      // must reach it. (This database is a throwaway copy.)
      `do $$ declare s name := (select extnamespace::regnamespace::name from pg_extension where extname = 'pgtap');
     begin if s <> 'tests' then execute format('grant usage on schema %I to anon, gateway, crm, ops', s); end if; end $$`,
      // plpgsql_check, where the server has it and we may create it (pgTAP 05 skips otherwise).
      `do $$ begin create extension if not exists plpgsql_check schema tests;
     exception when others then raise notice 'plpgsql_check not available: %', sqlerrm; end $$`,
      readFileSync(join(repoRoot, "db", "tests", "helpers", "tests_schema.sql"), "utf8"),
    ],
    serverUrl(db),
  );
}

/** pg_prove's connection flags for a postgres URL (a socket directory travels as ?host=). */
function libpqFlags(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const host = u.searchParams.get("host") ?? u.hostname;
  return {
    args: [
      "--dbname",
      u.pathname.slice(1),
      "--host",
      host,
      "--port",
      u.searchParams.get("port") ?? (u.port || "5432"),
      "--username",
      decodeURIComponent(u.username || "postgres"),
    ],
    env: u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {},
  };
}

export interface ProveOptions {
  /** Echo pg_prove's output (npm test does; the mutation run does not). */
  echo?: boolean;
  /** Extra session settings (PGOPTIONS -c …), e.g. a hang guard. */
  settings?: string[];
  /** Called per output line; returning true stops pg_prove at once (the run counts as failed). */
  stopWhen?: (line: string) => boolean;
}

/**
 * One pgTAP file run by psql itself, as pg_prove runs it (its options: no psqlrc, unaligned tuples
 * only, stop at the first error), without pg_prove's start: perl and its modules cost about 0.15 s
 * per call, which a mutant that survives paid once per covering file (40 files: 6 s). The same
 * verdict as pg_prove's: a test that fails, an error (psql's exit status), or fewer or more tests
 * than planned.
 */
export function psqlTapFile(url: string, file: string, settings: string[] = []) {
  const { args, env } = libpqFlags(url);
  const options = [withSearchPath(`tests, extensions, ${DATA_SEARCH_PATH}`).options, ...settings.map((s) => `-c ${s}`)];
  return new Promise<{ passed: number; failed: number; out: string }>((resolve, reject) => {
    const child = spawn(
      "psql",
      [
        ...args,
        "--no-psqlrc",
        "--no-align",
        "--quiet",
        "--pset",
        "pager=off",
        "--pset",
        "tuples_only=true",
        "--set",
        "ON_ERROR_STOP=1",
        "--file",
        file,
      ],
      { env: { ...process.env, ...env, PGOPTIONS: options.join(" ") }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
    });
    child.stderr!.on("data", (d: Buffer) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const passed = (out.match(/^\s*ok \d+/gm) ?? []).length;
      let failed = (out.match(/^\s*not ok \d+/gm) ?? []).length;
      const planned = Number(/^\s*1\.\.(\d+)\s*$/m.exec(out)?.[1] ?? Number.NaN);
      if (failed === 0 && (code !== 0 || planned !== passed)) failed = 1; // an error, a plan mismatch, a crash
      resolve({ passed, failed, out });
    });
  });
}

/**
 * pg_prove over `files` against the database at `url`, with the search_path the tests read their
 * tables through. Returns the passed/failed counts, the output and whether it was stopped early.
 */
export function pgProve(url: string, files: string[], opts: ProveOptions = {}) {
  const { args, env } = libpqFlags(url);
  // Per session (PGOPTIONS), not per database: a host may set search_path on the role.
  const options = [withSearchPath(`tests, extensions, ${DATA_SEARCH_PATH}`).options, ...(opts.settings ?? []).map((s) => `-c ${s}`)];
  return new Promise<{ passed: number; failed: number; out: string; stopped: boolean }>((resolve, reject) => {
    const child = spawn("pg_prove", ["--verbose", "--failures", ...args, ...files], {
      env: { ...process.env, ...env, PGOPTIONS: options.join(" ") },
      stdio: ["ignore", "pipe", opts.echo ? "inherit" : "pipe"],
    });
    let out = "";
    let pending = "";
    let stopped = false;
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      if (opts.echo) process.stdout.write(d);
      if (!opts.stopWhen || stopped) return;
      pending += d;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      if (lines.some((l) => opts.stopWhen!(l))) {
        stopped = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const passed = (out.match(/^\s*ok \d+/gm) ?? []).length;
      let failed = (out.match(/^\s*not ok \d+/gm) ?? []).length;
      if ((code !== 0 || stopped) && failed === 0) failed = 1; // a plan mismatch, a crashed file, a stop
      resolve({ passed, failed, out, stopped });
    });
  });
}
