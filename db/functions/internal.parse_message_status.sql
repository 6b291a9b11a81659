-- Validates and normalises one delivery-progress event: {messageId, sessionId?, status:
-- "delivered" | "read" | "played", at?}. `at` is an ISO timestamp or epoch seconds (gateways
-- send both; internal.event_time), never later than now; absent means now. A read (or played)
-- message was delivered too. problem_code is null when the event is valid. session_id is the one
-- the event names: a key bound to sessions resolves it after the locks (internal.event_session,
-- in internal.record_message_status).
-- A rule called per element: no SET clause, so the planner inlines it into the batch's one parse
-- (internal.record_message_status); with one it was planned again on every call (18 ms). Each part
-- of the event is read once (OFFSET 0: the time, the message id and the problem are computed once,
-- not copied into each use).
create or replace function internal.parse_message_status(ev jsonb)
returns table (
  session_id text,
  message_id text,
  delivered_at timestamptz,
  read_at timestamptz,
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
    t,
    case
      when problem is null
      and st #>> '{}' in ('read', 'played') then t
    end,
    split_part(problem, ':', 1),
    nullif(substr(problem, strpos(problem, ':') + 1), '')
  from
    (
      select
        jsonb_typeof(ev) as kind,
        ev -> 'sessionId' as sid,
        ev -> 'messageId' as mid,
        ev -> 'status' as st,
        ev -> 'at' as at_raw,
        internal.event_time(ev -> 'at') as at_t
      offset 0
    ) f
    cross join lateral internal.message_id_parts(mid #>> '{}') id
    cross join lateral (
      select
        case
          when kind is distinct from 'object' then 'invalid_event:each event must be a JSON object'
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
          when st is null
          or st #>> '{}' not in (
            'delivered',
            'read',
            'played'
          ) then 'invalid_progress_status:status must be "delivered", "read" or "played"'
          -- Only a time that exists: 30 February looks like one and would fail the cast (22008) of
          -- the whole batch; here it is this event's problem (internal.event_time).
          when not (at_raw is null or at_raw = 'null'::jsonb)
          and at_t is null then 'invalid_timestamp:at must be an ISO 8601 time with its zone (one that exists), or epoch seconds'
        end as problem
      offset 0
    ) c
    -- The gateway's time, never in the future (clock skew); now() only when none is given.
    -- (Never before the send: the row's sent_at bounds it where it is applied.)
    cross join lateral (
      select
        case
          when problem is not null then null
          when at_raw is null
          or at_raw = 'null'::jsonb then now()
          else least(at_t, now())
        end as t
    ) w;
$$;
revoke all on function internal.parse_message_status(jsonb) from public;
