-- HMAC-SHA512 (RFC 2104) with the built-in sha512(): what WAHA signs its webhooks with. Built in
-- SQL rather than with pgcrypto so that installing into a host project needs no extension.
create or replace function internal.hmac_sha512(key bytea, message bytea)
returns bytea
language plpgsql
immutable
strict
parallel safe
set search_path = pg_catalog, pg_temp
as $$
declare
  k bytea := case when length(key) > 128 then sha512(key) else key end;
  inner_key bytea;
  outer_key bytea;
begin
  k := k || decode(repeat('00', 128 - length(k)), 'hex');
  inner_key := k;
  outer_key := k;
  for i in 0..127 loop
    inner_key := set_byte(inner_key, i, get_byte(k, i) # 54);   -- 0x36
    outer_key := set_byte(outer_key, i, get_byte(k, i) # 92);   -- 0x5c
  end loop;
  return sha512(outer_key || sha512(inner_key || message));
end
$$;
revoke all on function internal.hmac_sha512(bytea, bytea) from public;
