-- Two {"outcome": count} objects added key by key (a webhook body recorded in several calls
-- answers one set of counts). Null is nothing.
create or replace function internal.add_counts(a jsonb, b jsonb)
returns jsonb
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select
    case
      when a is null then b
      when b is null then a
      else (
        select jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0))
        from
          (
            select jsonb_object_keys(a)
            union
            select jsonb_object_keys(b)
          ) x (k)
      )
    end;
$$;
revoke all on function internal.add_counts(jsonb, jsonb) from public;
