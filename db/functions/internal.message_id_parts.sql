-- The one message-id rule, for every path that takes a message id: WAHA-style ids
-- true_<chat>_<id>[_<participant>] (and false_…) are the message id <id>, sent in <chat>.
-- Any other string is the message id itself.
-- A rule called per element (each parser reads it once per event, in FROM): one row, no SET clause,
-- so that the planner inlines it into the parser's cached plan; OFFSET 0 keeps the match from being
-- copied into each use of its parts (docs/design.md, "Parse once, then decide").
create or replace function internal.message_id_parts(raw text)
returns table (message_id text, chat_jid text)
language sql
immutable
parallel safe
as $$
  select coalesce(m[2], raw), m[1]
  from
    (
      select
        case
          when raw like 'true\_%'
          or raw like 'false\_%' then regexp_match(
            raw,
            '^(?:true|false)_([^_@]+@[^_]+)_([A-Za-z0-9]+)(?:_.*)?$'
          )
        end as m
      offset 0
    ) w;
$$;
revoke all on function internal.message_id_parts(text) from public;
