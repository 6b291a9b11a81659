// What a JWT for a given role gets from a PostgREST connected as a given user, read from the
// cluster's role graph instead of assumed: on a plain cluster PostgREST connects as authenticator;
// on a host project (Supabase) the test harness connects it as postgres, which there reaches
// authenticator through supabase_storage_admin (test/host/supabase-host.sql).
//
// PostgREST runs `SET ROLE <claim>` before anything of ours: a role that does not exist is
// 400 22023; one the connected user is not a member of (directly or through other roles,
// whatever NOINHERIT says — PostgreSQL 15 lets SET ROLE follow every membership) is 403 42501.
// Otherwise the request runs as that role and our pre-request hook decides by its grants.
import type pg from "pg";

export interface JwtRoleReach {
  role: string;
  exists: boolean;
  /** The connected user may SET ROLE to it (pg_has_role … 'MEMBER'). */
  canBecome: boolean;
  /** How the connected user reaches it: the chain of memberships, e.g. postgres > supabase_storage_admin > authenticator. */
  path: string[] | null;
  /** api functions (by name) and views the role may use, by its own and inherited privileges. */
  functions: Set<string>;
  views: Set<string>;
}

type Queryable = pg.Pool | pg.ClientBase;

/** The role graph seen from `connectedAs` for a JWT whose `role` claim is `role`. */
export async function jwtRoleReach(db: Queryable, connectedAs: string, role: string): Promise<JwtRoleReach> {
  const {
    rows: [r],
  } = await db.query<{ exists: boolean; can_become: boolean; path: string[] | null }>(
    `
    with recursive reach(oid, path) as (
      select oid, array[rolname::text] from pg_roles where rolname = $1
      union all
      select m.roleid, reach.path || pg_get_userbyid(m.roleid)::text
      from reach join pg_auth_members m on m.member = reach.oid
      where pg_get_userbyid(m.roleid) <> all (reach.path)
    )
    select exists (select from pg_roles where rolname = $2) as exists,
           coalesce((select pg_has_role($1, oid, 'MEMBER') from pg_roles where rolname = $2), false) as can_become,
           (select path from reach where pg_get_userbyid(oid) = $2 order by cardinality(path) limit 1) as path`,
    [connectedAs, role],
  );
  const functions = new Set<string>();
  const views = new Set<string>();
  if (r!.exists) {
    const { rows } = await db.query<{ kind: string; name: string }>(
      `
      select 'function' as kind, p.proname::text as name from pg_proc p
      where p.pronamespace = 'api'::regnamespace and has_function_privilege($1, p.oid, 'execute')
      union
      select 'view', c.relname::text from pg_class c
      where c.relnamespace = 'api'::regnamespace and c.relkind = 'v' and has_table_privilege($1, c.oid, 'select')`,
      [role],
    );
    for (const { kind, name } of rows) (kind === "function" ? functions : views).add(name);
  }
  return { role, exists: r!.exists, canBecome: r!.can_become, path: r!.path, functions, views };
}

/**
 * The status and code PostgREST and our hook answer a JWT for `reach.role` on an api endpoint
 * (`/rpc/<name>` or `/<view>`), given what an allowed caller gets there.
 */
export function expectedForJwtRole(
  reach: JwtRoleReach,
  endpoint: { name: string; path: string },
  allowed: [number, string | null],
): [number, string | null] {
  if (!reach.exists) return [400, "22023"];
  if (!reach.canBecome) return [403, "42501"];
  const mayUse = endpoint.path.startsWith("/rpc/") ? reach.functions.has(endpoint.name) : reach.views.has(endpoint.name);
  return mayUse ? allowed : [403, "forbidden"];
}
