// npm run test:mutation [-- <mutant id or file substring> ...] [--mutants <file>] [--generate
// [--seed N] [--sample K] [--out <file>] [--list]]: do the pgTAP tests catch bugs? Plants each
// mutant of db/tests/mutants.json (a realistic one-line bug in one function of db/functions), or of
// the list --mutants names (any path, the same format), or of the generated set (--generate:
// scripts/lib/mutant-generator.ts applies standard operators to every function and view body; a
// seeded sample of K with --sample; --out writes the list, --list only writes or prints it), one
// at a time, into a throwaway copy of the migrated test database, runs pgTAP (pg_prove) against it
// and records whether a test failed (killed) or none did (survived). A mutant marked equivalent
// (`equivalent` in the list, or in db/tests/mutants-equivalent.json for generated ones) is
// reported as such, never planted and never counted.
// Which files cover which function is measured first, by a coverage run (each pgTAP file alone on
// the unmutated database, with track_functions = all: the functions it executed); a mutant runs the
// files covering its function first, each alone, and is credited to the first that fails. A
// statement timeout (the hang guard) is not a kill: that file is noted and the next runs; a mutant
// only timed out is reported as such, not killed.
// The tracked files are never edited: a mutant is the function file's text with one replacement,
// executed in its own copy of the database, so Ctrl-C leaves nothing to restore (the throwaway
// cluster is stopped). A mutant whose find-text is no longer in its file (stale), is there more
// than once (ambiguous) or does not compile (invalid) fails the list: keep it current. Find-texts
// match with whitespace ignored, so reformatting (npm run format) does not make them stale.
// Prints a table and the score (killed / judged); exits non-zero below the target or when the
// list has stale, ambiguous or invalid entries (a generated list: stale or ambiguous only; its
// invalid mutants, which the tokeniser cannot rule out in PL/pgSQL, are listed apart and not
// counted). Not part of npm test (minutes). docs/testing.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { inTransaction, withClient } from "./lib/db.js";
import { migrate } from "./lib/migrate.js";
import { type EquivalentMarks, generateMutants, sample } from "./lib/mutant-generator.js";
import { functionOfFile, judgeFileRun, plantMutant } from "./lib/mutants.js";
import { allPgtapFiles, exec, pgProve, preparePgtapDatabase } from "./lib/pgtap.js";
import { repoRoot } from "./lib/paths.js";
import { ensurePrerequisites, ensureTestTools, findServerBinDir } from "./lib/postgres.js";
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
const VALUED = ["--mutants", "--seed", "--sample", "--out"];
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
  return { sql: m.file.startsWith("db/views/") ? planted.replace(/^(\s*)create\s+view\b/im, "$1create or replace view") : planted };
}

// A mutant that makes a statement hang is stopped by this (a hang guard, not a speed limit: pgTAP's
// slowest statement takes about a second here); a timeout is not a kill.
const HANG_GUARD = "statement_timeout=30s";

/** pgTAP file → the functions of ours it executed (schema.name), from a run of each file alone. */
async function coverage(url: string, files: string[]): Promise<Map<string, Set<string>>> {
  const covered = new Map<string, Set<string>>();
  for (const f of files) {
    await exec(["select pg_stat_reset()"], url);
    const r = await pgProve(url, [f], { settings: [HANG_GUARD, "track_functions=all"] });
    if (r.failed > 0) {
      process.stdout.write(r.out);
      throw new Error(`pgTAP fails without any mutant (${f}): fix that first (npm test -- --pgtap ${f})`);
    }
    const names = await withClient(url, async (c) => {
      // A backend flushes its function counts as it exits: wait until pg_prove's sessions are gone.
      while ((await c.query("select 1 from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()")).rowCount)
        await new Promise((r) => setTimeout(r, 20));
      await c.query("select pg_stat_clear_snapshot()");
      return (
        await c.query<{ fn: string }>(
          "select schemaname || '.' || funcname as fn from pg_stat_user_functions where schemaname in ('api', 'internal') and calls > 0",
        )
      ).rows.map((row) => row.fn);
    });
    covered.set(f, new Set(names));
  }
  return covered;
}

/**
 * The pgTAP files in the order a mutant runs them: those the coverage run saw executing the mutated
 * function first, those naming it before the others (a function inlined into its callers is never
 * executed on its own: then those that name it), then the rest, in their order.
 */
function coveringFirst(files: string[], covered: Map<string, Set<string>>, functionFile: string): { covering: string[]; rest: string[] } {
  const fn = functionFile.replace(/^.*\/((?:api|internal)\..+)\.sql$/, "$1"); // a view: never executed, named
  const name = functionOfFile(functionFile);
  const names = (f: string) => new RegExp(`\\b${name}\\b`).test(readFileSync(join(repoRoot, f), "utf8"));
  const executes = files.filter((f) => covered.get(f)?.has(fn));
  // Those that also name it are about it: they go first (a helper that makes campaigns executes
  // create_campaign in most files).
  const covering = executes.length ? [...executes.filter(names), ...executes.filter((f) => !names(f))] : files.filter(names);
  return { covering, rest: files.filter((f) => !covering.includes(f)) };
}

const serverBinDir = ensurePrerequisites({ needServer: !process.env.DATABASE_URL, needPgtap: true });
ensureTestTools(serverBinDir ?? findServerBinDir());
const target = await testTarget();
let interrupted = false;
const stop = () => {
  interrupted = true;
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
const rows: { m: Mutant; status: Status; note: string; seconds: number }[] = [];
let exitCode = 0;
try {
  await migrate(target.adminUrl, { quiet: true });
  const base = `${target.dbName}_pgtap`;
  await preparePgtapDatabase(target.serverUrl, target.dbName, base);
  const files = allPgtapFiles();
  // The unmutated functions must pass, or no mutant can be judged; each file alone, which measures
  // what it covers.
  const coverageStarted = Date.now();
  const covered = await coverage(target.serverUrl(base), files);
  console.log(
    `pgTAP passes unmutated (${files.length} files, each alone; coverage measured in ${((Date.now() - coverageStarted) / 1000).toFixed(1)} s); ${mutants.length} mutants:`,
  );
  for (const m of mutants) {
    if (interrupted) break;
    const started = Date.now();
    const planted = plant(m);
    let status: Status;
    let note = "";
    if ("status" in planted) {
      ({ status, note } = planted);
    } else {
      const db = `${target.dbName}_mutant`;
      await exec([`drop database if exists ${db}`, `create database ${db} template ${base}`], target.serverUrl("postgres"));
      try {
        // With check_function_bodies on (migrate turns it off): a mutant that does not compile is
        // invalid, not killed.
        await inTransaction(target.serverUrl(db), (c) => c.query(planted.sql));
        const { covering, rest } = coveringFirst(files, covered, m.file);
        const timedOut: string[] = [];
        status = "survived";
        for (const f of [...covering, ...rest]) {
          const r = await pgProve(target.serverUrl(db), [f], { settings: [HANG_GUARD] });
          const verdict = judgeFileRun(r.out, r.failed);
          if (verdict.kind === "timeout") timedOut.push(f.replace(/^db\/tests\//, ""));
          if (verdict.kind !== "killed") continue;
          status = "killed";
          note = `${f.replace(/^db\/tests\//, "")}: ${verdict.test}${covering.includes(f) ? "" : " (a file that does not cover it)"}`;
          break;
        }
        if (status === "survived" && timedOut.length) status = "timed out";
        if (timedOut.length) note += `${note ? "; " : ""}timed out in ${timedOut.join(", ")}`;
      } catch (e) {
        status = "invalid";
        note = (e as Error).message.split("\n")[0] ?? "";
      } finally {
        await exec([`drop database if exists ${db} with (force)`], target.serverUrl("postgres"));
      }
    }
    const seconds = (Date.now() - started) / 1000;
    rows.push({ m, status, note, seconds });
    console.log(`${status.padEnd(9)} ${m.id.padEnd(44)} ${seconds.toFixed(1).padStart(5)} s  ${note.slice(0, 110)}`);
  }
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await target.teardown();
}

if (rows.length) {
  const killed = rows.filter((r) => r.status === "killed").length;
  const survived = rows.filter((r) => r.status === "survived" || r.status === "timed out");
  const equivalent = rows.filter((r) => r.status === "equivalent");
  const invalid = rows.filter((r) => r.status === "invalid");
  const broken = rows.filter((r) => r.status === "stale" || r.status === "ambiguous" || (!generated && r.status === "invalid"));
  const judged = killed + survived.length;
  const score = judged ? (100 * killed) / judged : 0;
  const planted = rows.filter((r) => ["killed", "survived", "timed out"].includes(r.status));
  const mean = planted.length ? planted.reduce((a, r) => a + r.seconds, 0) / planted.length : 0;
  console.log("\n| mutant | file | status | killed by |\n| --- | --- | --- | --- |");
  for (const r of rows)
    console.log(`| ${r.m.id} | ${r.m.file.replace(/^db\/functions\//, "")} | ${r.status} | ${r.note.replace(/\|/g, "\\|")} |`);
  for (const r of survived) console.log(`\n${r.status}: ${r.m.id} (${r.m.file}): ${r.m.why}`);
  for (const r of broken) console.log(`\n${r.status}: ${r.m.id} (${r.m.file}): ${r.note}`);
  console.log(
    `\nmutation score (${listName}): ${killed} of ${judged} killed by pgTAP (a timeout is not a kill) (${score.toFixed(1)}%` +
      (list.target === undefined ? "" : `; target ${list.target}%`) +
      `); ${mean.toFixed(1)} s per planted mutant` +
      (equivalent.length ? `; ${equivalent.length} marked equivalent (not counted)` : "") +
      (generated && invalid.length ? `; ${invalid.length} invalid (do not compile; not counted)` : "") +
      (broken.length ? `; ${broken.length} stale, ambiguous or invalid` : "") +
      (interrupted ? "; interrupted" : ""),
  );
  if ((list.target !== undefined && score < list.target) || broken.length || interrupted) exitCode = 1;
}
process.exit(exitCode);
