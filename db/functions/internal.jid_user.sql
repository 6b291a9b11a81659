-- Who a JID names, for comparing a participant with the session's own account: the user part
-- without a device suffix, and its server (s.whatsapp.net and c.us are the same).
-- 5511999999999:12@s.whatsapp.net and 5511999999999@c.us are one user; a @lid is its own.
create or replace function internal.jid_user(jid text) returns text
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
return nullif(lower(split_part(split_part(jid, '@', 1), ':', 1)), '') || '@'
       || replace(lower(split_part(jid, '@', 2)), 's.whatsapp.net', 'c.us');
revoke all on function internal.jid_user(text) from public;
