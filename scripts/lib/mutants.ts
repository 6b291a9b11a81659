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
