-- The session a gateway event acts on: the one it names; else, for a key bound to sessions, its
-- only session, or the session of the row in its scope that has the message id. Null when it names
-- none and the key is unscoped (as before scopes: matched by message id alone). A key bound to
-- several sessions whose event names none, when no row of them has the message id, gets the problem
-- session_required: such an event is quarantined rather than kept unattributed, so that a key never
-- leaves state a later event of another session would pick up. Read after the message-id locks
-- (internal.record_message_error, internal.record_message_status), so a send record committed
-- meanwhile is seen. No SET clause: it inlines into its callers' plans.
create or replace function internal.event_session(given text, message_id text, scope text[])
returns table (session_id text, problem_code text, problem text)
language sql stable parallel safe
as $$
  select s, case when s is null and scope is not null then 'session_required' end,
         case when s is null and scope is not null
              then 'this key acts on several sessions and no message of theirs has this id: name the event''s sessionId' end
  from (select coalesce(given,
                        case when cardinality(scope) = 1 then scope[1] end,
                        case when scope is not null then
                          (select r.session_id from wa_data.notification_campaign_groups r
                           where r.message_id = event_session.message_id and r.session_id = any(scope) limit 1) end) as s
        offset 0) x
$$;
revoke all on function internal.event_session(text, text, text[]) from public;
