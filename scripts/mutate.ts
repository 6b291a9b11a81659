// npm run test:mutation [-- <mutant id or file substring> ...] [--mutants <file>] [--generate
// [--seed N] [--sample K] [--out <file>] [--list]] [--suite] [--workers N] [--all-files]: do the
// tests catch bugs? Plants each mutant of db/tests/mutants.json (a realistic one-line bug in one
// function of db/functions), or of the list --mutants names (any path, the same format), or of
// the generated set (--generate: scripts/lib/mutant-generator.ts applies standard operators to
// every function and view body; a seeded sample of K with --sample; --out writes the list, --list
// only writes or prints it), runs pgTAP (each file by psql, as pg_prove runs it) against it and records whether a test failed
// (killed) or none did (survived). A mutant marked equivalent (`equivalent` in the list, or in
// db/tests/mutants-equivalent.json for generated ones) is reported as such, never planted and
// never counted.
// Which files cover which function is measured first, by a coverage run (each pgTAP file alone on
// the unmutated database, with track_functions = all: the functions it executed). A mutant runs
// only the files that can reach its code (coveringFiles: those that executed or name it, those
// that read every definition from the catalogue, and for a view or an inlinable SQL function those
// that reach a caller), each alone, the file that last killed a mutant of the same function in
// this run first, then the quickest first, and is credited to the first that fails (--all-files:
// the others too, after them). The hang guard of each file is relative to its own unmutated time
// (hangGuardMs: 10x, at least 10 s); a statement past it (or an RPC's coded 503 for it), again after
// the file was timed anew unmutated (a busier machine is no slow mutant), ends the mutant as
// **timed out**, which counts as detected (Stryker's convention) and is reported apart,
// with the score also given without it.
// --suite: once pgTAP has judged every mutant, the API roles' statement timeouts become the hang
// guard (as npm test does after pgTAP, whose files 04 and 40 check the real ones) and each pgTAP
// survivor runs the vitest files that executed its function (measured the same way: each vitest
// file alone, on its own copy of the database with track_functions = all and PostgREST), each on a
// fresh copy of the database with the mutant planted and PostgREST on it; the tier that killed
// each mutant is reported.
// --workers N (2): N long-lived copies of the pgTAP database, one mutant at a time in each: a
// mutant is planted with `create or replace` (its file's text with one replacement) and the file's
// own text is executed again after (pgTAP files roll back their data). The tracked files are never
// edited and the cluster is a throwaway, so Ctrl-C leaves nothing to restore. A mutant whose
// find-text is no longer in its file (stale), is there more than once (ambiguous) or does not
// compile (invalid) fails the list: keep it current. Find-texts match with whitespace ignored, so
// reformatting (npm run format) does not make them stale.
// Prints a table and the score (killed / judged; per tier with --suite); exits non-zero below the
// target or when the list has stale, ambiguous or invalid entries (a generated list: stale or
// ambiguous only; its invalid mutants, which the tokeniser cannot rule out in PL/pgSQL, are listed
// apart and not counted). Not part of npm test (minutes). docs/testing.md.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { HANG_GUARD_MS } from "./lib/hang-guard.js";
import { inTransaction, withClient } from "./lib/db.js";
import { migrate } from "./lib/migrate.js";
import { type EquivalentMarks, generateMutants, sample } from "./lib/mutant-generator.js";
import { hangGuardMs, judgeFileRun, plantMutant, tryOrder } from "./lib/mutants.js";
import { allPgtapFiles, exec, preparePgtapDatabase, psqlTapFile } from "./lib/pgtap.js";
import { repoRoot } from "./lib/paths.js";
import { ensurePrerequisites, ensureTestTools, findServerBinDir } from "./lib/postgres.js";
import { startPostgrest } from "./lib/postgrest.js";
import { freePort } from "./lib/run.js";
import { randomSecret } from "./lib/secrets.js";
import { testTarget } from "./lib/target.js";

interface Mutant {
  id: string;
  file: string;
  find: string;
  replace: string;
  why: string;
  equivalent?: string;
}
interface MutantList {
  $comment: string;
  target?: number;
  mutants: Mutant[];
}
type Status = "killed" | "survived" | "timed out" | "stale" | "ambiguous" | "invalid" | "equivalent";

const argv = process.argv.slice(2);
const VALUED = ["--mutants", "--seed", "--sample", "--out", "--workers"];
const option = (name: string) => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
};
const resolvePath = (p: string) => (isAbsolute(p) ? p : join(process.env.INIT_CWD ?? process.cwd(), p));
const generated = argv.includes("--generate");
const marksFile = join(repoRoot, "db", "tests", "mutants-equivalent.json");
let list: MutantList;
let listName: string;
if (generated) {
  const seed = Number(option("--seed") ?? 1);
  const k = option("--sample");
  const marks = existsSync(marksFile) ? (JSON.parse(readFileSync(marksFile, "utf8")).marks as EquivalentMarks) : {};
  const all = await generateMutants(repoRoot, marks);
  const picked = k === undefined ? all : sample(all, Number(k), seed);
  listName = `generated (${all.length} mutants${k === undefined ? "" : `; seeded sample of ${picked.length}, seed ${seed}`})`;
  const byOperator = new Map<string, number>();
  for (const m of picked) byOperator.set(m.operator, (byOperator.get(m.operator) ?? 0) + 1);
  console.log(`${listName}: ${[...byOperator].map(([o, n]) => `${o} ${n}`).join(", ")}`);
  const stale = Object.keys(marks).filter((id) => !all.some((m) => m.id === id));
  if (stale.length)
    console.log(`db/tests/mutants-equivalent.json marks no generated mutant (the code changed: check and remove): ${stale.join(", ")}`);
  list = {
    $comment: `npm run test:mutation -- --generate${k === undefined ? "" : ` --seed ${seed} --sample ${k}`}: ${listName} (scripts/lib/mutant-generator.ts)`,
    mutants: picked.map(({ operator: _operator, ...m }) => m),
  };
  const out = option("--out");
  if (out) writeFileSync(resolvePath(out), `${JSON.stringify(list, null, 2)}\n`);
  if (argv.includes("--list")) {
    if (!out) console.log(JSON.stringify(list, null, 2));
    process.exit(0);
  }
} else {
  const file = option("--mutants");
  listName = file ?? "db/tests/mutants.json";
  list = JSON.parse(readFileSync(file ? resolvePath(file) : join(repoRoot, "db", "tests", "mutants.json"), "utf8")) as MutantList;
}
const filters = argv.filter((a, i) => !a.startsWith("--") && !VALUED.includes(argv[i - 1] ?? ""));
const mutants = list.mutants.filter((m) => filters.length === 0 || filters.some((f) => m.id === f || m.file.includes(f)));
if (mutants.length === 0) throw new Error(`no mutant matches ${filters.join(" ")}`);
const ids = new Set<string>();
for (const m of list.mutants) {
  if (ids.has(m.id)) throw new Error(`db/tests/mutants.json: mutant id ${m.id} appears twice`);
  ids.add(m.id);
  if (!m.why?.trim() || m.find === m.replace) throw new Error(`${listName}: ${m.id} needs a why and a change`);
}

/** The file with the mutant planted (its find-text matched with spacing ignored), or why it cannot be planted. */
function plant(m: Mutant): { sql: string } | { status: Status; note: string } {
  if (m.equivalent) return { status: "equivalent", note: m.equivalent };
  const planted = plantMutant(readFileSync(join(repoRoot, m.file), "utf8"), m.find, m.replace);
  if (planted === 0) return { status: "stale", note: "find-text not in the file" };
  if (typeof planted === "number") return { status: "ambiguous", note: `find-text ${planted} times in the file` };
  // A view is replaced in place (its columns are the same; one that changes them is invalid).
  return { sql: asReplace(m.file, planted) };
}

// The unmutated coverage run's hang guard is npm test's; a mutant's is relative to each file's own
// unmutated time (hangGuardMs, scripts/lib/mutants.ts).
const guard = (ms: number) => `statement_timeout=${ms}`;

/** Waits until no session but ours is on the database (a backend flushes its function counts as it exits). */
async function functionsExecuted(url: string): Promise<Set<string>> {
  return withClient(url, async (c) => {
    // (Bounded: a session left behind must not stop the run; its counts are then missed.)
    const deadline = Date.now() + 30_000;
    while (
      Date.now() < deadline &&
      (await c.query("select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()")).rowCount
    )
      await new Promise((r) => setTimeout(r, 20));
    await c.query("select pg_stat_clear_snapshot()");
    const { rows } = await c.query<{ fn: string }>(
      "select schemaname || '.' || funcname as fn from pg_stat_user_functions where schemaname in ('api', 'internal') and calls > 0",
    );
    return new Set(rows.map((row) => row.fn));
  });
}

// The pgTAP files as they were when the run started (a copy): editing a test during a long run
// must not change what judges the mutants still to come.
const snapshot = mkdtempSync(join(tmpdir(), "wa-mutate-pgtap-"));
for (const f of allPgtapFiles()) copyFileSync(join(repoRoot, f), join(snapshot, basename(f)));
const snap = (f: string) => join(snapshot, basename(f));

/** How long each test file took alone, unmutated (the coverage runs): a mutant runs the quick ones first, each under its own hang guard. */
const seconds = new Map<string, number>();

/** pgTAP file → the functions of ours it executed (schema.name), from a run of each file alone. */
async function coverage(url: string, files: string[]): Promise<Map<string, Set<string>>> {
  const covered = new Map<string, Set<string>>();
  for (const f of files) {
    await exec(["select pg_stat_reset()"], url);
    const started = Date.now();
    const r = await psqlTapFile(url, snap(f), [guard(HANG_GUARD_MS), "track_functions=all"]);
    seconds.set(f, (Date.now() - started) / 1000);
    if (r.failed > 0) {
      process.stdout.write(r.out);
      throw new Error(`pgTAP fails without any mutant (${f}): fix that first (npm test -- --pgtap ${f})`);
    }
    covered.set(f, await functionsExecuted(url));
  }
  return covered;
}

/**
 * The objects (schema.name) a file of db/functions or db/views defines: its view, or every function
 * and procedure it creates (internal.limits.sql also defines internal.limit and
 * internal.describe_value: a mutant there is covered by the files that reach any of them).
 */
const objectsOfFile = (file: string, text: string) => {
  const defined = [...text.matchAll(/^\s*create\s+or\s+replace\s+(?:function|procedure)\s+((?:api|internal)\.\w+)\s*\(/gim)].map(
    (m) => m[1] as string,
  );
  return defined.length ? [...new Set(defined)] : [file.replace(/^.*\/((?:api|internal)\..+)\.sql$/, "$1")];
};
const sources = new Map<string, string>(); // object (schema.name) → its file's text, db/functions and db/views
for (const dir of ["functions", "views"])
  for (const f of readdirSync(join(repoRoot, "db", dir)).filter((f) => f.endsWith(".sql") && !f.includes(".generated."))) {
    const text = readFileSync(join(repoRoot, "db", dir, f), "utf8");
    for (const o of objectsOfFile(`db/${dir}/${f}`, text)) sources.set(o, text);
  }
/** The covering files of every object a mutant's file defines, group by group. */
const coveringFilesOfFile = (file: string, files: string[], covered: Map<string, Set<string>>): string[][] => {
  const groups: string[][] = [];
  for (const o of objectsOfFile(file, readFileSync(join(repoRoot, file), "utf8")))
    coveringFiles(o, files, covered).forEach((g, i) => {
      groups[i] = [...(groups[i] ?? []), ...g];
    });
  return groups;
};
const nameRe = (object: string) => new RegExp(`\\b${object.replace(/^\w+\./, "")}\\b`);
/**
 * Can the object run without being counted by track_functions? A view (never tracked), or a
 * `language sql` function without a SET clause (PostgreSQL inlines it into its caller's plan).
 */
const untracked = (object: string) => {
  const src = sources.get(object) ?? "";
  return (
    !/^\s*create\s+or\s+replace\s+(function|procedure|trigger)\b/im.test(src) ||
    (/\blanguage\s+sql\b/i.test(src) && !/^\s*set\s+search_path\b/im.test(src))
  );
};

/**
 * The test files (pgTAP or vitest) that can reach the object, from a coverage map (file → the
 * functions it executed): those that executed it, those that name it, and, for an object that may
 * run untracked (a view, an inlinable SQL function), those that reach any function or view naming
 * it (its callers, transitively); and those that read every definition from the catalogue (pgTAP 01
 * checks each RPC's timeout handler in its text, 05 runs plpgsql_check). A file outside this set
 * never runs nor reads the mutated code, so it cannot kill the mutant. In groups: executed and
 * named, executed, named, catalogue readers and those reached through a caller (tryOrder,
 * scripts/lib/mutants.ts, orders them).
 */
function coveringFiles(object: string, files: string[], covered: Map<string, Set<string>>): string[][] {
  const text = new Map(
    files.map((f) => [f, readFileSync(existsSync(snap(f)) && f.startsWith("db/tests/") ? snap(f) : join(repoRoot, f), "utf8")]),
  );
  const names = (f: string, o: string) => nameRe(o).test(text.get(f) ?? "");
  const executes = (f: string, o: string) => covered.get(f)?.has(o) ?? false;
  const direct = [
    files.filter((f) => executes(f, object) && names(f, object)),
    files.filter((f) => executes(f, object) && !names(f, object)),
    files.filter((f) => !executes(f, object) && names(f, object)),
  ];
  const out = new Set<string>();
  // A file that reads the definitions from the catalogue (a body's text, plpgsql_check) checks every
  // function and view without executing them: it covers each.
  for (const f of files)
    if (/\b(pg_proc|prosrc|pg_get_functiondef|plpgsql_check|pg_get_viewdef|pg_views)\b/.test(text.get(f) ?? "")) out.add(f);
  if (untracked(object)) {
    const seen = new Set([object]);
    const queue = [object];
    while (queue.length) {
      const o = queue.shift() as string;
      for (const [caller, src] of sources) {
        if (seen.has(caller) || !nameRe(o).test(src)) continue;
        seen.add(caller);
        for (const f of files) if (executes(f, caller) || names(f, caller)) out.add(f);
        if (untracked(caller)) queue.push(caller);
      }
    }
  }
  return [...direct, [...out]];
}

/** A file's text as it is planted or restored: a view replaced in place (same columns). */
const asReplace = (file: string, sql: string) =>
  file.startsWith("db/views/") ? sql.replace(/^(\s*)create\s+view\b/im, "$1create or replace view") : sql;

/** The vitest files the --suite tier may run: those that call the API or the database, not those that start a front door or pack the client. */
function vitestCandidates(): string[] {
  const out: string[] = [];
  for (const dir of ["test/http", "clients/ts/test"])
    for (const f of readdirSync(join(repoRoot, dir))
      .filter((f) => f.endsWith(".test.ts"))
      .sort()) {
      const src = readFileSync(join(repoRoot, dir, f), "utf8");
      if (!/support\/env|WA_API_URL|WA_DB_URL/.test(src)) continue;
      if (/support\/(packages|checkouts|nginx|pgbouncer)|WA_PG_DATADIR|WA_PG_BINDIR|npm pack/.test(src)) continue;
      out.push(`${dir}/${f}`);
    }
  return out;
}

/** One vitest file against the API at `env`: passed, or the first failing test's name. */
async function vitestFile(file: string, env: NodeJS.ProcessEnv): Promise<{ failed: boolean; test: string; timeout: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), "wa-mutant-vitest-"));
  const report = join(dir, "report.json");
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(join(repoRoot, "node_modules", ".bin", "vitest"), ["run", "--reporter=json", `--outputFile.json=${report}`, file], {
      cwd: repoRoot,
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, ...env },
    });
    child.on("error", reject);
    child.on("exit", (c) => resolve(c ?? 1));
  });
  let test = "the file fails";
  let timeout = false;
  try {
    const r = JSON.parse(readFileSync(report, "utf8")) as {
      testResults: { message?: string; assertionResults: { status: string; fullName: string; failureMessages: string[] }[] }[];
    };
    const failing = r.testResults.flatMap((t) => t.assertionResults).find((a) => a.status === "failed");
    if (failing) {
      test = failing.fullName;
      timeout = failing.failureMessages.every((m) => /timed out|statement[ _]timeout/i.test(m));
    } else if (r.testResults[0]?.message) test = r.testResults[0].message.split("\n")[0] ?? test;
  } catch {
    /* no report: vitest itself failed */
  }
  rmSync(dir, { recursive: true, force: true });
  return { failed: code !== 0, test, timeout };
}

const workers = Math.max(1, Number(option("--workers") ?? 2));
const suite = argv.includes("--suite");
const allFiles = argv.includes("--all-files");
const serverBinDir = ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: true });
ensureTestTools(serverBinDir ?? findServerBinDir());
const target = await testTarget();
let interrupted = false;
const stop = () => {
  interrupted = true;
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
type Tier = "pgTAP" | "vitest";
const rows: { m: Mutant; status: Status; note: string; seconds: number; tier?: Tier }[] = [];
let exitCode = 0;
const started = Date.now();
let plantingStarted = started;
try {
  await migrate(target.adminUrl, { quiet: true });
  const base = `${target.dbName}_pgtap`;
  await preparePgtapDatabase(target.serverUrl, target.dbName, base);
  const files = allPgtapFiles();
  // The unmutated functions must pass, or no mutant can be judged; each file alone, which measures
  // what it covers.
  const coverageStarted = Date.now();
  const covered = await coverage(target.serverUrl(base), files);
  const slowest = [...files].sort((a, b) => (seconds.get(b) ?? 0) - (seconds.get(a) ?? 0)).slice(0, 3);
  console.log(
    `pgTAP passes unmutated (${files.length} files, each alone; coverage measured in ${((Date.now() - coverageStarted) / 1000).toFixed(1)} s; ` +
      `slowest ${slowest.map((f) => `${basename(f).slice(0, 2)} ${seconds.get(f)?.toFixed(1)} s`).join(", ")}: each file's hang guard is 10x its own time, at least 10 s)`,
  );

  // --suite: the vitest files, each alone on its own copy of the database with PostgREST, measured
  // the same way (track_functions = all for every session of that database).
  const jwtSecret = randomSecret();
  const vitestBase = `${target.dbName}_vitest`;
  const vitestCovered = new Map<string, Set<string>>();
  let vitestFiles: string[] = [];
  /**
   * A fresh copy of the unmutated application database (settings applied, `before` run on it) with
   * PostgREST on it for `fn`; `after` runs once PostgREST has stopped (its sessions have flushed
   * their function counts), before the copy is dropped.
   */
  const withApi = async <T, U>(
    db: string,
    settings: string[],
    before: (url: string) => Promise<void>,
    fn: (env: NodeJS.ProcessEnv) => Promise<T>,
    after: (url: string, r: T) => Promise<U>,
  ): Promise<U> => {
    await exec(
      [
        `drop database if exists ${db}`,
        `create database ${db} template ${vitestBase}`,
        ...settings.map((s) => `alter database ${db} set ${s}`),
      ],
      target.serverUrl("postgres"),
    );
    try {
      await before(target.serverUrl(db));
      const pgrstUri = await target.postgrestUri(db);
      const api = await startPostgrest({ dbUri: pgrstUri, jwtSecret, port: await freePort(), poolSize: 10 });
      let r: T;
      try {
        r = await fn({ WA_API_URL: api.url, WA_DB_URL: target.serverUrl(db), WA_JWT_SECRET: jwtSecret, WA_PGRST_DB_URI: pgrstUri });
      } finally {
        await api.stop();
      }
      return await after(target.serverUrl(db), r);
    } finally {
      await exec([`drop database if exists ${db} with (force)`], target.serverUrl("postgres"));
    }
  };
  /**
   * --suite, once the pgTAP tier has judged every mutant: the API roles' statement timeouts become
   * the hang guard (as npm test does after pgTAP: pgTAP 04 and 40 check the real ones, so before
   * this they would fail for every mutant they cover, false kills) and each vitest file's coverage
   * is measured.
   */
  const measureVitest = async () => {
    if (target.cluster)
      // As npm test: on the run's own cluster the API roles' statement timeouts are the hang guard.
      await exec(
        ["anon", "gateway", "crm", "ops"].map((r) => `alter role ${r} set statement_timeout = '${HANG_GUARD_MS}ms'`),
        target.adminUrl,
      );
    await exec(
      [`drop database if exists ${vitestBase}`, `create database ${vitestBase} template ${target.dbName}`],
      target.serverUrl("postgres"),
    );
    const vitestStarted = Date.now();
    for (const f of vitestCandidates()) {
      if (interrupted) break;
      const r = await withApi(
        `${target.dbName}_vcov`,
        ["track_functions = 'all'"],
        async () => {},
        async (env) => {
          const started = Date.now();
          const run = await vitestFile(f, env);
          seconds.set(f, (Date.now() - started) / 1000);
          return run;
        },
        async (url, run) => ({ run, executed: run.failed ? new Set<string>() : await functionsExecuted(url) }),
      );
      console.log(`  vitest ${f}: ${r.run.failed ? `fails unmutated (${r.run.test}): not used` : `${r.executed.size} functions`}`);
      if (r.run.failed) continue;
      if (r.executed.size) {
        vitestCovered.set(f, r.executed);
        vitestFiles.push(f);
      }
    }
    console.log(
      `vitest tier (--suite): ${vitestFiles.length} files execute our functions (each alone on its own database and PostgREST; coverage measured in ${((Date.now() - vitestStarted) / 1000).toFixed(1)} s)`,
    );
    vitestFiles = vitestFiles.filter((f) => vitestCovered.has(f));
  };

  // One long-lived copy of the pgTAP database per worker: a mutant is planted with `create or
  // replace` (its file's text with the one change), judged, and the file's own text executed again.
  // Each pgTAP file rolls back what it did, so the next mutant starts from the same data; one
  // mutant per database at a time.
  for (let w = 0; w < workers; w++)
    await exec([`drop database if exists ${base}_w${w}`, `create database ${base}_w${w} template ${base}`], target.serverUrl("postgres"));
  console.log(`${mutants.length} mutants, ${workers} worker(s)${suite ? ", pgTAP, then vitest for pgTAP's survivors" : ", pgTAP"}:`);
  plantingStarted = Date.now();

  /** One pgTAP file against worker database `db` under a hang guard of `limitMs`: passed, killed or timed out. */
  const runFile = async (db: string, f: string, limitMs: number) => {
    const r = await psqlTapFile(target.serverUrl(db), snap(f), [guard(limitMs)]);
    return judgeFileRun(r.out, r.failed);
  };
  /** Tier and function → the file that last killed (or timed out) one of its mutants in this run: it runs first. */
  const lastKiller = new Map<string, string>();
  const judge = async (m: Mutant, w: number): Promise<{ status: Status; note: string; tier?: Tier }> => {
    const planted = plant(m);
    if ("status" in planted) return planted;
    const db = `${base}_w${w}`;
    const original = asReplace(m.file, readFileSync(join(repoRoot, m.file), "utf8"));
    try {
      // With check_function_bodies on (migrate turns it off): a mutant that does not compile is
      // invalid, not killed.
      await inTransaction(target.serverUrl(db), (c) => c.query(planted.sql));
    } catch (e) {
      return { status: "invalid", note: (e as Error).message.split("\n")[0] ?? "" };
    }
    const object = m.file;
    const short = (f: string) => f.replace(/^db\/tests\//, "");
    try {
      const covering = tryOrder(coveringFilesOfFile(m.file, files, covered), seconds, lastKiller.get(`pgTAP ${object}`));
      for (const f of allFiles ? [...covering, ...files.filter((f) => !covering.includes(f))] : covering) {
        if (interrupted) break;
        let limit = hangGuardMs(seconds.get(f) ?? 0);
        let verdict = await runFile(db, f, limit);
        if (verdict.kind === "timeout") {
          // Confirmed against the unmutated code now: a machine busier than during the coverage run
          // must not pass for a slow mutant. The file is timed again unmutated (its time kept if
          // longer), then the mutant gets one more try under the guard that time gives.
          await inTransaction(target.serverUrl(db), (c) => c.query(original));
          const t0 = Date.now();
          const unmutated = await runFile(db, f, HANG_GUARD_MS);
          seconds.set(f, Math.max(seconds.get(f) ?? 0, (Date.now() - t0) / 1000));
          await inTransaction(target.serverUrl(db), (c) => c.query(planted.sql));
          if (unmutated.kind !== "passed") throw new Error(`${f} fails unmutated after a mutant of ${object} timed out`);
          limit = hangGuardMs(seconds.get(f) ?? 0);
          verdict = await runFile(db, f, limit);
        }
        if (verdict.kind === "passed") continue;
        // A kill, or a statement past the file's hang guard twice (detected: Stryker's convention).
        lastKiller.set(`pgTAP ${object}`, f);
        if (verdict.kind === "timeout")
          return {
            status: "timed out",
            tier: "pgTAP",
            note: `${short(f)}: a statement ran past ${limit / 1000} s twice (the file takes ${seconds.get(f)?.toFixed(1)} s unmutated)`,
          };
        return {
          status: "killed",
          tier: "pgTAP",
          note: `${short(f)}: ${verdict.test}${covering.includes(f) ? "" : " (a file that does not cover it)"}`,
        };
      }
    } finally {
      await inTransaction(target.serverUrl(db), (c) => c.query(original));
    }
    return { status: "survived", note: "" };
  };
  /** The vitest tier for a pgTAP survivor (--suite). */
  const judgeVitest = async (m: Mutant, w: number): Promise<{ status: Status; note: string; tier?: Tier }> => {
    const planted = plant(m);
    if ("status" in planted) return planted;
    const object = m.file;
    const covering = tryOrder(coveringFilesOfFile(m.file, vitestFiles, vitestCovered), seconds, lastKiller.get(`vitest ${object}`));
    for (const f of covering) {
      if (interrupted) break;
      const r = await withApi(
        `${target.dbName}_v${w}`,
        [],
        async (url) => {
          await inTransaction(url, (c) => c.query(planted.sql));
        },
        (env) => vitestFile(f, env),
        async (_url, run) => run,
      );
      if (!r.failed) continue;
      lastKiller.set(`vitest ${object}`, f);
      return { status: r.timeout ? "timed out" : "killed", tier: "vitest", note: `${f}: ${r.test}` };
    }
    return { status: "survived", note: "" };
  };

  /** Each of `list` judged by `fn`, `workers` at a time; `done` gets each result. */
  const pass = async (
    list: Mutant[],
    fn: typeof judge,
    done: (m: Mutant, r: Awaited<ReturnType<typeof judge>>, seconds: number) => void,
  ) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        while (!interrupted && next < list.length) {
          const m = list[next++] as Mutant;
          const t0 = Date.now();
          const r = await fn(m, w);
          const seconds = (Date.now() - t0) / 1000;
          done(m, r, seconds);
          console.log(
            `${r.status.padEnd(9)} ${(r.tier ?? "").padEnd(6)} ${m.id.padEnd(50)} ${seconds.toFixed(1).padStart(5)} s  ${r.note.slice(0, 110)}`,
          );
        }
      }),
    );
  };
  // The pgTAP tier for every mutant, then (--suite) the vitest tier for its survivors.
  await pass(mutants, judge, (m, r, seconds) => rows.push({ m, ...r, seconds }));
  const survivors = rows.filter((r) => r.status === "survived");
  if (suite && survivors.length && !interrupted) {
    await measureVitest();
    console.log(`vitest tier for the ${survivors.length} pgTAP survivors:`);
    await pass(
      survivors.map((r) => r.m),
      judgeVitest,
      (m, r, seconds) => {
        const row = rows.find((x) => x.m === m);
        if (row) Object.assign(row, r, { seconds: row.seconds + seconds });
      },
    );
  }
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await target.teardown();
  rmSync(snapshot, { recursive: true, force: true });
}

if (rows.length) {
  rows.sort((a, b) => mutants.indexOf(a.m) - mutants.indexOf(b.m));
  // Detected: killed or timed out (Stryker's convention); the strict figures leave timeouts out.
  const detected = rows.filter((r) => r.status === "killed" || r.status === "timed out").length;
  const byPgtap = rows.filter((r) => (r.status === "killed" || r.status === "timed out") && r.tier === "pgTAP").length;
  const timedOut = rows.filter((r) => r.status === "timed out");
  const timedOutPgtap = timedOut.filter((r) => r.tier === "pgTAP").length;
  const survived = rows.filter((r) => r.status === "survived");
  const equivalent = rows.filter((r) => r.status === "equivalent");
  const invalid = rows.filter((r) => r.status === "invalid");
  const broken = rows.filter((r) => r.status === "stale" || r.status === "ambiguous" || (!generated && r.status === "invalid"));
  const judged = detected + survived.length;
  const pct = (n: number) => (judged ? (100 * n) / judged : 0).toFixed(1);
  const planted = rows.filter((r) => ["killed", "survived", "timed out"].includes(r.status));
  const mean = planted.length ? planted.reduce((a, r) => a + r.seconds, 0) / planted.length : 0;
  const wall = (Date.now() - plantingStarted) / 1000;
  console.log("\n| mutant | file | status | tier | killed by |\n| --- | --- | --- | --- | --- |");
  for (const r of rows)
    console.log(
      `| ${r.m.id} | ${r.m.file.replace(/^db\/functions\//, "")} | ${r.status} | ${r.tier ?? ""} | ${r.note.replace(/\|/g, "\\|")} |`,
    );
  for (const r of survived) console.log(`\n${r.status}: ${r.m.id} (${r.m.file}): ${r.m.why}`);
  for (const r of broken) console.log(`\n${r.status}: ${r.m.id} (${r.m.file}): ${r.note}`);
  const score = suite ? Number(pct(detected)) : Number(pct(byPgtap));
  console.log(
    `\nmutation score (${listName}): ${byPgtap} of ${judged} detected by pgTAP (${pct(byPgtap)}%)` +
      (suite ? `, ${detected} of ${judged} by pgTAP and vitest (${pct(detected)}%)` : "") +
      ` (killed or timed out: a timeout counts as detected, Stryker's convention; ${timedOut.length} timed out` +
      `, without them ${pct(byPgtap - timedOutPgtap)}% by pgTAP` +
      (suite ? `, ${pct(detected - timedOut.length)}% by both` : "") +
      `${list.target === undefined ? "" : `; target ${list.target}%`}); ` +
      `${mean.toFixed(1)} s per planted mutant (worker time), ${wall.toFixed(0)} s wall clock for ${planted.length} planted with ${workers} worker(s) ` +
      `(${planted.length ? (wall / planted.length).toFixed(2) : "0"} s per mutant)` +
      (equivalent.length ? `; ${equivalent.length} marked equivalent (not counted)` : "") +
      (generated && invalid.length ? `; ${invalid.length} invalid (do not compile; not counted)` : "") +
      (broken.length ? `; ${broken.length} stale, ambiguous or invalid` : "") +
      (interrupted ? "; interrupted" : ""),
  );
  if ((list.target !== undefined && score < list.target) || broken.length || interrupted) exitCode = 1;
}
process.exit(exitCode);
