-- The one message-id rule, for every path that takes a message id: WAHA-style ids
-- true_<chat>_<id>[_<participant>] (and false_…) are the message id <id>, sent in <chat>.
-- Any other string is the message id itself.
create or replace function internal.message_id_parts(raw text, out message_id text, out chat_jid text)
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(m[2], raw), m[1]
  from (select regexp_match(raw, '^(?:true|false)_([^_@]+@[^_]+)_([A-Za-z0-9]+)(?:_.*)?$') as m) w
$$;
revoke all on function internal.message_id_parts(text) from public;
