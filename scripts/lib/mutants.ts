// Where a mutant's find-text is in its file (npm run test:mutation, test/pgtap-coverage.test.ts).
// Matched with the spacing ignored: the SQL formatter (npm run format) may move a line break or
// add a space between tokens without the mutant going stale.

/** The spans of `text` that read as `find` when whitespace is ignored (non-overlapping). */
export function findSpans(text: string, find: string): { start: number; end: number }[] {
  const chars = [...find.replace(/\s+/g, "")].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (chars.length === 0) return [];
  const pattern = new RegExp(chars.join("\\s*"), "g");
  return [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** `text` with its one span reading as `find` replaced by `replace`, or how many spans there are. */
export function plantMutant(text: string, find: string, replace: string): string | number {
  const spans = findSpans(text, find);
  if (spans.length !== 1) return spans.length;
  const [{ start, end }] = spans as [{ start: number; end: number }];
  return text.slice(0, start) + replace.trim() + text.slice(end);
}

/** What one pgTAP file's run says of a mutant: a real failure kills it; a statement timeout does not. */
export type FileVerdict = { kind: "passed" } | { kind: "killed"; test: string } | { kind: "timeout" };

/** Judges pg_prove's output of one file (failed: pg_prove's count, a crashed file or a plan mismatch included). */
export function judgeFileRun(out: string, failed: number): FileVerdict {
  if (failed === 0) return { kind: "passed" };
  // A hang guard that fired: the mutant made a statement slow, or the machine was busy. Not a test
  // that caught the bug (the next file may still catch it).
  // An RPC answers it with its coded 503 (statement_timeout: CONVENTIONS.md), which is the same.
  if (/canceling statement due to statement timeout|"code"\s*:\s*"statement_timeout"/.test(out)) return { kind: "timeout" };
  const failing = /^\s*not ok \d+ - (.*)$/m.exec(out)?.[1];
  const error = /^psql:\S+: ERROR:\s+(.*)$/m.exec(out)?.[1];
  return { kind: "killed", test: failing ?? (error ? `error: ${error}` : "the file fails (plan or exit status)") };
}

/** The name of the function a db/functions file defines (internal.x.sql → x). */
export const functionOfFile = (file: string) => file.replace(/^.*\/(?:api|internal)\.(.+)\.sql$/, "$1");

/**
 * The hang guard of one pgTAP file against a mutant (statement_timeout, ms): ten times the file's
 * own unmutated time in this run's coverage run, at least 10 s. No statement of the file took
 * longer than the whole file did unmutated; 10 s covers the start-up jitter of a file that takes a
 * fraction of a second. A statement past it is a hang or a regression the suite shows (a test
 * several times slower; the largest legal call past the roles' statement timeout), found in
 * seconds for most files instead of a fixed 30 s. Why 10x, not 5x: with four mutation runs on this
 * 2-core machine, pgTAP 33 (2.8 s in the coverage run) ran past 14 s unmutated, and 5x made
 * status-code mutants time out there. The run also confirms every timeout: the file is timed again
 * unmutated (the longer time kept) and the mutant tried once more under that guard, so a busier
 * machine is never a detected mutant.
 */
export const hangGuardMs = (fileSeconds: number) => Math.max(10_000, Math.ceil(10 * fileSeconds * 1000));

/**
 * The order a mutant's covering files run in: the file that last killed a mutant of the same
 * function in this run first (adaptive: most mutants of a function die in the same file), then the
 * groups in their order (the files that execute and name the function, then those that only
 * execute it, those that only name it, the rest: a file that tests the function directly is the
 * likeliest to fail), each group quickest first (their unmutated times). Measured on the seed-38
 * sample: one list sorted by time alone ran the quick files that merely pass through the function
 * first, and made kills slower.
 */
export function tryOrder(groups: string[][], seconds: ReadonlyMap<string, number>, lastKiller?: string): string[] {
  const seen = new Set<string>();
  const ordered = groups
    .flatMap((g) => [...g].sort((a, b) => (seconds.get(a) ?? 0) - (seconds.get(b) ?? 0)))
    .filter((f) => !seen.has(f) && seen.add(f));
  return lastKiller && seen.has(lastKiller) ? [lastKiller, ...ordered.filter((f) => f !== lastKiller)] : ordered;
}
