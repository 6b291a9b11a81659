-- Validates and normalises one error ACK event. problem_code is null when the event is valid.
-- errorCode: a number, a numeric string ("463") or absent; at: the gateway's time of the error
-- (optional; never later than now). Message ids follow the one rule of internal.message_id_parts
-- (WAHA's true_<jid>_<id>[_<participant>] also gives the groupJid when the event has none).
-- session_id is the one the event names: a key bound to sessions resolves it after the locks
-- (internal.event_session, in internal.record_message_error).
-- A rule called per element: no SET clause, so the planner inlines it into the batch's one parse
-- (internal.record_message_error); each part of the event is read once (OFFSET 0).
create or replace function internal.parse_message_error(ev jsonb)
returns table (
  session_id text,
  message_id text,
  group_jid text,
  error_code integer,
  error_message text,
  at timestamptz,
  problem_code text,
  problem text
)
language sql
stable
parallel safe
as $$
  select
    nullif(sid #>> '{}', ''),
    id.message_id,
    coalesce(
      nullif(gjid #>> '{}', ''),
      case
        when internal.conforms(id.chat_jid, 'Jid') then id.chat_jid
      end
    ),
    case
      when problem is null then internal.error_code(code)
    end,
    msg #>> '{}',
    case
      when problem is null then least(at_t, now())
    end,
    split_part(problem, ':', 1),
    nullif(substr(problem, strpos(problem, ':') + 1), '')
  from
    (
      select
        jsonb_typeof(ev) as kind,
        ev -> 'event' as event,
        ev -> 'sessionId' as sid,
        ev -> 'messageId' as mid,
        ev -> 'groupJid' as gjid,
        ev -> 'errorCode' as code,
        ev -> 'errorMessage' as msg,
        ev -> 'at' as at_raw,
        internal.event_time(ev -> 'at') as at_t
      offset 0
    ) f
    cross join lateral internal.message_id_parts(mid #>> '{}') id
    cross join lateral (
      select
        case
          when kind is distinct from 'object' then 'invalid_event:each event must be a JSON object'
          when event is not null
          and event <> '"message_error"'::jsonb then 'invalid_event_type:event must be "message_error" when given'
          when jsonb_typeof(mid) is distinct from 'string'
          or not internal.conforms(
            mid #>> '{}',
            'MessageId'
          ) then 'invalid_message_id:messageId must be ' || internal.describe_value('MessageId')
          when coalesce(jsonb_typeof(sid), 'null') not in ('string', 'null')
          or not internal.conforms(
            sid #>> '{}',
            'SessionId'
          ) then 'invalid_session_id:sessionId must be ' || internal.describe_value('SessionId')
          -- An empty groupJid is taken as absent (some gateways send "").
          when coalesce(jsonb_typeof(gjid), 'null') not in ('string', 'null')
          or not internal.conforms(
            nullif(gjid #>> '{}', ''),
            'Jid'
          ) then 'invalid_group_jid:groupJid must be ' || internal.describe_value('Jid')
          when not internal.is_error_code(code) then format(
            'invalid_error_code:errorCode must be a whole number (or a numeric string) from %s to %s',
            internal.value_rules() #>> '{GatewayErrorCode,minimum}',
            internal.value_rules() #>> '{GatewayErrorCode,maximum}'
          )
          when coalesce(jsonb_typeof(msg), 'null') not in ('string', 'null')
          or not internal.conforms(
            msg #>> '{}',
            'ErrorMessage'
          ) then 'invalid_error_message:errorMessage must be ' || internal.describe_value('ErrorMessage')
          -- The gateway's time of the error (optional): one that exists (internal.event_time).
          when not (at_raw is null or at_raw = 'null'::jsonb)
          and at_t is null then 'invalid_timestamp:at must be an ISO 8601 time with its zone (one that exists), or epoch seconds'
        end as problem
      offset 0
    ) c;
$$;
revoke all on function internal.parse_message_error(jsonb) from public;
