-- A gateway's error code as accepted everywhere: absent/null, a whole number 0…999999999, or a
-- numeric string ("463"). The one definition of it, for error ACKs and send results alike.
create or replace function internal.is_error_code(code jsonb) returns boolean
language sql immutable parallel safe
return code is null or code = 'null'::jsonb
    or (jsonb_typeof(code) = 'number' and code::text ~ '^[0-9]{1,9}$')
    or (jsonb_typeof(code) = 'string' and code #>> '{}' ~ '^\s*[0-9]{1,9}\s*$');
revoke all on function internal.is_error_code(jsonb) from public;
