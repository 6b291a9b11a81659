// npm run test:mutation [-- <mutant id or file substring> ...] [--keep-going]: do the pgTAP tests
// catch bugs? Plants each mutant of db/tests/mutants.json (a realistic one-line bug in one function
// of db/functions), one at a time, into a throwaway copy of the migrated test database, runs pgTAP
// (pg_prove) against it and records whether a test failed (killed) or none did (survived).
// The tracked files are never edited: a mutant is the function file's text with one replacement,
// executed in its own copy of the database, so Ctrl-C leaves nothing to restore (the throwaway
// cluster is stopped). A mutant whose find-text is no longer in its file (stale), is there more
// than once (ambiguous) or does not compile (invalid) fails the list: keep it current. Find-texts
// match with whitespace ignored, so reformatting (npm run format) does not make them stale.
// Prints a table and the score (killed / judged); exits non-zero below the target or when the
// list has stale, ambiguous or invalid entries. Not part of npm test (minutes). docs/testing.md.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inTransaction } from "./lib/db.js";
import { migrate } from "./lib/migrate.js";
import { plantMutant } from "./lib/mutants.js";
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
}
interface MutantList {
  $comment: string;
  target: number;
  mutants: Mutant[];
}
type Status = "killed" | "survived" | "stale" | "ambiguous" | "invalid";

const list = JSON.parse(readFileSync(join(repoRoot, "db", "tests", "mutants.json"), "utf8")) as MutantList;
const filters = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const mutants = list.mutants.filter((m) => filters.length === 0 || filters.some((f) => m.id === f || m.file.includes(f)));
if (mutants.length === 0) throw new Error(`no mutant matches ${filters.join(" ")}`);
const ids = new Set<string>();
for (const m of list.mutants) {
  if (ids.has(m.id)) throw new Error(`db/tests/mutants.json: mutant id ${m.id} appears twice`);
  ids.add(m.id);
  if (!m.why?.trim() || m.find === m.replace) throw new Error(`db/tests/mutants.json: ${m.id} needs a why and a change`);
}

/** The file with the mutant planted (its find-text matched with spacing ignored), or why it cannot be planted. */
function plant(m: Mutant): { sql: string } | { status: Status; note: string } {
  const planted = plantMutant(readFileSync(join(repoRoot, m.file), "utf8"), m.find, m.replace);
  if (planted === 0) return { status: "stale", note: "find-text not in the file" };
  if (typeof planted === "number") return { status: "ambiguous", note: `find-text ${planted} times in the file` };
  return { sql: planted };
}

// A line of pg_prove's output that means a test failed: stop there, the mutant is killed.
const FAILURE = /^\s*not ok \d+|^\s*(Dubious|Parse errors|Failed \d+\/\d+ subtests|No subtests run)/;
// A mutant that makes a statement hang is killed by this (a hang guard, not a speed limit: pgTAP's
// slowest statement takes about a second here).
const HANG_GUARD = "statement_timeout=120s";

/**
 * The pgTAP files, those that name the mutated function first (then in their order): every file
 * runs unless one fails, so the order changes only how soon a mutant is killed.
 */
function firstThoseNaming(files: string[], functionFile: string): string[] {
  const name = functionFile.replace(/^.*\/(?:api|internal)\.(.+)\.sql$/, "$1");
  const names = (f: string) => new RegExp(`\\b${name}\\b`).test(readFileSync(join(repoRoot, f), "utf8"));
  return [...files.filter(names), ...files.filter((f) => !names(f))];
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
  // The unmutated functions must pass, or no mutant can be judged.
  const clean = await pgProve(target.serverUrl(base), files, { settings: [HANG_GUARD] });
  if (clean.failed > 0) {
    process.stdout.write(clean.out);
    throw new Error("pgTAP fails without any mutant: fix that first (npm test -- --pgtap)");
  }
  console.log(`pgTAP passes unmutated (${clean.passed} tests in ${files.length} files); ${mutants.length} mutants:`);
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
        let current = "";
        const r = await pgProve(target.serverUrl(db), firstThoseNaming(files, m.file), {
          settings: [HANG_GUARD],
          stopWhen: (line) => {
            const file = /^(db\/tests\/\S+\.sql) \.+/.exec(line);
            if (file?.[1]) current = file[1];
            return FAILURE.test(line);
          },
        });
        status = r.failed > 0 ? "killed" : "survived";
        const failing = /^\s*not ok \d+ - (.*)$/m.exec(r.out)?.[1];
        note = status === "killed" ? `${current.replace(/^db\/tests\//, "")}${failing ? `: ${failing}` : ""}` : "";
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
  const survived = rows.filter((r) => r.status === "survived");
  const broken = rows.filter((r) => !["killed", "survived"].includes(r.status));
  const judged = killed + survived.length;
  const score = judged ? (100 * killed) / judged : 0;
  console.log("\n| mutant | file | status | killed by |\n| --- | --- | --- | --- |");
  for (const r of rows)
    console.log(`| ${r.m.id} | ${r.m.file.replace(/^db\/functions\//, "")} | ${r.status} | ${r.note.replace(/\|/g, "\\|")} |`);
  for (const r of survived) console.log(`\nsurvived: ${r.m.id} (${r.m.file}): ${r.m.why}`);
  for (const r of broken) console.log(`\n${r.status}: ${r.m.id} (${r.m.file}): ${r.note}`);
  console.log(
    `\nmutation score: ${killed} of ${judged} killed by pgTAP (${score.toFixed(1)}%; target ${list.target}%)` +
      (broken.length ? `; ${broken.length} stale, ambiguous or invalid` : "") +
      (interrupted ? "; interrupted" : ""),
  );
  if (score < list.target || broken.length || interrupted) exitCode = 1;
}
process.exit(exitCode);
