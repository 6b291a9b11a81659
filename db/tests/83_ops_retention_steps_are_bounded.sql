-- Ops: one retention step (internal.prune_step) deletes at most `batch` rows of each kind, even
-- when one session or one caller has more, and says "more" whenever a kind filled its batch: also
-- finished campaigns, when the step deleted `batch` of them (internal.prune then runs another step;
-- before, such a step said nothing and the rest waited for the next day's run). A campaign costs
-- the step its rows, at least one: a step of 2 deletes one campaign of 2 rows, not two.
-- (Found by generated mutants: a limit one higher, a campaign's cost of one row.)
begin;
select plan(7);

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
select is(internal.prune_step(now(), 2) -> 'finished_campaigns', '1'::jsonb, '… and the next step deletes the third');

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

select * from finish();
rollback;
