// The SQL formatter: Prettier with prettier-plugin-sql-cst (.prettierrc.json, .prettierignore),
// guarded by PostgreSQL's own parser (libpg-query, PostgreSQL 15's grammar): a file is rewritten
// only when its formatted text parses to the same statements, so a formatter bug can change
// layout, never meaning (docs/design.md, "Formatting").
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseSync as pgParse, loadModule } from "libpg-query";
import * as prettier from "prettier";
import { repoRoot } from "./paths.js";

/** The SQL files the formatter owns: tracked or new, less .gitignore's and .prettierignore's. */
export async function sqlFiles(): Promise<string[]> {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.sql"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  const files: string[] = [];
  for (const file of new Set(listed.split("\n").filter(Boolean))) {
    const info = await prettier.getFileInfo(join(repoRoot, file), { ignorePath: [join(repoRoot, ".prettierignore")] });
    if (!info.ignored) files.push(file);
  }
  return files.sort();
}

/** `text` as the formatter writes it (the options of .prettierrc.json for `file`). */
export async function formatSql(file: string, text: string): Promise<string> {
  const path = join(repoRoot, file);
  const options = await prettier.resolveConfig(path, { editorconfig: false });
  return prettier.format(text, { ...options, filepath: path });
}

/**
 * What PostgreSQL reads in `sql`: its parse tree without source positions, with the body of each
 * `language sql` function (which the formatter lays out too) replaced by that body's own tree.
 * Any other string — a PL/pgSQL body, a DO block, a literal — must stay byte for byte.
 */
export function meaning(sql: string): string {
  return JSON.stringify(normalise(pgParse(sql)));
}

function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (node === null || typeof node !== "object") return node;
  const object = node as Record<string, unknown>;
  if ("CreateFunctionStmt" in object) return { CreateFunctionStmt: normaliseFunction(object.CreateFunctionStmt as FunctionStmt) };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === "location" || key === "stmt_location" || key === "stmt_len") continue;
    out[key] = normalise(value);
  }
  return out;
}

type DefElem = { DefElem: { defname: string; arg?: unknown } };
type FunctionStmt = { options?: DefElem[]; [key: string]: unknown };

function normaliseFunction(stmt: FunctionStmt): unknown {
  const language = stmt.options?.find((o) => o.DefElem.defname === "language");
  const isSql = (language?.DefElem.arg as { String?: { sval: string } } | undefined)?.String?.sval.toLowerCase() === "sql";
  const options = stmt.options?.map((o) => {
    if (!isSql || o.DefElem.defname !== "as") return o;
    const body = (o.DefElem.arg as { List: { items: { String: { sval: string } }[] } }).List.items[0]!.String.sval;
    return { DefElem: { defname: "as", body: normalise(pgParse(body)) } };
  });
  return normalise({ ...stmt, options });
}

/**
 * The comments in `sql`, in order, each with its spacing collapsed: the formatter may move a
 * comment to another line, never drop one or join two. Dollar-quoted bodies are read as SQL too
 * (a `language sql` body is laid out with the rest).
 */
export function comments(sql: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const dollar = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(rest);
    if (rest.startsWith("--")) {
      const end = sql.indexOf("\n", i);
      found.push(sql.slice(i, end < 0 ? sql.length : end));
      i = end < 0 ? sql.length : end;
    } else if (rest.startsWith("/*")) {
      let depth = 0;
      let j = i;
      do {
        const step = sql.startsWith("/*", j) ? 1 : sql.startsWith("*/", j) ? -1 : 0;
        depth += step;
        j += step ? 2 : 1;
      } while (depth > 0 && j < sql.length);
      found.push(sql.slice(i, j));
      i = j;
    } else if (rest[0] === "'" || rest[0] === '"') {
      const backslashes = rest[0] === "'" && /[eE]/.test(sql[i - 1] ?? "") && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? "");
      let j = i + 1;
      while (j < sql.length) {
        if (backslashes && sql[j] === "\\") j += 2;
        else if (sql[j] === rest[0] && sql[j + 1] === rest[0]) j += 2;
        else if (sql[j] === rest[0]) break;
        else j++;
      }
      i = j + 1;
    } else if (dollar && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? "")) {
      i += dollar[0].length; // the body is read on as SQL; its closing tag is skipped the same way
    } else i++;
  }
  return found.map((c) =>
    c
      .replace(/^--\s*/, "-- ")
      .replace(/\s+/g, " ")
      .trim(),
  );
}

export type Outcome = { file: string; formatted: boolean; text: string; error?: string };

// Files already found formatted, by a hash of everything the answer depends on (the text, the
// file's name, the config, the ignore list and the tools' versions): a check re-formats only what
// changed since (about 3 s for the whole tree without it; node_modules/.cache, as Prettier's own).
const cacheFile = join(repoRoot, "node_modules", ".cache", "sql-format.json");
const toolVersions = ["prettier", "prettier-plugin-sql-cst", "sql-parser-cst", "libpg-query"]
  .map((p) => readFileSync(join(repoRoot, "node_modules", p, "package.json"), "utf8"))
  .concat([".prettierrc.json", ".prettierignore"].map((f) => readFileSync(join(repoRoot, f), "utf8")))
  .join("\0");
const cacheKey = (file: string, text: string) => createHash("sha256").update(`${toolVersions}\0${file}\0${text}`).digest("hex");
const readCache = (): Set<string> => {
  try {
    return new Set(JSON.parse(readFileSync(cacheFile, "utf8")) as string[]);
  } catch {
    return new Set();
  }
};

/** checkFile for each of `files`, skipping those the cache knows formatted; remembers the formatted. */
export async function checkFiles(files: string[]): Promise<Outcome[]> {
  const known = readCache();
  const outcomes = await Promise.all(
    files.map(async (file): Promise<Outcome> => {
      const text = readFileSync(join(repoRoot, file), "utf8");
      return known.has(cacheKey(file, text)) ? { file, formatted: true, text } : checkText(file, text);
    }),
  );
  const formatted = outcomes.filter((o) => o.formatted).map((o) => cacheKey(o.file, o.text));
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(formatted));
  return outcomes;
}

/** Formats `text` (of `file`) in memory: `formatted` when it is already as written; `error` when the
 * formatter cannot parse it or its output would mean something else (then `text` is as it was). */
export async function checkText(file: string, text: string): Promise<Outcome> {
  let out: string;
  try {
    out = await formatSql(file, text);
  } catch (e) {
    return { file, formatted: false, text, error: `the formatter cannot parse it: ${String(e).split("\n")[0]}` };
  }
  if (out === text) return { file, formatted: true, text };
  await loadModule();
  let before: string;
  let after: string;
  try {
    before = meaning(text);
    after = meaning(out);
  } catch (e) {
    return { file, formatted: false, text, error: `PostgreSQL cannot parse it or its formatted form: ${String(e).split("\n")[0]}` };
  }
  if (before !== after)
    return {
      file,
      formatted: false,
      text,
      error: "formatting would change what PostgreSQL reads (rewrite the statement, or list it in .prettierignore with the reason)",
    };
  if (JSON.stringify(comments(text)) !== JSON.stringify(comments(out))) {
    return { file, formatted: false, text, error: "formatting would drop, join or reorder comments (move them to a line of their own)" };
  }
  return { file, formatted: false, text: out };
}
