-- Ops: retention (internal.prune_step) deletes what is older than its horizon in
-- internal.retention_policy, and keeps what is exactly at it, for every kind: settled and expired
-- error ACKs, delivery progress, resolved and unresolved quarantine bodies, Idempotency-Key answers,
-- finished campaigns. A settled ACK that was matched late (its outcome still pending_match) is
-- settled too, also in a session that has no other. (Found by generated mutants: `<` read as `<=`
-- in one statement, a session left unvisited; pgTAP 53 and 61 keep only rows a day younger.)
begin;
select plan(8);

create function pg_temp.horizon(kind text) returns timestamptz language sql as $$
  select now() - keep from internal.retention_policy p where p.kind = $1
$$;

-- Error ACKs of wa_h: settled (applied) at and past the horizon, expired at and past it.
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at) values
  ('wa_h', 'S_AT', '{}', 'applied', pg_temp.horizon('inbox_settled'), null),
  ('wa_h', 'S_OLD', '{}', 'applied', pg_temp.horizon('inbox_settled') - interval '1 second', null),
  ('wa_h', 'E_AT', '{}', 'pending_match', now(), pg_temp.horizon('inbox_expired')),
  ('wa_h', 'E_OLD', '{}', 'pending_match', now(), pg_temp.horizon('inbox_expired') - interval '1 second');
-- wa_late: its one old ACK waited for its send, then was matched (the outcome stays pending_match).
insert into message_error_inbox (session_id, message_id, raw, outcome, matched_at, resolution, received_at) values
  ('wa_late', 'L_OLD', '{}', 'pending_match', now(), 'applied', pg_temp.horizon('inbox_settled') - interval '1 second');
-- Delivery progress at and past its horizon.
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_h', 'P_AT', now(), pg_temp.horizon('status_inbox'), pg_temp.horizon('status_inbox')),
  ('wa_h', 'P_OLD', now(), pg_temp.horizon('status_inbox') - interval '1 second', pg_temp.horizon('status_inbox') - interval '1 second');
-- Quarantine: resolved at and past its horizon; unresolved, last received at and past its horizon.
insert into message_error_quarantine (code, reason, raw, resolved_at, resolution, last_received_at) values
  ('q_resolved_at', 'r', '{}', pg_temp.horizon('quarantine_resolved'), 'dismissed', now()),
  ('q_resolved_old', 'r', '{}', pg_temp.horizon('quarantine_resolved') - interval '1 second', 'dismissed', now()),
  ('q_unresolved_at', 'r', '{}', null, null, pg_temp.horizon('quarantine_unresolved')),
  ('q_unresolved_old', 'r', '{}', null, null, pg_temp.horizon('quarantine_unresolved') - interval '1 second');
-- Idempotency-Key answers kept at and past their horizon.
insert into idempotency_keys (caller, key, endpoint, request_hash, response, created_at) values
  ('key:1', 'k_at', 'create_campaign', sha256('x'), '{}', pg_temp.horizon('idempotency_keys')),
  ('key:1', 'k_old', 'create_campaign', sha256('x'), '{}', pg_temp.horizon('idempotency_keys') - interval '1 second');
-- Two completed campaigns: finished at and past their horizon.
select from tests.make_campaign('wa_c', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'C_AT');
select from tests.make_campaign('wa_c', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'C_OLD');
update notification_campaigns set finished_at = pg_temp.horizon('finished_campaigns')
where id = (select min(id) from notification_campaigns where session_id = 'wa_c');
update notification_campaigns set finished_at = pg_temp.horizon('finished_campaigns') - interval '1 second'
where id = (select max(id) from notification_campaigns where session_id = 'wa_c');

select is(internal.prune_step(now(), 1000) - 'message_id_locks' - 'more',
  '{"inbox_settled": 2, "inbox_expired": 1, "status_inbox": 1, "quarantine_resolved": 1, "quarantine_unresolved": 1,
    "finished_campaigns": 1, "idempotency_keys": 1, "skippedCampaigns": []}'::jsonb,
  'one of each kind was older than its horizon (and the ACK matched late in a session of its own)');
select is((select array_agg(message_id::text order by message_id) from message_error_inbox), array['E_AT', 'S_AT'],
  'the ACKs exactly at their horizons are kept');
select is((select array_agg(message_id::text) from message_status_inbox), array['P_AT'],
  'the delivery progress exactly at its horizon is kept');
select is((select array_agg(code order by code) from message_error_quarantine), array['q_resolved_at', 'q_unresolved_at'],
  'the quarantine bodies exactly at their horizons are kept');
select is((select array_agg(key::text) from idempotency_keys), array['k_at'],
  'the Idempotency-Key answer exactly at its horizon is kept');
select is((select array_agg(m.message_id::text) from notification_campaign_groups m), array['C_AT1'],
  'the campaign finished exactly at its horizon is kept, with its row');

-- Nothing older is left: the next step deletes nothing.
select is(internal.prune_step(now(), 1000) - 'message_id_locks' - 'more' - 'skippedCampaigns',
  '{"inbox_settled": 0, "inbox_expired": 0, "status_inbox": 0, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0}'::jsonb,
  'a second step finds nothing older');
-- A second later, the rows that were at their horizons are past them.
select is(internal.prune_step(now() + interval '1 second', 1000) - 'message_id_locks' - 'more',
  '{"inbox_settled": 1, "inbox_expired": 1, "status_inbox": 1, "quarantine_resolved": 1, "quarantine_unresolved": 1,
    "finished_campaigns": 1, "idempotency_keys": 1, "skippedCampaigns": []}'::jsonb,
  'a second later each of them is past its horizon');

select * from finish();
rollback;
