-- What the error codes reported for one session do (wa_data.error_code_effects), applied by both
-- recording paths: error ACKs (internal.record_message_error) and send-time failures
-- (api.record_message_sent). `group_jids` and `codes` are pairs, in the order they were reported
-- (a JID may be null: an ACK for an unknown row restricts its session all the same). A code of
-- effect restricts_session flags the session (internal.flag_restricted_session: the first code is
-- kept); a code of effect group_unsendable marks the group (the first mark is kept, until a sync
-- reports the group again). Callers call it only when some code has an effect. Row writes in key
-- order (marks by JID), after the caller's campaign rows: no group row is locked
-- (docs/design.md, "Locks").
create or replace function internal.apply_error_code_effects(session text, group_jids text[], codes integer[])
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  first_restricting integer;
begin
  if session is null then
    return;
  end if;
  select u.code into first_restricting
  from unnest(codes) with ordinality u(code, n)
  where exists (select from wa_data.error_code_effects e where e.code = u.code and e.effect = 'restricts_session')
  order by u.n
  limit 1;
  if first_restricting is not null then
    perform internal.flag_restricted_session(session, first_restricting);
  end if;

  insert into wa_data.group_unsendable_marks (session_id, group_jid, code, marked_at, api_key_id)
  select distinct on (u.group_jid) session, u.group_jid, u.code, now(), internal.api_key_id()
  from unnest(group_jids, codes) with ordinality u(group_jid, code, n)
  where u.group_jid is not null
    and exists (select from wa_data.error_code_effects e where e.code = u.code and e.effect = 'group_unsendable')
  order by u.group_jid, u.n
  on conflict (session_id, group_jid) do nothing;
end
$$;
revoke all on function internal.apply_error_code_effects(text, text[], integer[]) from public;
comment on function internal.apply_error_code_effects(text, text[], integer[]) is
  'Applies the effects of the error codes reported for a session''s groups (wa_data.error_code_effects): restricts the session, marks groups unsendable.';
