-- The session a gateway event acts on: the one it names; else, for a key bound to sessions, its
-- only session, or the session of the row in its scope that has the message id. Null when it names
-- none and the key is unscoped (as before scopes: matched by message id alone), or when a key bound
-- to several sessions names none and no row of them has the message id: such an event is
-- quarantined (session_required) rather than kept unattributed, so that a key never leaves state a
-- later event of another session would pick up. No SET clause: it inlines into the parsers.
create or replace function internal.event_session(given text, message_id text, scope text[]) returns text
language sql stable parallel safe
return coalesce(given,
                case when cardinality(scope) = 1 then scope[1] end,
                case when scope is not null then
                  (select r.session_id from wa_data.notification_campaign_groups r
                   where r.message_id = event_session.message_id and r.session_id = any(scope) limit 1) end);
revoke all on function internal.event_session(text, text, text[]) from public;
