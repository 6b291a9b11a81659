-- Ops: a retention step (internal.prune_step) deletes exactly what internal.retention_policy and
-- its batch allow. Each kind (settled and expired error ACKs, delivery progress, resolved and
-- unresolved quarantine bodies, Idempotency-Key answers, finished campaigns) loses what is older
-- than its horizon and keeps what is exactly at it; a settled ACK matched late (its outcome still
-- pending_match) is settled too, also in a session that has no other. A step deletes at most
-- `batch` rows of each kind, even when one session or one caller has more, and says "more"
-- whenever a kind filled its batch: also finished campaigns, when it deleted `batch` of them
-- (internal.prune then runs another step; before, such a step said nothing and the rest waited for
-- the next day's run). A campaign costs the step its rows, at least one.
-- The lock rows go with what they guard: the campaign's own (counted), never a live campaign's of
-- the same session nor the same id's in another session; a pruned ACK's or progress entry's whose
-- message no row has (pgTAP 68: the locks of entries whose campaigns live).
-- (Found by generated mutants: `<` read as `<=`, a session left unvisited, a limit one higher, a
-- campaign's cost of one row, the lock rows of the whole session; pgTAP 53 and 61 keep only rows
-- a day younger, with a batch of 1000.)
begin;
select plan(32);

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
-- … whose row an error ACK was applied to.
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_c", "messageId": "C_AT1", "errorCode": 420}');
select from tests.act_as_admin();
update message_error_inbox set received_at = now() where message_id = 'C_AT1';
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
select is((select array_agg(message_id::text order by message_id) from message_error_inbox), array['C_AT1', 'E_AT', 'S_AT'],
  'the ACKs exactly at their horizons are kept');
select isnt((select campaign_group_id from message_error_inbox where message_id = 'C_AT1'), null,
  'the ACK applied to the campaign kept at its horizon still points at its row');
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

-- The batch (rows a day past their horizons).
create function pg_temp.old(kind text) returns timestamptz language sql as $$
  select now() - keep - interval '1 day' from internal.retention_policy p where p.kind = $1
$$;

-- Only campaigns: three completed long ago, one row each.
do $$ begin
  for i in 1..3 loop
    perform tests.make_campaign('wa_b', 1);
    perform tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'B' || i);
  end loop;
end $$;
update notification_campaigns set finished_at = pg_temp.old('finished_campaigns') where session_id = 'wa_b';
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'inbox_settled' - 'inbox_expired' - 'status_inbox'
            - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys',
  '{"finished_campaigns": 2, "more": true}'::jsonb,
  'a step of 2 deletes two finished campaigns of three and says there may be more');
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'inbox_settled' - 'inbox_expired' - 'status_inbox'
            - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys',
  '{"finished_campaigns": 1, "more": false}'::jsonb, '… and the next step deletes the third, with room to spare: no more');

-- Two campaigns of two rows each: a step of 2 has room for one.
do $$ begin
  for i in 1..2 loop
    perform tests.make_campaign('wa_b2', 2);
    perform tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'BB' || i || '_');
  end loop;
end $$;
update notification_campaigns set finished_at = pg_temp.old('finished_campaigns') where session_id = 'wa_b2';
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'inbox_settled' - 'inbox_expired' - 'status_inbox'
            - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys',
  '{"finished_campaigns": 1, "more": true}'::jsonb,
  'a step of 2 deletes one campaign of 2 rows, and says there is more');
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'inbox_settled' - 'inbox_expired' - 'status_inbox'
            - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys',
  '{"finished_campaigns": 1, "more": true}'::jsonb, '… then the other');

-- Two of every other kind, in one session and for one caller.
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at)
select 'wa_k', kind || i, '{}'::jsonb, o, r, e
from generate_series(1, 2) i,
  (values ('S', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
          ('E', 'pending_match', now(), pg_temp.old('inbox_expired'))) v(kind, o, r, e);
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at)
select 'wa_k', 'P' || i, now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox') from generate_series(1, 2) i;
insert into message_error_quarantine (code, reason, raw, resolved_at, resolution, last_received_at)
select 'q' || i, 'r', '{}'::jsonb, pg_temp.old('quarantine_resolved'), 'dismissed', now() from generate_series(1, 2) i
union all
select 'u' || i, 'r', '{}'::jsonb, null, null, pg_temp.old('quarantine_unresolved') from generate_series(1, 2) i;
insert into idempotency_keys (caller, key, endpoint, request_hash, response, created_at)
select 'key:1', 'k' || i, 'create_campaign', sha256('x'), '{}', pg_temp.old('idempotency_keys') from generate_series(1, 2) i;

select is(internal.prune_step(now(), 1) - 'message_id_locks' - 'skippedCampaigns',
  '{"inbox_settled": 1, "inbox_expired": 1, "status_inbox": 1, "quarantine_resolved": 1, "quarantine_unresolved": 1,
    "finished_campaigns": 0, "idempotency_keys": 1, "more": true}'::jsonb,
  'a step of 1 deletes one row of each kind, and says there may be more');
select is(internal.prune_step(now(), 1) - 'message_id_locks' - 'skippedCampaigns',
  '{"inbox_settled": 1, "inbox_expired": 1, "status_inbox": 1, "quarantine_resolved": 1, "quarantine_unresolved": 1,
    "finished_campaigns": 0, "idempotency_keys": 1, "more": true}'::jsonb,
  '… and the next step the other');
-- Idempotency keys alone fill a batch: still "more".
insert into idempotency_keys (caller, key, endpoint, request_hash, response, created_at) values
  ('key:2', 'k', 'create_campaign', sha256('x'), '{}', pg_temp.old('idempotency_keys')),
  ('key:3', 'k', 'create_campaign', sha256('x'), '{}', pg_temp.old('idempotency_keys'));
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns',
  '{"inbox_settled": 0, "inbox_expired": 0, "status_inbox": 0, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 2, "more": true}'::jsonb,
  'a step of 2 deletes the old answers of two callers, and filling its batch says "more"');

-- A kind's batch spent does not end the step for the kinds that still have room: the sessions are
-- visited in order until every inbox kind has spent its batch.
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_x1', 'X1', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox'));
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at) values
  ('wa_x2', 'X2', '{}', 'applied', pg_temp.old('inbox_settled'));
select is(internal.prune_step(now(), 1) - 'message_id_locks' - 'skippedCampaigns' - 'more',
  '{"inbox_settled": 1, "inbox_expired": 0, "status_inbox": 1, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0}'::jsonb,
  'a step of 1: the progress of the first session, then the ACK of the next');
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at)
select 'wa_y1', k || i, '{}'::jsonb, o, r, e
from generate_series(1, 2) i,
  (values ('S', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
          ('E', 'pending_match', now(), pg_temp.old('inbox_expired'))) v(k, o, r, e);
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_y1', 'Y1', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox')),
  ('wa_y2', 'Y2', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox'));
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'more',
  '{"inbox_settled": 2, "inbox_expired": 2, "status_inbox": 2, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0}'::jsonb,
  'a step of 2: the settled and expired ACKs fill theirs in the first session, the progress of both sessions');
-- The settled, then the expired, with one left after the first session: the next session's too.
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at)
select s, m, '{}'::jsonb, o, r, e from (values
  ('wa_z1', 'ZS1', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
  ('wa_z1', 'ZE1', 'pending_match', now(), pg_temp.old('inbox_expired')),
  ('wa_z1', 'ZE2', 'pending_match', now(), pg_temp.old('inbox_expired')),
  ('wa_z2', 'ZS2', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
  ('wa_z3', 'ZS3', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
  ('wa_z3', 'ZS4', 'applied', pg_temp.old('inbox_settled'), null::timestamptz),
  ('wa_z3', 'ZE3', 'pending_match', now(), pg_temp.old('inbox_expired')),
  ('wa_z4', 'ZE4', 'pending_match', now(), pg_temp.old('inbox_expired'))) v(s, m, o, r, e);
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at)
select s, m, now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox') from (values ('wa_z1', 'ZP1'), ('wa_z1', 'ZP2'), ('wa_z3', 'ZP3'), ('wa_z3', 'ZP4')) v(s, m);
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'more',
  '{"inbox_settled": 2, "inbox_expired": 2, "status_inbox": 2, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0}'::jsonb,
  'a step of 2: one settled ACK left after the first session, the next session''s is taken too');
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns' - 'more',
  '{"inbox_settled": 2, "inbox_expired": 2, "status_inbox": 2, "quarantine_resolved": 0, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0}'::jsonb,
  '… and one expired ACK left after its session, the next session''s');

-- Each session's own pruned ids: the lock of the same id in a later session stays with its young ACK.
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at) values
  ('wa_d1', 'DUP', '{}', 'applied', pg_temp.old('inbox_settled')),
  ('wa_d2', 'DUP', '{}', 'pending_match', now());
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_d2', 'D2P', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox'));
insert into message_id_locks (session_id, message_id) values ('wa_d1', 'DUP'), ('wa_d2', 'DUP') on conflict do nothing;
select is(internal.prune_step(now(), 1000) - 'skippedCampaigns' - 'more' - 'finished_campaigns' - 'idempotency_keys' - 'quarantine_resolved'
            - 'quarantine_unresolved' - 'inbox_expired',
  '{"inbox_settled": 1, "status_inbox": 1, "message_id_locks": 1}'::jsonb, 'one ACK and one progress entry pruned, one lock row');
select is((select array_agg(session_id || ':' || message_id) from message_id_locks where message_id = 'DUP'), array['wa_d2:DUP'],
  'the lock of the same id in the next session, whose ACK is young, is kept');

-- Each inbox kind alone filling its batch says "more".
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at) values
  ('wa_m1', 'M1', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox'));
select is(internal.prune_step(now(), 1) -> 'more', 'true'::jsonb, 'progress alone filling its batch: "more"');
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at, expired_at) values
  ('wa_m1', 'M2', '{}', 'pending_match', now(), pg_temp.old('inbox_expired'));
select is(internal.prune_step(now(), 1) -> 'more', 'true'::jsonb, 'expired ACKs alone filling their batch: "more"');
-- A campaign the step is told to skip (internal.prune's retry list) is not tried.
do $$ begin
  for i in 1..2 loop
    perform tests.make_campaign('wa_sk', 1);
    perform tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'SK' || i);
  end loop;
end $$;
update notification_campaigns set finished_at = pg_temp.old('finished_campaigns') where session_id = 'wa_sk';
create temp table sk as select min(id) as skipped from notification_campaigns where session_id = 'wa_sk';
select is(internal.prune_step(now(), 1000, array[(select skipped from sk)]) -> 'finished_campaigns',
  '1'::jsonb, 'told to skip one of two old campaigns, a step deletes the other');
select is((select array_agg(id) from notification_campaigns where session_id = 'wa_sk'), array[(select skipped from sk)],
  '… and keeps the skipped one');
select from internal.prune_step(now(), 1000);  -- not skipped, it goes

-- Each quarantine kind alone filling its batch says "more".
insert into message_error_quarantine (code, reason, raw, resolved_at, resolution, last_received_at)
select 'q' || i, 'r', '{}'::jsonb, pg_temp.old('quarantine_resolved'), 'dismissed', now() from generate_series(1, 2) i;
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns',
  '{"inbox_settled": 0, "inbox_expired": 0, "status_inbox": 0, "quarantine_resolved": 2, "quarantine_unresolved": 0,
    "finished_campaigns": 0, "idempotency_keys": 0, "more": true}'::jsonb,
  'resolved quarantine bodies filling the batch: "more"');
insert into message_error_quarantine (code, reason, raw, last_received_at)
select 'u' || i, 'r', '{}'::jsonb, pg_temp.old('quarantine_unresolved') from generate_series(1, 2) i;
select is(internal.prune_step(now(), 2) - 'message_id_locks' - 'skippedCampaigns',
  '{"inbox_settled": 0, "inbox_expired": 0, "status_inbox": 0, "quarantine_resolved": 0, "quarantine_unresolved": 2,
    "finished_campaigns": 0, "idempotency_keys": 0, "more": true}'::jsonb,
  'unresolved quarantine bodies filling the batch: "more"');

-- The message-id lock rows: a pruned campaign's own and counted, not a live campaign's of the same
-- session, nor the same id's in another session; those of a pruned ACK or progress entry whose
-- message no row has go with it.
-- wa_l: campaign A (finished long ago; messages LA1, LA2) and campaign B (sending; LB1).
select from tests.make_campaign('wa_l', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 2, 'LA');
update notification_campaigns set finished_at = now() - (select keep from internal.retention_policy where kind = 'finished_campaigns') - interval '1 day'
where id = (select max(id) from notification_campaigns);
select from tests.make_campaign('wa_l', 2);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'LB');
-- wa_m: a live campaign whose message has A's first id (ids are unique per session only).
select from tests.make_campaign('wa_m', 1);
select from tests.mark_sent((select max(id) from notification_campaigns), 1, 1, 'LA');
-- wa_g: an error ACK settled long ago whose campaign was pruned before (no row has its id).
insert into message_error_inbox (session_id, message_id, raw, outcome, received_at)
values ('wa_g', 'G1', '{}', 'applied', now() - (select keep from internal.retention_policy where kind = 'inbox_settled') - interval '1 day');
-- … and delivery progress of a message no row has, received long ago.
insert into message_status_inbox (session_id, message_id, delivered_at, received_at, updated_at)
values ('wa_g', 'G2', now(), pg_temp.old('status_inbox'), pg_temp.old('status_inbox'));
insert into message_id_locks (session_id, message_id)
select s, m from (values ('wa_l', 'LA1'), ('wa_l', 'LA2'), ('wa_l', 'LB1'), ('wa_m', 'LA1'), ('wa_g', 'G1'), ('wa_g', 'G2')) v(s, m)
on conflict do nothing;

select is(internal.prune_step(now(), 1000) - 'skippedCampaigns' - 'quarantine_resolved' - 'quarantine_unresolved' - 'idempotency_keys'
            - 'inbox_expired' - 'more',
  '{"finished_campaigns": 1, "inbox_settled": 1, "status_inbox": 1, "message_id_locks": 4}'::jsonb,
  'one campaign, one ACK and one progress entry pruned, with their four lock rows');
select is((select array_agg(session_id || ':' || message_id order by session_id, message_id) from message_id_locks
           where session_id in ('wa_l', 'wa_m', 'wa_g')),
  array['wa_l:LB1', 'wa_m:LA1'],
  'the locks of the live campaign and of the same id in another session are kept');
select is((select array_agg(message_id::text order by message_id) from notification_campaign_groups where session_id in ('wa_l', 'wa_m')),
  array['LA1', 'LB1', null], 'the live campaigns keep their rows');
select is((select count(*)::int from message_error_inbox where session_id = 'wa_g'), 0, 'the settled ACK is gone');

select * from finish();
rollback;
