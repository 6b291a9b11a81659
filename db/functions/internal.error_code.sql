-- The one conversion of an error code that internal.is_error_code accepted (a whole number, or its
-- string form) to the integer stored; null when absent. No SET clause: it inlines into its callers.
create or replace function internal.error_code(code jsonb)
returns integer
language sql
immutable
parallel safe
return case jsonb_typeof(code)
  when 'number' then code::text::numeric::integer
  when 'string' then (code #>> '{}')::integer
end;
revoke all on function internal.error_code(jsonb) from public;
