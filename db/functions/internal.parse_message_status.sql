-- Validates and normalises one delivery-progress event: {messageId, sessionId?, status:
-- "delivered" | "read" | "played", at?}. `at` is an ISO timestamp or epoch seconds (gateways
-- send both; internal.event_time), never later than now; absent means now. A read (or played)
-- message was delivered too. problem_code is null when the event is valid. No SET clause: the planner inlines it into the caller's (cached)
-- plan, as internal.parse_message_error; with one it was planned again on every call (18 ms).
-- `scope`: the sessions the calling key may act on (null: every session); the event's session is
-- resolved within it (internal.event_session), as for error ACKs.
create or replace function internal.parse_message_status(ev jsonb, scope text[] default null)
returns table (session_id text, message_id text, delivered_at timestamptz, read_at timestamptz,
               problem_code text, problem text)
language sql stable parallel safe
as $$
  with f as (
    select jsonb_typeof(ev) as kind, ev -> 'sessionId' as sid, ev -> 'messageId' as mid, ev -> 'status' as st,
           ev -> 'at' as at_raw, at_t
    -- The time once per event (OFFSET 0 keeps the planner from copying the call into each use).
    from (select internal.event_time(ev -> 'at') as at_t offset 0) t
  ),
  checked as (
    select f.*, case
      when kind is distinct from 'object' then 'invalid_event:each event must be a JSON object'
      when jsonb_typeof(mid) is distinct from 'string' or not internal.conforms(mid #>> '{}', 'MessageId')
        then 'invalid_message_id:messageId must be ' || internal.describe_value('MessageId')
      when coalesce(jsonb_typeof(sid), 'null') not in ('string', 'null')
           or not internal.conforms(sid #>> '{}', 'SessionId')
        then 'invalid_session_id:sessionId must be ' || internal.describe_value('SessionId')
      when st is null or st #>> '{}' not in ('delivered', 'read', 'played')
        then 'invalid_progress_status:status must be "delivered", "read" or "played"'
      -- Only a time that exists: 30 February looks like one and would fail the cast (22008) of
      -- the whole batch; here it is this event's problem (internal.event_time).
      when not (at_raw is null or at_raw = 'null'::jsonb) and at_t is null
        then 'invalid_timestamp:at must be an ISO 8601 time with its zone (one that exists), or epoch seconds'
    end as problem
    from f
  ),
  timed as (
    -- The gateway's time, never in the future (clock skew); now() only when none is given.
    -- (Never before the send: the row's sent_at bounds it where it is applied.)
    select c.*, case
      when problem is not null then null
      when at_raw is null or at_raw = 'null'::jsonb then now()
      else least(at_t, now())
    end as t
    from checked c
  ),
  resolved as (
    select t.*, (internal.message_id_parts(mid #>> '{}')).message_id as message_id,
           problem is null and scope is not null as scoped
    from timed t
  ),
  attributed as (
    select r.*, case when problem is null then internal.event_session(nullif(sid #>> '{}', ''), message_id, scope) end as session
    from resolved r
  )
  select session,
         message_id,
         case when problem is null then t end,
         case when problem is null and st #>> '{}' in ('read', 'played') then t end,
         case when scoped and session is null then 'session_required' else split_part(problem, ':', 1) end,
         case when scoped and session is null
              then 'this key acts on several sessions and no message of theirs has this id: name the event''s sessionId'
              else nullif(substr(problem, strpos(problem, ':') + 1), '') end
  from attributed
$$;
revoke all on function internal.parse_message_status(jsonb, text[]) from public;
