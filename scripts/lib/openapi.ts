// The OpenAPI 3.1 document PostgREST serves at `/` (db-root-spec → api.openapi()), generated from
// what already defines the API: the RPC payloads and results in db/contracts, the error codes and
// statuses in docs/errors.md, and from the migrated database the api schema's functions and views,
// who may call them (grants) and their comments. Written to db/contracts/openapi.generated.json
// (generated, committed, drift-checked), which migrate loads into internal.api_documents.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withClient } from "./db.js";
import { loadContracts, loadValues, type JsonSchema } from "./contracts.js";
import { repoRoot } from "./paths.js";

export const OPENAPI_FILE = "db/contracts/openapi.generated.json";
const API_ROLES = ["gateway", "crm", "ops"];

/** docs/errors.md: each `## ` section's table rows (code, status). Sections apply by heading. */
export function errorTable(): { heading: string; code: string; statuses: number[] }[] {
  const rows: { heading: string; code: string; statuses: number[] }[] = [];
  let heading = "";
  for (const line of readFileSync(join(repoRoot, "docs", "errors.md"), "utf8").split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3).trim();
    const m = /^\| `([^`]+)` \| ([0-9 /]+) \|/.exec(line);
    if (m)
      rows.push({
        heading,
        code: m[1]!,
        statuses: m[2]!
          .split("/")
          .map((s) => Number(s.trim()))
          .filter((n) => n > 0),
      });
  }
  return rows;
}

/** draft-07 definitions → components: $ref "#/definitions/X" becomes "#/components/schemas/X". */
function toComponent(schema: JsonSchema): JsonSchema {
  const { $schema, definitions, examples, "x-invalid-examples": _bad, ...rest } = schema;
  return JSON.parse(JSON.stringify({ ...rest, ...(examples ? { examples } : {}) }).replaceAll('"#/definitions/', '"#/components/schemas/'));
}

const pascal = (snake: string) => snake.replace(/(^|_)([a-z])/g, (_, _u, ch: string) => ch.toUpperCase());

/** PostgREST's query parameters on a read: a filter per column, and select, order, limit, offset. */
function readParameters(columns: string[]): JsonSchema[] {
  const q = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({
    name,
    in: "query",
    required: false,
    schema,
    description,
  });
  return [
    ...columns.map((c) =>
      q(
        c,
        `Filter on ${c}: an operator and a value, as PostgREST takes them (eq.v, neq.v, gt.v, gte.v, lt.v, ` +
          "lte.v, in.(a,b), is.null, like.*v*, not.eq.v).",
      ),
    ),
    q("select", "The columns to return, comma-separated (select=id,status)."),
    q("order", "Sort: column.asc|desc[.nullsfirst|nullslast], comma-separated."),
    q("limit", "At most this many rows (the server caps a request at its page size).", { type: "integer", minimum: 0 }),
    q("offset", "Skip this many rows (prefer a filter on the order column for paging).", { type: "integer", minimum: 0 }),
  ];
}

const PG_TYPES: Record<string, JsonSchema> = {
  text: { type: "string" },
  bigint: { type: "integer", format: "int64" },
  integer: { type: "integer", format: "int32" },
  boolean: { type: "boolean" },
  "timestamp with time zone": { type: "string", format: "date-time" },
};

export async function generateOpenApi(adminUrl: string, version: string): Promise<JsonSchema> {
  const contracts = loadContracts();
  const schemas: JsonSchema = {};
  for (const c of Object.values(contracts)) {
    for (const [name, def] of Object.entries((c.definitions ?? {}) as Record<string, JsonSchema>)) schemas[name] = toComponent(def);
    schemas[c.title] = toComponent(c);
  }
  const { definitions: valueDefs, limits } = loadValues();
  for (const [name, def] of Object.entries(valueDefs)) schemas[name] ??= toComponent(def);
  const errors = errorTable();
  const refusals = (heading: (h: string) => boolean) => {
    const byStatus = new Map<number, Set<string>>();
    for (const e of errors.filter((r) => heading(r.heading) && !r.heading.includes("client"))) {
      for (const s of e.statuses) byStatus.set(s, (byStatus.get(s) ?? new Set()).add(e.code));
    }
    return Object.fromEntries(
      [...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([status, codes]) => [
          String(status),
          {
            description: `Refused: ${[...codes]
              .sort()
              .map((c) => "`" + c + "`")
              .join(", ")} (docs/errors.md).`,
            content: { "application/json": { schema: { $ref: "#/components/schemas/ApiErrorBody" } } },
          },
        ]),
    );
  };
  const auth = (h: string) => h.startsWith("Authentication");

  return withClient(adminUrl, async (client) => {
    const fns = (
      await client.query<{ name: string; comment: string | null; roles: string[]; text: boolean }>(
        `select p.proname as name, obj_description(p.oid, 'pg_proc') as comment,
              p.prorettype = 'api."*/*"'::regtype as text,
              array(select r from unnest($1::text[]) r where has_function_privilege(r, p.oid, 'execute') order by r) as roles
       from pg_proc p where p.pronamespace = 'api'::regnamespace and p.proname <> 'openapi' order by p.proname`,
        [API_ROLES],
      )
    ).rows;
    // A view column is NOT NULL only when it is a table's NOT NULL column of the same name that
    // the view reads (its rule's dependencies), and no other column of that name it reads may be
    // null (an outer join's side): anything else may be null, and the document says so. (Tables
    // only: a view it reads, like internal.restricted_sessions in a NOT EXISTS, keeps no NOT NULL.)
    const views = (
      await client.query<{
        name: string;
        comment: string | null;
        roles: string[];
        columns: { name: string; type: string; domain: string | null; comment: string | null; notNull: boolean }[];
      }>(
        `select c.relname as name, obj_description(c.oid, 'pg_class') as comment,
              array(select r from unnest($1::text[]) r where has_table_privilege(r, c.oid, 'select') order by r) as roles,
              (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, null),
                                                 'domain', (select t.typname from pg_type t where t.oid = a.atttypid and t.typtype = 'd'),
                                                 'comment', col_description(c.oid, a.attnum),
                                                 'notNull', coalesce((
                                                   select bool_and(ta.attnotnull) from pg_rewrite rw
                                                   join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = rw.oid
                                                     and d.refclassid = 'pg_class'::regclass and d.refobjsubid > 0
                                                   join pg_attribute ta on ta.attrelid = d.refobjid and ta.attnum = d.refobjsubid
                                                   join pg_class tc on tc.oid = ta.attrelid and tc.relkind in ('r', 'p')
                                                   where rw.ev_class = c.oid and ta.attname = a.attname), false)) order by a.attnum)
               from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns
       from pg_class c where c.relnamespace = 'api'::regnamespace and c.relkind = 'v' order by c.relname`,
        [API_ROLES],
      )
    ).rows;

    const security = [{ apiKey: [] }, { jwt: [] }];
    const paths: JsonSchema = {};
    for (const f of fns.filter((f) => f.text)) {
      // A media-type handler (returns api."*/*"): GET, no body, plain text (the metrics).
      paths[`/rpc/${f.name}`] = {
        get: {
          operationId: f.name,
          summary: f.comment ?? undefined,
          tags: f.roles,
          security,
          description: `${f.comment ?? ""}\n\nRoles: ${f.roles.join(", ")}.`,
          responses: {
            "200": { description: "Prometheus text format 0.0.4.", content: { "text/plain": { schema: { type: "string" } } } },
            ...refusals((h) => auth(h)),
          },
        },
      };
    }
    for (const f of fns.filter((f) => !f.text)) {
      const request = contracts[`${f.name}.request`];
      const response = contracts[`${f.name}.response`];
      if (!request || !response) throw new Error(`api.${f.name} has no contract in db/contracts`);
      paths[`/rpc/${f.name}`] = {
        post: {
          operationId: f.name,
          summary: f.comment ?? undefined,
          tags: f.roles,
          security,
          description: `${request.description}\n\nRoles: ${f.roles.join(", ")}. The body is the payload itself.`,
          requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${request.title}` } } } },
          responses: {
            "200": {
              description: response.description ?? "OK",
              content: { "application/json": { schema: { $ref: `#/components/schemas/${response.title}` } } },
            },
            ...refusals((h) => auth(h) || h === "Any RPC" || h.includes(`/rpc/${f.name}\``)),
          },
        },
      };
    }
    for (const v of views) {
      const row = `${v.name}_row`;
      schemas[row] = {
        type: "object",
        // A column of a checked-value domain (internal.group_jid) is that value (GroupJid); a
        // column that may be null says so.
        properties: Object.fromEntries(
          v.columns.map((c) => {
            const value: JsonSchema =
              c.domain && schemas[pascal(c.domain)]
                ? { $ref: `#/components/schemas/${pascal(c.domain)}` }
                : {
                    ...(c.type.endsWith("[]")
                      ? { type: "array", items: PG_TYPES[c.type.slice(0, -2)] ?? { type: "string" } }
                      : (PG_TYPES[c.type] ?? { type: "string" })),
                    ...(c.comment ? { description: c.comment } : {}),
                  };
            if (c.notNull) return [c.name, value];
            return [c.name, value.$ref ? { anyOf: [value, { type: "null" }] } : { ...value, type: [value.type, "null"] }];
          }),
        ),
        required: v.columns.map((c) => c.name),
      };
      paths[`/${v.name}`] = {
        get: {
          operationId: `list_${v.name}`,
          summary: v.comment ?? undefined,
          tags: v.roles,
          security,
          description:
            `${v.comment ?? ""}\n\nRoles: ${v.roles.join(", ")}. PostgREST filters (` +
            `\`?column=eq.value\`), \`order\`, \`limit\` and \`select\` apply; at most ${limits.rowsPerRead} rows per request: ` +
            "page with `limit` and a filter on the order column.",
          parameters: readParameters(v.columns.map((c) => c.name)),
          responses: {
            "200": {
              description: "The rows.",
              content: { "application/json": { schema: { type: "array", items: { $ref: `#/components/schemas/${row}` } } } },
            },
            ...refusals((h) => auth(h) || h === "Any RPC"),
          },
        },
      };
    }
    return {
      openapi: "3.1.0",
      info: {
        title: "WhatsApp campaign backend",
        version,
        description:
          "Group sync and asynchronous message errors for WhatsApp notification campaigns. " +
          "Every refusal is `{code, message, details, hint}` with a stable `code` (docs/errors.md).",
      },
      servers: [{ url: "/" }],
      security,
      tags: API_ROLES.map((name) => ({ name, description: `Callable with a ${name} API key (or a JWT whose role is ${name}).` })),
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "A machine API key (npm run api-key -- create)." },
          jwt: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "A JWT signed with the server's secret; its role claim picks the role.",
          },
        },
        schemas,
      },
    };
  });
}

/** The committed file: the document, marked generated (an x- field, as OpenAPI allows). */
export function openApiJson(doc: JsonSchema): string {
  return (
    JSON.stringify(
      { "x-generated": "by `npm run regen` from db/contracts, docs/errors.md and the api schema: do not edit", ...doc },
      null,
      2,
    ) + "\n"
  );
}
