// Group JIDs for tests and benchmarks: 120363 followed by n on 12 digits (string maths: these
// exceed 2^53). JID_SQL is the same, in SQL, for a series variable named i.
export function jidFrom(n: number): string {
  return `120363${String(n).padStart(12, "0")}@g.us`;
}

export const JID_SQL = `'120363' || lpad(i::text, 12, '0') || '@g.us'`;
