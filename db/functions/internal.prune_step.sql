-- One bounded step of retention (internal.retention_policy as of `at`): at most `batch` rows of
-- each kind, and finished campaigns until about `batch` of their rows. Traffic goes first: rows in
-- use are skipped (SKIP LOCKED), and a campaign whose locks a gateway or the CRM holds for longer
-- than lock_timeout is skipped and named in "skippedCampaigns" (internal.prune retries it); the
-- campaigns in `skip` are not tried again in this pass. Returns what was deleted per kind, and
-- "more" when a kind may have more to delete.
--
-- Locks in the one order every path follows (docs/design.md, "Locks"): a campaign's message-id
-- lock rows, its rows, then the campaign. So an ACK or a progress event for one of its messages
-- either comes first (and the campaign waits for the next step) or comes after, finds no row and
-- is kept like any ACK for an unknown message. Lock rows go with what they guard: with the
-- campaign rows that had their message ids, and with the inbox entries of messages no campaign
-- row has. (A lock row is only a mutex: one deleted is made again by the next caller.)
create or replace function internal.prune_step(at timestamptz, batch integer, skip bigint[] default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
set lock_timeout = '200ms'
as $$
declare
  n jsonb := '{}'::jsonb;
  c bigint;
  locks bigint := 0;
  ids text[];
  gone text[];
  more boolean := false;
  skipped bigint[] := '{}'::bigint[];
  budget bigint := batch;
  -- What each kind may still delete in this step (at most `batch` rows of each kind).
  left_settled bigint := batch;
  left_expired bigint := batch;
  left_status bigint := batch;
  left_keys bigint := batch;
  s text;
  k record;
  horizon constant jsonb := (select jsonb_object_agg(p.kind, at - p.keep) from internal.retention_policy p);
  settled_before constant timestamptz := (horizon ->> 'inbox_settled')::timestamptz;
  expired_before constant timestamptz := (horizon ->> 'inbox_expired')::timestamptz;
  status_before constant timestamptz := (horizon ->> 'status_inbox')::timestamptz;
  finished_before constant timestamptz := (horizon ->> 'finished_campaigns')::timestamptz;
  keys_before constant timestamptz := (horizon ->> 'idempotency_keys')::timestamptz;
begin
  -- The inboxes one session at a time (each statement names its session: one shard group on
  -- Citus), only the sessions that have rows old enough (found by the time indexes).
  for s in
    select x.session_id from wa_data.message_error_inbox x
    where x.received_at < settled_before and (x.outcome in ('applied', 'duplicate') or x.matched_at is not null)
    union
    select x.session_id from wa_data.message_error_inbox x where x.expired_at < expired_before
    union
    select x.session_id from wa_data.message_status_inbox x where x.updated_at < status_before
    order by 1
  loop
    ids := '{}';
    with d as (
      delete from wa_data.message_error_inbox i
      where i.session_id = s and i.id = any(array(
        select x.id from wa_data.message_error_inbox x
        where x.session_id = s and x.received_at < settled_before
          and (x.outcome in ('applied', 'duplicate') or x.matched_at is not null)
        limit left_settled for update skip locked))
      returning i.message_id)
    select count(*), coalesce(array_agg(message_id), '{}') into c, gone from d;
    left_settled := left_settled - c; ids := ids || gone;

    with d as (
      delete from wa_data.message_error_inbox i
      where i.session_id = s and i.id = any(array(
        select x.id from wa_data.message_error_inbox x
        where x.session_id = s and x.expired_at < expired_before
        limit left_expired for update skip locked))
      returning i.message_id)
    select count(*), coalesce(array_agg(message_id), '{}') into c, gone from d;
    left_expired := left_expired - c; ids := ids || gone;

    with d as (
      delete from wa_data.message_status_inbox i
      where i.session_id = s and i.id = any(array(
        select x.id from wa_data.message_status_inbox x
        where x.session_id = s and x.updated_at < status_before
        limit left_status for update skip locked))
      returning i.message_id)
    select count(*), coalesce(array_agg(message_id), '{}') into c, gone from d;
    left_status := left_status - c; ids := ids || gone;

    -- Lock rows of the inbox entries just deleted, unless a campaign row has that message id.
    delete from wa_data.message_id_locks l
    where l.session_id = s and l.message_id = any(array(
      select m.message_id from wa_data.message_id_locks m
      where m.session_id = s and m.message_id = any(ids)
        and m.message_id not in (select r.message_id from wa_data.notification_campaign_groups r
                                 where r.session_id = s and r.message_id = any(ids))
      for update skip locked));
    get diagnostics c = row_count;
    locks := locks + c;
    exit when left_settled <= 0 and left_expired <= 0 and left_status <= 0;
  end loop;
  n := n || jsonb_build_object('inbox_settled', batch - left_settled, 'inbox_expired', batch - left_expired,
                               'status_inbox', batch - left_status);
  more := more or left_settled <= 0 or left_expired <= 0 or left_status <= 0;

  delete from wa_data.message_error_quarantine q
  where q.id = any(array(
    select x.id from wa_data.message_error_quarantine x
    where x.resolved_at < (horizon ->> 'quarantine_resolved')::timestamptz
    limit batch for update skip locked));
  get diagnostics c = row_count;
  n := n || jsonb_build_object('quarantine_resolved', c); more := more or c >= batch;

  delete from wa_data.message_error_quarantine q
  where q.id = any(array(
    select x.id from wa_data.message_error_quarantine x
    where x.resolved_at is null and x.last_received_at < (horizon ->> 'quarantine_unresolved')::timestamptz
    limit batch for update skip locked));
  get diagnostics c = row_count;
  n := n || jsonb_build_object('quarantine_unresolved', c); more := more or c >= batch;

  -- Idempotency-Key answers past their horizon, one caller at a time (each statement names its
  -- caller: one shard on Citus, where the table is distributed by caller), only the callers that
  -- have keys old enough (found by the time index).
  for s in
    select distinct x.caller from wa_data.idempotency_keys x where x.created_at < keys_before order by 1
  loop
    delete from wa_data.idempotency_keys i
    where i.caller = s and i.key = any(array(
      select x.key from wa_data.idempotency_keys x
      where x.caller = s and x.created_at < keys_before
      limit left_keys for update skip locked));
    get diagnostics c = row_count;
    left_keys := left_keys - c;
    exit when left_keys <= 0;
  end loop;
  n := n || jsonb_build_object('idempotency_keys', batch - left_keys); more := more or left_keys <= 0;

  -- Finished campaigns, oldest first, each with all its rows (no total is ever left unequal to its
  -- rows), each in a subtransaction of its own.
  for k in
    select f.id, f.session_id, f.total_groups from wa_data.notification_campaigns f
    where f.finished_at < finished_before
      and f.status = any(internal.final_values('CampaignStatus'))
      and f.id <> all(skip)
    order by f.finished_at, f.id
    limit batch
  loop
    if budget <= 0 then
      more := true;
      exit;
    end if;
    begin
      ids := array(select r.message_id from wa_data.notification_campaign_groups r
                   where r.session_id = k.session_id and r.campaign_id = k.id and r.message_id is not null);
      perform internal.lock_message_ids(k.session_id, ids);
      perform from wa_data.notification_campaign_groups r
      where r.session_id = k.session_id and r.campaign_id = k.id order by r.id for update;
      -- The inbox keeps its entries of these rows (until its own retention), without the reference.
      update wa_data.message_error_inbox i set campaign_group_id = null
      where i.session_id = k.session_id and i.campaign_group_id = any(array(
        select r.id from wa_data.notification_campaign_groups r where r.session_id = k.session_id and r.campaign_id = k.id));
      -- Read again under its lock: still finished long enough ago (it may have been pruned, or a
      -- late error may have moved it between final statuses: still final).
      delete from wa_data.notification_campaigns f
      where f.session_id = k.session_id and f.id = k.id and f.finished_at < finished_before
        and f.status = any(internal.final_values('CampaignStatus'));
      if found then
        delete from wa_data.message_id_locks l where l.session_id = k.session_id and l.message_id = any(ids);
        locks := locks + cardinality(ids);
        n := n || jsonb_build_object('finished_campaigns', coalesce((n ->> 'finished_campaigns')::integer, 0) + 1);
        budget := budget - greatest(k.total_groups, 1);
      end if;
    exception when lock_not_available or deadlock_detected then
      skipped := skipped || k.id;
    end;
  end loop;
  -- A budget spent by the last campaign the loop read (at most `batch` of them) may leave more, as
  -- a kind that filled its batch above.
  more := more or budget <= 0;
  return n || jsonb_build_object('finished_campaigns', coalesce((n ->> 'finished_campaigns')::integer, 0),
                                 'message_id_locks', locks, 'skippedCampaigns', to_jsonb(skipped), 'more', more);
end
$$;
revoke all on function internal.prune_step(timestamptz, integer, bigint[]) from public;
