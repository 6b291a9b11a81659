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
