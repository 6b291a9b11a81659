-- The request path as PostgREST routes it: percent-escapes decoded (so /rpc/create%5Fcampaign is
-- checked as /rpc/create_campaign). Escapes of non-ASCII bytes stay as they are: no endpoint
-- name has them.
create or replace function internal.url_path(raw text)
returns text
language plpgsql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  out text := raw;
  hex text;
begin
  if strpos(raw, '%') = 0 then
    return raw;  -- nothing encoded (nearly every request): no pattern search
  end if;
  for hex in select distinct m[1] from regexp_matches(raw, '%([0-7][0-9A-Fa-f])', 'g') m loop
    out := replace(replace(out, '%' || lower(hex), chr(('x' || hex)::bit(8)::integer)),
                   '%' || upper(hex), chr(('x' || hex)::bit(8)::integer));
  end loop;
  return out;
end
$$;
revoke all on function internal.url_path(text) from public;
-- Called by internal.pre_request, which runs as any role of the host: executable by PUBLIC.
grant execute on function internal.url_path(text) to public;
