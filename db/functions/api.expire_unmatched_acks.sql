-- POST /rpc/expire_unmatched_acks (ops): {"olderThanSeconds": n}. Error ACKs still waiting for
-- their send record after that long are expired: they leave the backlog and will no longer fail a
-- send recorded later. They stay in the inbox (until retention) for the record.
create or replace function api.expire_unmatched_acks(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  age integer;
  expired integer;
  cutoff timestamptz;
  l record;
begin
  if jsonb_typeof($1) is distinct from 'object' then
    perform internal.raise_api_error(400, 'invalid_body', 'The body must be a JSON object: {"olderThanSeconds": 86400}.');
  end if;
  if jsonb_typeof($1 -> 'olderThanSeconds') is distinct from 'number' or ($1 ->> 'olderThanSeconds') !~ '^[0-9]{1,9}$' then
    perform internal.raise_api_error(422, 'invalid_age', 'olderThanSeconds must be a whole number of seconds.');
  end if;
  age := ($1 ->> 'olderThanSeconds')::integer;
  cutoff := now() - make_interval(secs => age);
  -- The same lock rows as send records (per session, in order): an ACK is either matched by a
  -- concurrent send, or expired. A loop, so that each call runs here: called inside a query
  -- grouped by session, Citus pushed the call down to the shards, where its own statements are
  -- distributed queries it refuses ("cannot execute a distributed query from a query on a shard").
  for l in select i.session_id, array_agg(i.message_id) as ids from wa_data.message_error_inbox i
           where i.outcome = 'pending_match' and i.matched_at is null and i.expired_at is null and i.received_at < cutoff
           group by i.session_id order by i.session_id loop
    perform internal.lock_message_ids(l.session_id, l.ids);
  end loop;
  update wa_data.message_error_inbox i set expired_at = now()
  where i.outcome = 'pending_match' and i.matched_at is null and i.expired_at is null
    and i.received_at < cutoff;
  get diagnostics expired = row_count;
  return jsonb_build_object('expired', expired, 'olderThanSeconds', age);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.expire_unmatched_acks(jsonb) from public;
grant execute on function api.expire_unmatched_acks(jsonb) to ops;
comment on function api.expire_unmatched_acks(jsonb) is
  'Ops: expire error ACKs that waited longer than olderThanSeconds for their send record.';
