-- Validates and normalises one error ACK event. problem_code is null when the event is valid.
-- errorCode: a number, a numeric string ("463") or absent. Message ids follow the one rule of
-- internal.message_id_parts (WAHA's true_<jid>_<id>[_<participant>] also gives the groupJid when
-- the event has none).
create or replace function internal.parse_message_error(ev jsonb)
returns table (session_id text, message_id text, group_jid text, error_code integer,
               error_message text, problem_code text, problem text)
language sql immutable parallel safe
as $$
  with f as (
    select jsonb_typeof(ev) as kind,
           ev -> 'event' as event, ev -> 'sessionId' as sid, ev -> 'messageId' as mid,
           ev -> 'groupJid' as gjid, ev -> 'errorCode' as code, ev -> 'errorMessage' as msg,
           internal.message_id_parts(ev ->> 'messageId') as id
  ),
  checked as (
    select f.*, case
      when kind is distinct from 'object' then 'invalid_event:each event must be a JSON object'
      when event is not null and event <> '"message_error"'::jsonb
        then 'invalid_event_type:event must be "message_error" when given'
      when jsonb_typeof(mid) is distinct from 'string' or btrim(mid #>> '{}') = '' or length(mid #>> '{}') > 300
        then 'invalid_message_id:messageId must be a non-empty string of at most 300 characters'
      when coalesce(jsonb_typeof(sid), 'null') not in ('string', 'null') or btrim(sid #>> '{}') = ''
           or length(sid #>> '{}') > 200
        then 'invalid_session_id:sessionId must be a non-empty string of at most 200 characters'
      when coalesce(jsonb_typeof(gjid), 'null') not in ('string', 'null') or length(gjid #>> '{}') > 200
        then 'invalid_group_jid:groupJid must be a string of at most 200 characters'
      when not internal.is_error_code(code)
        then 'invalid_error_code:errorCode must be a whole number (or a numeric string) from 0 to 999999999'
      when coalesce(jsonb_typeof(msg), 'null') not in ('string', 'null') or length(msg #>> '{}') > 4000
        then 'invalid_error_message:errorMessage must be a string of at most 4000 characters'
    end as problem
    from f
  )
  select nullif(sid #>> '{}', ''),
         (id).message_id,
         coalesce(gjid #>> '{}', (id).chat_jid),
         case when problem is null then btrim(code #>> '{}')::integer end,
         msg #>> '{}',
         split_part(problem, ':', 1),
         nullif(substr(problem, strpos(problem, ':') + 1), '')
  from checked
$$;
revoke all on function internal.parse_message_error(jsonb) from public;
