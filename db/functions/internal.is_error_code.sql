-- A gateway's error code as accepted everywhere: absent/null, a whole number within the GatewayErrorCode
-- rule of internal.value_rules() (463, or 463.0 from a gateway that writes floats), or a numeric
-- string ("463") matching its x-string-pattern. For error ACKs and send results alike; what it
-- accepts, internal.error_code converts.
create or replace function internal.is_error_code(code jsonb)
returns boolean
language sql
immutable
parallel safe
return code is null
or code = 'null'::jsonb
or (
  jsonb_typeof(code) = 'number'
  and code::text::numeric = trunc(code::text::numeric)
  and code::text::numeric between (internal.value_rules() #>> '{GatewayErrorCode,minimum}')::numeric and (
    internal.value_rules() #>> '{GatewayErrorCode,maximum}'
  )::numeric
)
or (
  jsonb_typeof(code) = 'string'
  and code #>> '{}' ~ (internal.value_rules() #>> '{GatewayErrorCode,x-string-pattern}')
);
revoke all on function internal.is_error_code(jsonb) from public;
