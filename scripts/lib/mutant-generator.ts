// Generated mutants (npm run test:mutation -- --generate; docs/testing.md, "Generated mutants"):
// standard mutation operators applied to every function, view and trigger body of db/functions and
// db/views, written in db/tests/mutants.json's format (id, file, find, replace, why) so the same
// runner plants them. libpg-query 15.6.3 (wasm) offers `parse` only, no PL/pgSQL parser: the
// bodies are tokenised here (comments, strings, dollar quotes, quoted identifiers skipped) and the
// operators act on tokens; a mutant of a `language sql` function or a view must still parse with
// PostgreSQL's own grammar (libpg-query), a PL/pgSQL one is compiled by the runner with
// check_function_bodies on (one that does not compile is reported invalid, never counted).
// Reproducible: the same files and seed give the same list; ids hash the file and the change, so
// a mark of db/tests/mutants-equivalent.json follows its mutant until the code there changes.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModule, parseSync } from "libpg-query";
import { findSpans } from "./mutants.js";

export interface GeneratedMutant {
  id: string;
  file: string;
  find: string;
  replace: string;
  why: string;
  operator: string;
  equivalent?: string;
}

interface Token {
  kind: "word" | "qident" | "string" | "dollar" | "number" | "param" | "op" | "punct";
  text: string;
  lower: string;
  start: number;
  end: number;
  depth: number; // parenthesis depth (a "(" has the depth outside it)
}

const OP_CHARS = "+-*/<>=~!@#%^&|`?";

/** Tokens of `sql` from `from` to `to` (absolute offsets), comments and whitespace dropped. */
export function tokenize(sql: string, from = 0, to = sql.length): Token[] {
  const tokens: Token[] = [];
  let i = from;
  let depth = 0;
  const push = (kind: Token["kind"], end: number) => {
    const text = sql.slice(i, end);
    if (text === ")") depth--;
    tokens.push({ kind, text, lower: text.toLowerCase(), start: i, end, depth });
    if (text === "(") depth++;
    i = end;
  };
  while (i < to) {
    const c = sql[i] as string;
    const rest = sql.slice(i, Math.min(to, i + 2));
    if (/\s/.test(c)) i++;
    else if (rest === "--") {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 || nl > to ? to : nl + 1;
    } else if (rest === "/*") {
      const e = sql.indexOf("*/", i + 2);
      i = e < 0 ? to : e + 2;
    } else if (c === "'" || (/[eE]/.test(c) && sql[i + 1] === "'")) {
      let j = c === "'" ? i + 1 : i + 2;
      for (; j < to; j++) {
        if (sql[j] === "\\" && c !== "'") j++;
        else if (sql[j] === "'") {
          if (sql[j + 1] === "'") j++;
          else break;
        }
      }
      push("string", j + 1);
    } else if (c === '"') {
      const e = sql.indexOf('"', i + 1);
      push("qident", e + 1);
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, to));
      const param = /^\$\d+/.exec(sql.slice(i, to));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        push("dollar", close < 0 ? to : close + tag[0].length);
      } else if (param) push("param", i + param[0].length);
      else push("op", i + 1);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const w = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, to)) as RegExpExecArray;
      push("word", i + w[0].length);
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const n = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(sql.slice(i, to)) as RegExpExecArray;
      push("number", i + n[0].length);
    } else if (rest === "::" || rest === ":=") push("punct", i + 2);
    else if (OP_CHARS.includes(c)) {
      let j = i;
      while (j < to && OP_CHARS.includes(sql[j] as string)) j++;
      // PostgreSQL: a multi-character operator cannot end in + or - unless it holds ~ ! @ # % ^ & | ` ?
      push("op", j);
    } else push("punct", i + 1);
  }
  return tokens;
}

/** The parts of a file that are code to mutate: a function's body, or a view's query. */
interface Region {
  tokens: Token[];
  language: "plpgsql" | "sql";
}

function regionsOf(sql: string): Region[] {
  const top = tokenize(sql);
  const regions: Region[] = [];
  // Each top-level statement ends at a ";" of depth 0 (dollar bodies are one token).
  let stmt: Token[] = [];
  const statements: Token[][] = [];
  for (const t of top) {
    stmt.push(t);
    if (t.text === ";" && t.depth === 0) {
      statements.push(stmt);
      stmt = [];
    }
  }
  for (const s of statements) {
    const words = s.slice(0, 6).map((t) => t.lower);
    if (words[0] !== "create") continue;
    if (words.includes("view")) {
      const as = s.findIndex((t) => t.lower === "as" && t.depth === 0);
      if (as >= 0) regions.push({ tokens: s.slice(as + 1, -1), language: "sql" });
    } else if (words.includes("function") || words.includes("procedure")) {
      const lang = s.findIndex((t, k) => t.lower === "language" && k > 0);
      const language = lang >= 0 && s[lang + 1]?.lower === "plpgsql" ? "plpgsql" : "sql";
      const body = s.find((t) => t.kind === "dollar" && t.depth === 0);
      if (body) {
        const tag = (/^\$[^$]*\$/.exec(body.text) as RegExpExecArray)[0];
        regions.push({ tokens: tokenize(sql, body.start + tag.length, body.end - tag.length), language });
      } else {
        // SQL-standard body: `return <expr>` or `begin atomic … end`.
        const ret = s.findIndex((t) => t.depth === 0 && (t.lower === "return" || t.lower === "begin"));
        if (ret >= 0) regions.push({ tokens: s.slice(ret + 1, -1), language: "sql" });
      }
    }
  }
  return regions;
}

const CLAUSE_END = new Set([
  "group",
  "order",
  "limit",
  "offset",
  "having",
  "window",
  "returning",
  "union",
  "intersect",
  "except",
  "for",
  "into",
  "on",
  "do",
  "loop",
  "then",
  "join",
  "left",
  "right",
  "inner",
  "cross",
  "full",
  "where",
  "when",
  "else",
  "end",
]);

/** Is tokens[k] a keyword, not a name? A word after a "." is a qualified name (`internal.limit(…)` is a call, not LIMIT). */
const isKeyword = (tokens: Token[], k: number) => tokens[k]?.kind === "word" && tokens[k - 1]?.text !== ".";

/** Index (exclusive) where the predicate starting at tokens[from] ends. */
function predicateEnd(tokens: Token[], from: number, stops: Set<string>): number {
  const depth = tokens[from]?.depth ?? 0;
  let k = from;
  for (; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.depth < depth) break;
    if (t.depth === depth && (t.text === ";" || t.text === "," || (stops.has(t.lower) && isKeyword(tokens, k)))) break;
  }
  return k;
}

/** Is the `when` at tokens[k] a CASE branch (not an exception handler's)? */
function isCaseWhen(tokens: Token[], k: number): boolean {
  let open = 0;
  for (let j = k - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    const next = tokens[j + 1]?.lower;
    if (t.lower === "end" && next !== "if" && next !== "loop") open++;
    else if (t.lower === "case" || t.lower === "begin") {
      // A simple CASE (`case x when 'a' then`) compares: its branch is no predicate.
      if (open === 0) return t.lower === "case" && tokens[j + 1]?.lower === "when";
      open--;
    }
  }
  return false;
}

/**
 * Is the `=` at tokens[k] an assignment (UPDATE … SET, PL/pgSQL `x = …`, a declaration, a RAISE's
 * `USING option = …`, a `GET DIAGNOSTICS x = item`)?
 */
function isAssignment(tokens: Token[], k: number): boolean {
  // Back over the target: a, a.b, "x" (one name, dotted).
  const isName = (t: Token | undefined) => t !== undefined && (t.kind === "word" || t.kind === "qident");
  let j = k - 1;
  if (isName(tokens[j])) j--;
  while (tokens[j]?.text === "." && isName(tokens[j - 1])) j -= 2;
  const before = tokens[j]?.lower;
  const lists = ["set", "using", "diagnostics"];
  if (before === undefined || [";", "then", "else", "loop", "begin", "declare", ...lists].includes(before)) return true;
  if (before === ",") {
    // In a SET, USING or GET DIAGNOSTICS list: the last clause keyword at this depth opens it (a
    // CASE … END in an earlier item is skipped whole: its WHEN is no clause of ours).
    const depth = (tokens[k] as Token).depth;
    let cases = 0;
    for (let m = j; m >= 0; m--) {
      const t = tokens[m] as Token;
      if (t.depth !== depth) continue;
      if (t.lower === "end" && tokens[m + 1]?.lower !== "if" && tokens[m + 1]?.lower !== "loop") cases++;
      else if (t.lower === "case" && cases > 0) cases--;
      if (cases > 0) continue;
      if (lists.includes(t.lower)) return true;
      if (["where", "from", "select", "values", "returning", "when", "and", "or", ";"].includes(t.lower)) return false;
    }
  }
  return false;
}

const SWAP: Record<string, string> = { "=": "<>", "<>": "=", "!=": "=", "<": "<=", "<=": "<", ">": ">=", ">=": ">" };
const STATEMENT_STARTS = new Set(["perform", "update", "insert", "delete", "raise", "select", "with"]);

interface Change {
  start: number;
  end: number;
  replace: string;
  operator: string;
  why: string;
}

function changesOf(region: Region, sql: string): Change[] {
  const out: Change[] = [];
  const tk = region.tokens;
  const text = (a: number, b: number) => sql.slice((tk[a] as Token).start, (tk[b - 1] as Token).end);
  // PL/pgSQL's declarations are not mutated (types, defaults read as constants).
  let bodyFrom = 0;
  if (region.language === "plpgsql") {
    const decl = tk.findIndex((t) => t.lower === "declare");
    const begin = tk.findIndex((t) => t.lower === "begin");
    if (decl >= 0 && begin > decl) bodyFrom = begin;
  }
  for (let k = bodyFrom; k < tk.length; k++) {
    const t = tk[k] as Token;
    const prev = tk[k - 1];
    const next = tk[k + 1];
    if (t.kind === "op" && SWAP[t.text] && !(t.text === "=" && isAssignment(tk, k)))
      out.push({
        start: t.start,
        end: t.end,
        replace: SWAP[t.text] as string,
        operator: "comparison",
        why: `comparison ${t.text} → ${SWAP[t.text]}`,
      });
    if (t.kind === "word" && (t.lower === "and" || t.lower === "or")) {
      const between = tk.slice(Math.max(0, k - 8), k).some((b) => b.lower === "between" && b.depth === t.depth);
      // An exception handler's `when a or b then` lists conditions: no boolean expression.
      let w = k - 1;
      while (w >= 0 && !(tk[w]?.depth === t.depth && ["when", "then", ";", "begin"].includes((tk[w] as Token).lower))) w--;
      const handler = tk[w]?.lower === "when" && tk[w - 1]?.lower !== "exit" && tk[w - 1]?.lower !== "continue" && !isCaseWhen(tk, w);
      if (!between && !handler)
        out.push({
          start: t.start,
          end: t.end,
          replace: t.lower === "and" ? "or" : "and",
          operator: "and-or",
          why: `${t.lower} → ${t.lower === "and" ? "or" : "and"}`,
        });
    }
    if (t.kind === "word" && t.lower === "not" && next && !["null", "distinct"].includes(next.lower))
      out.push({ start: t.start, end: next.start, replace: "", operator: "not-dropped", why: "not dropped" });
    if (t.kind === "word" && t.lower === "not" && prev?.lower === "is" && next?.lower === "null")
      out.push({ start: prev.start, end: next.end, replace: "is null", operator: "not-dropped", why: "is not null → is null" });
    const predicate =
      (t.lower === "where" && next?.lower !== "current") ||
      (t.lower === "on" && next && !["conflict", "commit", "delete", "update"].includes(next.lower) && prev?.lower !== "distinct") ||
      (t.lower === "when" && isCaseWhen(tk, k));
    if (t.kind === "word" && predicate && next) {
      const end = predicateEnd(tk, k + 1, t.lower === "when" ? new Set(["then"]) : CLAUSE_END);
      if (end > k + 1 && !(end === k + 2 && next.lower === "true"))
        out.push({
          start: next.start,
          end: (tk[end - 1] as Token).end,
          replace: "true",
          operator: "predicate-dropped",
          why: `${t.lower} predicate replaced by true`,
        });
    }
    if (t.kind === "number" && /^\d+$/.test(t.text) && prev?.lower !== "limit" && prev?.text !== "[" && prev?.text !== "::") {
      const n = Number(t.text);
      out.push({ start: t.start, end: t.end, replace: String(n + 1), operator: "integer", why: `integer ${n} → ${n + 1}` });
      if (n > 0) out.push({ start: t.start, end: t.end, replace: String(n - 1), operator: "integer", why: `integer ${n} → ${n - 1}` });
    }
    if (t.kind === "word" && t.lower === "coalesce" && next?.text === "(") {
      const args: [number, number][] = [];
      let from = k + 2;
      let j = k + 2;
      for (; j < tk.length && (tk[j] as Token).depth > t.depth; j++)
        if ((tk[j] as Token).text === "," && (tk[j] as Token).depth === t.depth + 1) {
          args.push([from, j]);
          from = j + 1;
        }
      args.push([from, j]);
      if (args.length >= 2) {
        const [a, b] = args as [[number, number], [number, number]];
        out.push({
          start: (tk[a[0]] as Token).start,
          end: (tk[b[1] - 1] as Token).end,
          replace: `${text(b[0], b[1])}, ${text(a[0], a[1])}`,
          operator: "coalesce-swapped",
          why: "coalesce's first two arguments swapped",
        });
      }
    }
    if (t.kind === "word" && (t.lower === "least" || t.lower === "greatest") && next?.text === "(")
      out.push({
        start: t.start,
        end: t.end,
        replace: t.lower === "least" ? "greatest" : "least",
        operator: "least-greatest",
        why: `${t.lower} → ${t.lower === "least" ? "greatest" : "least"}`,
      });
    if (t.lower === "limit" && isKeyword(tk, k) && next) {
      const end = predicateEnd(tk, k + 1, CLAUSE_END);
      if (end > k + 1) {
        const expr = text(k + 1, end);
        const replace = /^\d+$/.test(expr) ? String(Number(expr) + 1) : `(${expr}) + 1`;
        out.push({ start: next.start, end: (tk[end - 1] as Token).end, replace, operator: "limit", why: `limit ${expr} → ${replace}` });
      }
    }
    if (
      region.language === "plpgsql" &&
      t.kind === "word" &&
      k > bodyFrom &&
      ["begin", ";", "then", "else", "loop"].includes(prev?.lower ?? "")
    ) {
      const assignment = next?.text === ":=" || (next?.text === "=" && t.depth === 0);
      if (STATEMENT_STARTS.has(t.lower) || assignment) {
        let j = k;
        while (j < tk.length && !((tk[j] as Token).text === ";" && (tk[j] as Token).depth === t.depth)) j++;
        if (j < tk.length)
          out.push({
            start: t.start,
            end: (tk[j] as Token).end,
            replace: "null;",
            operator: "statement-removed",
            why: `statement removed: ${text(k, j).replace(/\s+/g, " ").slice(0, 60)}`,
          });
      }
    }
  }
  return out;
}

/** The change written as find/replace, the find widened token by token until it is unique in the file. */
function widen(sql: string, tokens: Token[], c: Change): { find: string; replace: string } | undefined {
  let a = tokens.findIndex((t) => t.end > c.start);
  let b = tokens.findIndex((t) => t.start >= c.end);
  if (a < 0) return undefined;
  if (b < 0) b = tokens.length;
  let start = Math.min(c.start, (tokens[a] as Token).start);
  let end = Math.max(c.end, (tokens[b - 1] as Token)?.end ?? c.end);
  for (let step = 0; step < 40; step++) {
    const find = sql.slice(start, end);
    if (findSpans(sql, find).length === 1) {
      const replace = sql.slice(start, c.start) + c.replace + sql.slice(c.end, end);
      if (replace.replace(/\s+/g, "") === find.replace(/\s+/g, "")) return undefined;
      return { find, replace };
    }
    if (step % 2 === 0 && a > 0) start = (tokens[--a] as Token).start;
    else if (b < tokens.length) end = (tokens[b++] as Token).end;
    else if (a > 0) start = (tokens[--a] as Token).start;
    else return undefined;
  }
  return undefined;
}

/** Does the mutated file still parse (only checked where libpg-query can: views and SQL bodies)? */
function parses(sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

export interface EquivalentMarks {
  [id: string]: string;
}

/** Every mutant of the functions and views of the repository at `root`, marks applied, in a stable order. */
export async function generateMutants(root: string, marks: EquivalentMarks = {}): Promise<GeneratedMutant[]> {
  await loadModule();
  const files = [
    ...readdirSync(join(root, "db", "functions"))
      .filter((f) => f.endsWith(".sql") && !f.includes(".generated."))
      .sort()
      .map((f) => `db/functions/${f}`),
    ...readdirSync(join(root, "db", "views"))
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => `db/views/${f}`),
  ];
  const out: GeneratedMutant[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const sql = readFileSync(join(root, file), "utf8");
    const all = tokenize(sql);
    const flat = [...all.filter((t) => t.kind !== "dollar"), ...regionsOf(sql).flatMap((r) => r.tokens)].sort((x, y) => x.start - y.start);
    const dedup = flat.filter((t, i) => i === 0 || t.start !== (flat[i - 1] as Token).start);
    for (const region of regionsOf(sql)) {
      for (const c of changesOf(region, sql)) {
        const w = widen(sql, dedup, c);
        if (!w) continue;
        const planted = sql.slice(0, c.start) + c.replace + sql.slice(c.end);
        if (region.language === "sql" && !parses(planted)) continue;
        const name = file.replace(/^db\/(functions|views)\/(.+)\.sql$/, "$2");
        const id = `${name}:${c.operator}:${createHash("sha1").update(`${file}\0${w.find}\0${w.replace}`).digest("hex").slice(0, 8)}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const line = sql.slice(0, c.start).split("\n").length;
        const m: GeneratedMutant = {
          id,
          file,
          find: w.find,
          replace: w.replace,
          why: `generated (line ${line}): ${c.why}`,
          operator: c.operator,
        };
        if (marks[id]) m.equivalent = marks[id];
        out.push(m);
      }
    }
  }
  return out;
}

/** A seeded sample of `k` (Fisher–Yates with mulberry32: the same seed, the same sample). */
export function sample<T>(items: T[], k: number, seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a.slice(0, Math.min(k, a.length));
}
