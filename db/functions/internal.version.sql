-- The release this database runs (semver, as in package.json and the OpenAPI document's
-- info.version): the version the last migrate recorded in wa_data.function_sets; null when the
-- database was last migrated before releases were recorded. For operators (psql, `wa-campaigns
-- version`); callers read the same value in GET /'s info.version.
/* sql-parser-cst-disable */
-- (The SQL formatter's parser takes version for a keyword here; PostgreSQL does not.)
create or replace function internal.version()
returns text
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select s.version from wa_data.function_sets s order by s.id desc limit 1;
$$;
revoke all on function internal.version() from public;
grant execute on function internal.version() to ops;
comment on function internal.version() is 'The release version the last migrate recorded (semver), or null before releases were recorded.';
/* sql-parser-cst-enable */
