-- POST /rpc/claim_sends (gateway): {"sessionId", "max"?}. Hands the calling gateway up to max due
-- sends of the session, each with its own slot (notBefore: the gateway waits until then), a
-- WhatsApp message id fixed for the row from its first claim, and a lease (leaseUntil: unreported
-- by then, the row is claimable again, with the same id). Answers when to ask again (nextAt) and
-- why nothing is handed out when the session is held (restricted, paused, daily cap).
-- Slots come from the session's next free slot, under the lock of its wa_data.session_dispatch row:
-- consecutive slots are 60/rate s plus a jitter in [0, jitter] apart, whatever the number of
-- gateway processes (docs/design.md, "Dispatch"). Rows are taken FOR NO KEY UPDATE SKIP LOCKED:
-- two claims never get the same row, and a claim never waits for a row.
create or replace function api.claim_sends(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
-- Every statement here reads by an index of the session (the pending rows' partial index, the
-- dispatchable campaigns' one, primary keys): with statistics of a young install (tiny tables) the
-- generic plan would otherwise scan the session's rows in primary-key order for each claim, and keep
-- doing so in PostgREST's connections once the tables are large (docs/design.md, "Plans that do not
-- depend on statistics"). Checked with EXPLAIN of each statement on an unanalysed table.
set enable_seqscan = off
as $$
declare
  payload constant jsonb := $1;
  session text := payload ->> 'sessionId';
  wanted integer := 10;
  -- One time for the call.
  at_now constant timestamptz := now();
  today constant date := (at_now at time zone 'UTC')::date;
  ahead constant interval := make_interval(secs => internal.limit('claimAheadSeconds'));
  out_of_scope jsonb;
  dispatch wa_data.session_dispatch;
  restriction record;
  held jsonb;
  room integer;
  base timestamptz;
  spacing double precision;
  due_campaign bigint;
  expired bigint[];
  ids bigint[] := '{}'::bigint[];
  slots timestamptz[];
  fresh_ids text[];
  leases timestamptz[];
  next_slot timestamptz;
  sends jsonb := '[]'::jsonb;
  claimed integer := 0;
  next_at timestamptz;
begin
  if jsonb_typeof(payload) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"sessionId": "...", "max": 10}.');
  end if;
  if jsonb_typeof(payload -> 'sessionId') is distinct from 'string' or not internal.conforms(session, 'SessionId') then
    perform internal.raise_api_error(422, 'invalid_session_id',
      format('sessionId must be %s.', internal.describe_value('SessionId')));
  end if;
  if coalesce(jsonb_typeof(payload -> 'max'), 'null') <> 'null' then
    if jsonb_typeof(payload -> 'max') <> 'number' or (payload ->> 'max')::numeric <> trunc((payload ->> 'max')::numeric)
       or (payload ->> 'max')::numeric not between 1 and internal.limit('claimsPerCall') then
      perform internal.raise_api_error(422, 'invalid_max',
        format('max, when given, must be a whole number from 1 to %s.', internal.limit('claimsPerCall')));
    end if;
    wanted := (payload ->> 'max')::integer;
  end if;
  -- A key bound to sessions claims only theirs (docs/deployment.md, "Scoped gateway keys").
  out_of_scope := internal.refuse_out_of_scope(internal.session_scope(), array[session]);
  if out_of_scope is not null then
    perform internal.raise_api_error(403, 'session_not_allowed', out_of_scope ->> 'message', null, out_of_scope ->> 'hint');
  end if;

  -- Rows past their campaign's send_before and held by no live lease end cancelled (expired).
  -- Before the session's dispatch lock: this locks rows, then (the totals trigger) their campaign,
  -- as every path does; once holding the dispatch row, a claim waits for nothing (docs/design.md,
  -- "Locks").
  expired := array(
    select x.id from wa_data.notification_campaigns c
    -- Per campaign, by the pending rows' index (lateral: never a join the planner may turn around).
    cross join lateral (
      select r2.id from wa_data.notification_campaign_groups r2
      where r2.session_id = session and r2.campaign_id = c.id and r2.status = 'pending'
        and (r2.lease_until is null or r2.lease_until <= at_now)
      for no key update skip locked) x
    where c.session_id = session and c.status in ('scheduled', 'sending') and c.send_before <= at_now
    -- Bounded work per claim (a send record's size): a larger backlog is expired by the next claims.
    limit internal.limit('sendsPerCall'));
  if cardinality(expired) > 0 then
    -- Picked by an array variable (docs/design.md, "Plans that do not depend on statistics").
    update wa_data.notification_campaign_groups r
    set status = 'cancelled', cancel_reason = 'expired', cancelled_at = at_now, lease_until = null, updated_at = at_now
    where r.session_id = session and r.id = any(expired);
  end if;

  -- The session's dispatch row, locked: one claim at a time hands out the session's slots.
  select * into dispatch from wa_data.session_dispatch d where d.session_id = session for no key update;
  if not found then
    -- A session never synced has nothing to send (and gets no row).
    if not exists (select from wa_data.whatsapp_sessions s where s.session_id = session) then
      return jsonb_build_object('sends', '[]'::jsonb, 'nextAt', null, 'held', null);
    end if;
    insert into wa_data.session_dispatch (session_id) values (session) on conflict do nothing;
    select * into dispatch from wa_data.session_dispatch d where d.session_id = session for no key update;
  end if;

  select s.restricted_at, s.restricted_code into restriction from wa_data.whatsapp_sessions s where s.session_id = session;
  room := dispatch.daily_cap - case when dispatch.cap_day = today then dispatch.cap_day_count else 0 end;
  if restriction.restricted_at is not null then
    held := jsonb_build_object('reason', 'session_restricted',
      'message', format('WhatsApp restricted session %s (error %s): no send is claimed until the CRM clears it (clear_session_restriction).',
                        session, restriction.restricted_code),
      'since', restriction.restricted_at);
  elsif dispatch.paused_at is not null then
    held := jsonb_build_object('reason', 'session_paused',
      'message', format('Dispatch of session %s is paused (%s): resume_session starts it again.', session, dispatch.pause_reason),
      'since', dispatch.paused_at);
  elsif room <= 0 then
    held := jsonb_build_object('reason', 'daily_cap_reached',
      'message', format('Session %s reached its daily cap of %s sends (per UTC day): claims start again at 00:00 UTC.',
                        session, dispatch.daily_cap),
      'since', null);
    next_at := (today + 1)::timestamp at time zone 'UTC';
  end if;
  if held is not null then
    return jsonb_build_object('sends', '[]'::jsonb, 'nextAt', next_at, 'held', held);
  end if;

  -- How many slots start within the next claimAheadSeconds: no more are handed out now.
  base := greatest(coalesce(dispatch.next_slot_at, at_now), at_now);
  spacing := 60.0 / dispatch.rate_per_minute;
  if base < at_now + ahead then
    wanted := least(wanted, room, ceil(extract(epoch from at_now + ahead - base) / spacing)::integer);

    -- Due campaigns, oldest first; each one's rows in creation order.
    for due_campaign in
      select c.id from wa_data.notification_campaigns c
      where c.session_id = session and c.status in ('scheduled', 'sending') and c.paused_at is null
        and (c.scheduled_at is null or c.scheduled_at <= at_now) and (c.send_before is null or c.send_before > at_now)
      order by c.id
    loop
      ids := ids || array(
        select r.id from wa_data.notification_campaign_groups r
        where r.session_id = session and r.campaign_id = due_campaign and r.status = 'pending'
          and (r.lease_until is null or r.lease_until <= at_now)
        -- The partial index's order (campaign fixed): never the primary key's.
        order by r.campaign_id, r.id
        limit wanted - cardinality(ids)
        for no key update skip locked);
      exit when cardinality(ids) >= wanted;
    end loop;

    -- Slot k starts after the gaps of the slots before it; a jitter may push the last ones past
    -- the claim horizon: those stay for the next claim. Each slot's lease end, and a fresh message
    -- id per slot (used by the rows that have none yet), are made here, not in the UPDATE below:
    -- Citus refuses a volatile function, and a stable one (timestamptz + interval) over a column,
    -- in an UPDATE of a distributed table (docs/citus.md, item 31).
    select array_agg(g.id order by g.k), array_agg(base + make_interval(secs => g.upto - g.gap) order by g.k),
           max(base + make_interval(secs => g.upto)), array_agg(internal.new_message_id() order by g.k),
           array_agg(base + make_interval(secs => g.upto - g.gap + dispatch.lease_seconds) order by g.k)
      into ids, slots, next_slot, fresh_ids, leases
    from (select p.id, p.k, p.gap, sum(p.gap) over (order by p.k) as upto
          from (select u.id, u.k, spacing + random() * dispatch.jitter_seconds as gap
                from unnest(ids) with ordinality u(id, k)) p) g
    where g.k = 1 or base + make_interval(secs => g.upto - g.gap) < at_now + ahead;

    if ids is not null then
      with claimed_rows as (
        update wa_data.notification_campaign_groups r
        set dispatch_message_id = coalesce(r.dispatch_message_id, t.fresh_id),
            not_before = t.slot,
            lease_until = t.lease_until,
            claim_count = r.claim_count + 1,
            updated_at = at_now
        from unnest(ids, slots, leases, fresh_ids) with ordinality t(id, slot, lease_until, fresh_id, k)
        where r.session_id = session and r.id = t.id
        returning t.k, r.campaign_id, r.group_jid, r.dispatch_message_id, r.not_before, r.lease_until
      )
      select coalesce(jsonb_agg(jsonb_build_object('campaignId', x.campaign_id, 'groupJid', x.group_jid, 'text', c.message,
                                                   'messageId', x.dispatch_message_id, 'notBefore', x.not_before,
                                                   'leaseUntil', x.lease_until) order by x.k), '[]'), count(*)
        into sends, claimed
      from claimed_rows x
      cross join lateral (select c2.message from wa_data.notification_campaigns c2
                          where c2.session_id = session and c2.id = x.campaign_id limit 1) c;

      update wa_data.session_dispatch d
      set next_slot_at = next_slot,
          cap_day_count = case when d.cap_day = today then d.cap_day_count else 0 end + claimed,
          cap_day = today,
          updated_at = at_now
      where d.session_id = session;
      base := next_slot;
      room := room - claimed;
    end if;
  end if;

  -- When to ask again: when the next slot comes within reach, if a due row is free now; else when
  -- the first lease ends or the next scheduled campaign is due; null when nothing is left at all.
  if exists (select from wa_data.notification_campaigns c
             cross join lateral (select from wa_data.notification_campaign_groups r
                                 where r.session_id = session and r.campaign_id = c.id and r.status = 'pending'
                                   and (r.lease_until is null or r.lease_until <= at_now) limit 1) r
             where c.session_id = session and c.status in ('scheduled', 'sending') and c.paused_at is null
               and (c.scheduled_at is null or c.scheduled_at <= at_now) and (c.send_before is null or c.send_before > at_now)) then
    next_at := case when room <= 0 then (today + 1)::timestamp at time zone 'UTC' else greatest(at_now, base - ahead) end;
  else
    -- Every pending row of the due campaigns is leased (as many as are in flight).
    select min(r.lease_until) into next_at
    from wa_data.notification_campaigns c
    cross join lateral (select min(r2.lease_until) as lease_until from wa_data.notification_campaign_groups r2
                        where r2.session_id = session and r2.campaign_id = c.id and r2.status = 'pending') r
    where c.session_id = session and c.status in ('scheduled', 'sending') and c.paused_at is null
      and (c.scheduled_at is null or c.scheduled_at <= at_now) and (c.send_before is null or c.send_before > at_now);
  end if;
  next_at := least(next_at, (select min(c.scheduled_at) from wa_data.notification_campaigns c
                             where c.session_id = session and c.status = 'scheduled' and c.paused_at is null
                               and c.scheduled_at > at_now and c.pending_count > 0));
  return jsonb_build_object('sends', sends, 'nextAt', next_at, 'held', null);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.claim_sends(jsonb) from public;
grant execute on function api.claim_sends(jsonb) to gateway;
comment on function api.claim_sends(jsonb) is
  'Gateway: claim due sends of a session, each with its notBefore slot (the session''s pace), its messageId and a lease; report them with record_message_sent.';
