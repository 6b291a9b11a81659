-- POST /rpc/record_message_sent: the CRM, or a gateway (for its sessions: dispatch, claim_sends),
-- reports send results for a campaign, in batches.
-- A send with messageId marks its row sent (or failed at once, when an error ACK for that
-- message arrived first); a send with errorCode/errorMessage marks it failed at send time.
-- Repeating a call changes nothing. A result for a row whose lease ended is recorded all the same
-- (once: a repeat is unchanged). Send-time failures in a row pause the session's dispatch at its
-- max_consecutive_failures (a send resets the count).
create or replace function api.record_message_sent(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  payload constant jsonb := $1;
  sends jsonb := payload -> 'sends';
  -- The sends, parsed once (checked, message ids in their one form by internal.message_id_parts):
  -- every statement below reads these rows, never the body again (docs/design.md, "Parse once,
  -- then decide").
  parsed internal.send_result[];
  row_ids bigint[];
  locked internal.locked_campaign_row[];
  bad_n bigint;
  bad_sample jsonb;
  campaign wa_data.notification_campaigns;
  bad record;
  counts record;
  out_of_scope jsonb;
  failures_after_send integer;
  pause_now boolean;
  last_failure record;
  -- One time for every row this call writes (and, on Citus, no now() inside CASE).
  at_now constant timestamptz := now();
begin
  perform internal.campaign_id(payload);
  if jsonb_typeof(sends) is distinct from 'array' or jsonb_array_length(sends) = 0 then
    perform internal.raise_api_error(422, 'invalid_sends', 'sends must be a non-empty array.');
  end if;
  if jsonb_array_length(sends) > internal.limit('sendsPerCall') then
    perform internal.raise_api_error(413, 'batch_too_large',
      format('At most %s sends per call; got %s.', internal.limit('sendsPerCall'), jsonb_array_length(sends)));
  end if;

  parsed := array(
    select (idx::integer, s ->> 'groupJid', m.message_id,
            case when p.problem is null then internal.error_code(s -> 'errorCode') end, s ->> 'errorMessage',
            p.problem)::internal.send_result
    from jsonb_array_elements(sends) with ordinality t(s, idx)
    cross join lateral (select case
      when jsonb_typeof(s) <> 'object' then 'is not an object'
      when jsonb_typeof(s -> 'groupJid') is distinct from 'string' or not internal.conforms(s ->> 'groupJid', 'GroupJid')
        then 'groupJid is not ' || internal.describe_value('GroupJid')
      when s ? 'messageId' and (s ? 'errorCode' or s ? 'errorMessage')
        then 'has both messageId and errorCode/errorMessage'
      when s ? 'messageId' and (jsonb_typeof(s -> 'messageId') <> 'string'
                                or not internal.conforms(s ->> 'messageId', 'MessageId'))
        then 'messageId must be ' || internal.describe_value('MessageId')
      when not s ? 'messageId' and not (s ? 'errorCode' or s ? 'errorMessage')
        then 'needs messageId (sent) or errorCode/errorMessage (failed)'
      when not internal.is_error_code(s -> 'errorCode')
        then format('errorCode must be a whole number from %s to %s',
                    internal.value_rules() #>> '{GatewayErrorCode,minimum}', internal.value_rules() #>> '{GatewayErrorCode,maximum}')
      when coalesce(jsonb_typeof(s -> 'errorMessage'), 'null') not in ('string', 'null')
           or not internal.conforms(s ->> 'errorMessage', 'ErrorMessage')
        then 'errorMessage must be ' || internal.describe_value('ErrorMessage')
      end as problem offset 0) p
    -- WAHA-style ids become the message id itself, as in error ACKs: one rule, both paths.
    cross join lateral internal.message_id_parts(case when jsonb_typeof(s) = 'object' then s ->> 'messageId' end) m
    order by idx);

  select idx - 1 as index, problem into bad
  from unnest(parsed) p
  where p.problem is not null
  order by idx limit 1;
  if found then
    perform internal.raise_api_error(422, 'invalid_sends', format('sends[%s] %s.', bad.index, bad.problem),
      jsonb_build_object('index', bad.index));
  end if;

  select key, value into bad from (
    select 'groupJid' as key, p.group_jid as value from unnest(parsed) p
    union all
    select 'messageId', p.message_id from unnest(parsed) p where p.message_id is not null
  ) k group by key, value having count(*) > 1 limit 1;
  if found then
    perform internal.raise_api_error(422, 'duplicate_' || case bad.key when 'groupJid' then 'group_jid' else 'message_id' end,
      format('%s %s appears more than once in sends.', bad.key, bad.value),
      jsonb_build_object(bad.key, bad.value));
  end if;

  campaign := internal.campaign_of(payload, lock => false);
  -- A gateway key bound to sessions reports only for theirs (docs/deployment.md, "Scoped gateway keys").
  out_of_scope := internal.refuse_out_of_scope(internal.session_scope(), array[campaign.session_id::text]);
  if out_of_scope is not null then
    perform internal.raise_api_error(403, 'session_not_allowed', out_of_scope ->> 'message', null, out_of_scope ->> 'hint');
  end if;

  -- A large call is planned with its own sizes (internal.plan_for_batch: the cached plans of a
  -- young database were built for empty tables).
  perform internal.plan_for_batch(jsonb_array_length(sends));

  -- Each send's row, found once per element (docs/design.md, "Plans that do not depend on
  -- statistics"): row_ids follows the sends' order, null where the group is not a target.
  select array_agg(c.id order by p.idx), count(*) filter (where c.id is null)
    into row_ids, bad_n
  from unnest(parsed) p
  left join lateral (select r.id from wa_data.notification_campaign_groups r
                     where r.session_id = campaign.session_id and r.campaign_id = campaign.id and r.group_jid = p.group_jid limit 1) c on true;
  if bad_n > 0 then
    -- The first 100 refused groups, wherever they are in the batch.
    bad_sample := (select jsonb_agg(u.group_jid order by u.idx)
                   from (select p.idx, p.group_jid from unnest(parsed) p where row_ids[p.idx] is null order by p.idx limit 100) u);
    perform internal.raise_api_error(422, 'unknown_campaign_groups',
      format('%s of the groups are not targets of campaign %s.', bad_n, campaign.id),
      jsonb_build_object('count', bad_n, 'groupJids', bad_sample));
  end if;

  -- Locks before any read that decides, each kind in one order (message ids, then rows by id),
  -- so that concurrent calls and ACKs serialise without deadlocks, and the statements below see
  -- what the previous holder committed: with ACKs for the same message ids (lock rows), and with
  -- another send record for the same groups (the campaign rows themselves). Row locks only: the
  -- shared lock table is not used per send, whatever the batch size.
  perform internal.lock_message_ids(campaign.session_id, array(select p.message_id from unnest(parsed) p));
  -- The rows are locked and read in one statement: one index probe per row id, in id order (the
  -- lock order), gathered in the sends' order. Every decision below reads these locked rows from
  -- memory beside the sends, zipped by position (ROWS FROM: row i of each array), never joined:
  -- a join of two in-memory arrays is the planner's to choose, and with a table's statistics
  -- beside it a nested loop over 10,000 × 10,000 ran past the statement timeout (bench section 10,
  -- "analysed").
  -- (SELECT … INTO, not `locked := …`: on Citus an assignment whose target is an array of a
  -- composite type fails on the workers, "could not determine data type of parameter"; docs/citus.md, item 33.)
  select array_agg((r.id, r.group_jid, r.status, r.message_id, r.error_code, r.error_message)::internal.locked_campaign_row
                   order by k.idx)
    into locked
  from (select x.id, x.idx from unnest(row_ids) with ordinality x(id, idx) order by x.id) k
  left join lateral (select r2.id, r2.group_jid, r2.status, r2.message_id, r2.error_code, r2.error_message
                     from wa_data.notification_campaign_groups r2
                     where r2.session_id = campaign.session_id and r2.id = k.id
                     limit 1
                     for no key update) r on true;

  -- A cancelled campaign's rows that were not sent are never sent later.
  if exists (select from unnest(locked) r where r.status = 'cancelled') then
    perform internal.raise_api_error(409, 'campaign_cancelled',
      format('Campaign %s was cancelled: its groups not sent by then are never sent.', campaign.id));
  end if;

  -- A repeat is fine; a different result for a row already settled is a conflict: another
  -- message id, sent vs failed, or another send-time error. A failure recorded by an ACK is
  -- never overwritten by a send record.
  -- (The first 100 of them are named, wherever they are in the batch.)
  select count(*) as n, jsonb_agg(jsonb_build_object('groupJid', x.group_jid, 'status', x.status, 'messageId', x.message_id)
           order by x.idx) filter (where x.nth <= 100) as sample into bad
  from (select z.idx, z.group_jid, z.row_status as status, z.row_message_id as message_id,
               row_number() over (order by z.idx) as nth
        from rows from (unnest(parsed), unnest(locked))
          z(idx, group_jid, message_id, error_code, error_message, problem,
            row_id, row_group_jid, row_status, row_message_id, row_error_code, row_error_message)
        where z.row_status <> 'pending'
          and (z.row_message_id is distinct from z.message_id
               or (z.message_id is null and (z.row_error_code is distinct from z.error_code
                                             or z.row_error_message is distinct from z.error_message)))) x;
  if bad.n > 0 then
    perform internal.raise_api_error(409, 'send_conflict',
      format('%s of the groups already have a different send result.', bad.n),
      jsonb_build_object('count', bad.n, 'rows', bad.sample));
  end if;
  -- A message id names one message: it cannot be another row's of the session (message ids are
  -- unique per session: docs/errors.md).
  select p.message_id, r.group_jid into bad
  from unnest(parsed) p
  cross join lateral (select r2.campaign_id, r2.group_jid from wa_data.notification_campaign_groups r2
                      where r2.session_id = campaign.session_id and r2.message_id = p.message_id limit 1) r
  where not (r.campaign_id = campaign.id and r.group_jid = p.group_jid)
  limit 1;
  if found then
    perform internal.raise_api_error(409, 'duplicate_message_id',
      format('Message id %s is already recorded for group %s.', bad.message_id, bad.group_jid),
      jsonb_build_object('messageId', bad.message_id, 'groupJid', bad.group_jid));
  end if;

  -- Waiting ACKs are looked up per row (lateral, by the inbox's index on message_id), never
  -- joined as a set: the payload's size is unknown to the planner (a function scan counts as 100
  -- rows), and a nested loop over a materialised set of 5,000 waiting ACKs for each of 10,000
  -- sends took 17 s. Per-row index lookups cost the same whatever the statistics say.
  with todo as (
    select s.idx, s.row_id, s.row_group_jid as group_jid, s.message_id, s.error_code, s.error_message,
           w.inbox_ids, w.ack_code, w.ack_message, p.delivered_at, p.read_at
    from rows from (unnest(parsed), unnest(locked))
      s(idx, group_jid, message_id, error_code, error_message, problem,
        row_id, row_group_jid, row_status, row_message_id, row_error_code, row_error_message)
    left join lateral (
      select array_agg(i.id order by i.id) as inbox_ids,
             (array_agg(i.error_code order by i.id))[1] as ack_code,
             (array_agg(i.error_message order by i.id))[1] as ack_message
      from wa_data.message_error_inbox i
      where s.message_id is not null and i.message_id = s.message_id
        and i.outcome = 'pending_match' and i.matched_at is null and i.expired_at is null
        and i.session_id = campaign.session_id
        and (i.group_jid is null or i.group_jid = s.row_group_jid)
    ) w on true
    -- Delivery progress that arrived before the send record.
    left join lateral (select min(p2.delivered_at) as delivered_at, min(p2.read_at) as read_at
                       from wa_data.message_status_inbox p2
                       where s.message_id is not null and p2.session_id = campaign.session_id
                         and p2.message_id = s.message_id) p on true
    where s.row_status = 'pending'
  ),
  marked as (
    update wa_data.notification_campaign_groups r
    set status = case when t.message_id is null or t.inbox_ids is not null then 'failed' else 'sent' end,
        message_id = t.message_id,
        error_code = case when t.inbox_ids is not null then t.ack_code else t.error_code end,
        error_message = case when t.inbox_ids is not null then t.ack_message else t.error_message end,
        sent_at = case when t.message_id is not null then at_now end,
        failed_at = case when t.message_id is null or t.inbox_ids is not null then at_now end,
        -- Progress that arrived first is never before the send (docs/gateway.md, "Times").
        delivered_at = case when t.message_id is not null and t.inbox_ids is null then internal.not_before(t.delivered_at, at_now) end,
        read_at = case when t.message_id is not null and t.inbox_ids is null then internal.not_before(t.read_at, at_now) end,
        -- Settled: no claim holds it any more.
        lease_until = null,
        updated_at = at_now
    from todo t
    where r.session_id = campaign.session_id and r.id = t.row_id
    returning t.idx, r.status, t.inbox_ids is not null as by_ack, r.error_code, r.group_jid
  ),
  -- The earliest waiting ACK is applied; any later ones for the same message are duplicates. The
  -- waiting ACKs are found again by message id in the index of waiting ACKs (never by their ids
  -- alone: the primary key leads with the id, so a plan cached on tiny tables read every ACK of
  -- the session for each send; pgTAP 89).
  matched as (
    update wa_data.message_error_inbox i
    set matched_at = at_now, resolution = case when i.id = t.inbox_ids[1] then 'applied' else 'duplicate' end,
        campaign_id = campaign.id, campaign_group_id = t.row_id
    from todo t
    where t.inbox_ids is not null and i.message_id = t.message_id
      and i.outcome = 'pending_match' and i.matched_at is null and i.expired_at is null
      and i.session_id = campaign.session_id and i.id = any(t.inbox_ids)
    returning 1
  )
  select count(*) filter (where status = 'sent') as sent,
         count(*) filter (where status = 'failed' and not by_ack) as failed,
         count(*) filter (where by_ack) as failed_by_ack,
         array_agg(group_jid::text order by group_jid) filter (where error_code is not null) as failed_jids,
         array_agg(error_code::integer order by group_jid) filter (where error_code is not null) as error_codes,
         max(idx) filter (where status = 'sent') as last_sent_idx,
         array_agg(idx) filter (where status = 'failed' and not by_ack) as failed_idx
    into counts
  from marked;

  -- The effects of the codes of send-time errors (and early ACKs): the account restricted, the group
  -- unsendable (wa_data.error_code_effects); no call when no code has one.
  if counts.error_codes is not null then
    if counts.error_codes && array(select e.code::integer from wa_data.error_code_effects e) then
      perform internal.apply_error_code_effects(campaign.session_id, counts.failed_jids, counts.error_codes);
    end if;
  end if;

  -- The brake on send-time failures in a row (in the order of the sends): a send resets the count,
  -- each failure after the last send adds one; at the session's max its dispatch pauses. Last, after
  -- the rows and their campaign: a claim holding this row waits for neither (docs/design.md, "Locks").
  if counts.sent + counts.failed > 0 then
    failures_after_send := cardinality(array(select i from unnest(counts.failed_idx) i where i > coalesce(counts.last_sent_idx, 0)));
    -- Only when the count changes: a report of sends after sends leaves the row alone (no lock
    -- against the session's claims).
    update wa_data.session_dispatch d
    set consecutive_failures = case when counts.last_sent_idx is null then d.consecutive_failures else 0 end + failures_after_send,
        updated_at = at_now
    where d.session_id = campaign.session_id
      and (failures_after_send > 0 or (counts.last_sent_idx is not null and d.consecutive_failures > 0))
    returning d.paused_at is null and d.consecutive_failures >= d.max_consecutive_failures into pause_now;
    if coalesce(pause_now, false) then
      select p.error_code, p.error_message into last_failure
      from unnest(parsed) p where p.message_id is null order by p.idx desc limit 1;
      update wa_data.session_dispatch d
      set paused_at = at_now,
          pause_reason = rtrim(format('%s send-time failures in a row; the last: error %s %s', d.consecutive_failures,
                                coalesce(last_failure.error_code::text, '(no code)'), coalesce(last_failure.error_message, ''))),
          updated_at = at_now
      where d.session_id = campaign.session_id;
    end if;
  end if;

  select * into campaign from wa_data.notification_campaigns where session_id = campaign.session_id and id = campaign.id;
  return jsonb_build_object(
    'campaignId', campaign.id,
    'sent', counts.sent, 'failed', counts.failed, 'failedByEarlyAck', counts.failed_by_ack,
    'unchanged', jsonb_array_length(sends) - counts.sent - counts.failed - counts.failed_by_ack,
    'campaign', jsonb_build_object('status', campaign.status, 'totalGroups', campaign.total_groups,
      'pendingCount', campaign.pending_count, 'sentCount', campaign.sent_count,
      'failedCount', campaign.failed_count));
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.record_message_sent(jsonb) from public;
grant execute on function api.record_message_sent(jsonb) to crm, gateway;
comment on function api.record_message_sent(jsonb) is
  'CRM and gateway: record send results (message ids, or send-time failures) for a campaign''s groups.';
