-- A Prometheus label value: backslash, double quote and newline escaped.
create or replace function internal.prometheus_label(v text)
returns text
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
return replace(replace(replace(v, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n');
revoke all on function internal.prometheus_label(text) from public;
