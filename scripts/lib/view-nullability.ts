// PostgreSQL reports every view column as nullable (views keep no NOT NULL). A column of an api view
// that is a plain column of a NOT NULL table column, read from a relation no outer join can empty,
// is never null: this finds those, from the view's own definition (PostgreSQL's parser, libpg-query),
// so the client's generated types say `| null` exactly where a view can give null, with no list kept
// by hand. Anything else (an expression, a column of an outer join's optional side, a set
// operation) stays nullable.
import { loadModule, parseSync } from "libpg-query";
import type pg from "pg";

interface Source {
  /** absent where pg_get_viewdef left the name unqualified (its schema is on the search_path) */
  schema?: string;
  table: string;
  optional: boolean;
}
type Node = Record<string, any>; // libpg-query's JSON parse tree

/** The relations a FROM item reads, by the name a column reference uses (alias, else table). */
function sources(item: Node, optional: boolean, into: Map<string, Source>) {
  if (item.RangeVar) {
    const r = item.RangeVar;
    into.set(r.alias?.aliasname ?? r.relname, { schema: r.schemaname, table: r.relname, optional });
  } else if (item.JoinExpr) {
    const j = item.JoinExpr;
    const [left, right] =
      j.jointype === "JOIN_INNER"
        ? [false, false]
        : j.jointype === "JOIN_LEFT"
          ? [false, true]
          : j.jointype === "JOIN_RIGHT"
            ? [true, false]
            : [true, true];
    sources(j.larg, optional || left, into);
    sources(j.rarg, optional || right, into);
  }
  // A subquery or a function in FROM: its columns are not traced (they stay nullable).
}

/** `view.column` of every api view column that can never be null. */
export async function notNullViewColumns(client: pg.Pool | pg.Client): Promise<Set<string>> {
  await loadModule();
  const { rows: views } = await client.query<{ view: string; def: string }>(
    `select c.relname as view, pg_get_viewdef(c.oid) as def from pg_class c
     where c.relnamespace = 'api'::regnamespace and c.relkind = 'v'`,
  );
  // (an unqualified name is one pg_get_viewdef found on the search_path: the one it resolves to)
  const { rows: notNull } = await client.query<{ col: string; visible: boolean }>(
    `select n.nspname || '.' || c.relname || '.' || a.attname as col, pg_table_is_visible(c.oid) as visible
     from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where a.attnotnull and a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p')`,
  );
  const tableNotNull = new Set(notNull.flatMap((r) => [r.col, ...(r.visible ? [r.col.slice(r.col.indexOf(".") + 1)] : [])]));
  const out = new Set<string>();
  for (const { view, def } of views) {
    const select = parseSync(def).stmts[0]?.stmt?.SelectStmt as Node | undefined;
    if (!select || (select.op && select.op !== "SETOP_NONE")) continue;
    const from = new Map<string, Source>();
    for (const item of select.fromClause ?? []) sources(item, false, from);
    for (const { ResTarget: t } of select.targetList ?? []) {
      const fields = (t.val?.ColumnRef?.fields ?? []).map((f: Node) => f.String?.sval as string | undefined);
      if (fields.length === 0 || fields.some((f: string | undefined) => f === undefined)) continue;
      const column = fields[fields.length - 1]!;
      const source =
        fields.length === 2 ? from.get(fields[0]!) : fields.length === 1 && from.size === 1 ? [...from.values()][0] : undefined;
      if (source && !source.optional && tableNotNull.has(`${source.schema ? `${source.schema}.` : ""}${source.table}.${column}`))
        out.add(`${view}.${t.name ?? column}`);
    }
  }
  return out;
}

/** Marks those columns not nullable wherever the type generator's metadata describes them. */
export function applyNotNull(metadata: unknown, columns: Set<string>) {
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (o.schema === "api" && typeof o.table === "string" && typeof o.name === "string" && "is_nullable" in o) {
        if (columns.has(`${o.table}.${o.name}`)) o.is_nullable = false;
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(metadata);
}
