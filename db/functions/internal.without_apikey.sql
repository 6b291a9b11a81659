-- A body as the quarantine may keep it from Evolution API: without the instance's `apikey`
-- (Evolution's key for that instance, a secret), wherever it is: at the top, in array envelopes,
-- nested, in any case (apikey, apiKey, APIKEY). Bodies whose text does not mention it come back
-- as they are; below 64 levels a subtree that still mentions it is replaced whole, so a hostile
-- nesting can neither keep the key nor exhaust the stack.
create or replace function internal.without_apikey(v jsonb, depth integer default 0)
returns jsonb
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if v is null or strpos(lower(v::text), 'apikey') = 0 then
    return v;
  elsif depth >= 64 then
    return '"[removed: it may hold an apikey]"'::jsonb;
  elsif jsonb_typeof(v) = 'object' then
    return (select coalesce(jsonb_object_agg(k, internal.without_apikey(x, depth + 1)), '{}'::jsonb)
            from jsonb_each(v) e(k, x) where lower(k) <> 'apikey');
  elsif jsonb_typeof(v) = 'array' then
    return (select coalesce(jsonb_agg(internal.without_apikey(x, depth + 1) order by n), '[]'::jsonb)
            from jsonb_array_elements(v) with ordinality a(x, n));
  end if;
  return v;  -- a string that mentions the word is not a key
end
$$;
revoke all on function internal.without_apikey(jsonb, integer) from public;
