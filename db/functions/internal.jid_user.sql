-- Who a JID names, for comparing a participant with the session's own account: the user part
-- without a device suffix, and its server (s.whatsapp.net and c.us are the same).
-- 5511999999999:12@s.whatsapp.net and 5511999999999@c.us are one user; a @lid is its own.
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.jid_user(jid text)
returns text
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return nullif(lower(split_part(split_part(jid, '@', 1), ':', 1)), '') || '@'
         || replace(lower(split_part(jid, '@', 2)), 's.whatsapp.net', 'c.us');
end
$$;
revoke all on function internal.jid_user(text) from public;
