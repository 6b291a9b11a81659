-- GET /rpc/metrics (ops): Prometheus text exposition format 0.0.4, served by the database. Gauges
-- of what the backend holds now (the inbox and quarantine are pruned, so these are not counters):
-- error ACKs by outcome, the unmatched backlog and its oldest age per session, the unresolved
-- quarantine by code, campaigns by status, restricted sessions. docs/operations.md has the scrape
-- config and the alerts. A series per session only for sessions the backend knows (synced): any
-- gateway key can name sessions, and each name would be a series; the rest (and ACKs that name no
-- session) aggregate under session="(unknown)".
create or replace function api.metrics()
returns api."*/*"
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  body text;
begin
  perform set_config('response.headers',
    '[{"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}, {"Cache-Control": "no-store"}]', true);
  with backlog as (
    select coalesce(s.session_id, '(unknown)') as session, sum(b.unmatched) as unmatched,
           max(b.oldest_age_seconds) as oldest_age_seconds
    from api.ack_backlog b
    left join wa_data.whatsapp_sessions s on s.session_id = b.session_id and s.last_synced_at is not null
    group by 1
  ),
  lines(n, line) as (
    select 1, '# HELP wa_error_acks Error ACKs held in the inbox, by outcome (pending_match: waiting for their send; expired: given up by an operator).'
    union all select 2, '# TYPE wa_error_acks gauge'
    union all
    select 3, format('wa_error_acks{outcome="%s"} %s', o, coalesce(x.n, 0))
    from unnest(array['applied', 'duplicate', 'pending_match', 'expired']) o
    left join (select case when expired_at is not null then 'expired' else outcome end as outcome, count(*) as n
               from wa_data.message_error_inbox group by 1) x on x.outcome = o
    union all select 4, '# HELP wa_ack_backlog Error ACKs waiting for their send record, per synced session ((unknown): sessions never synced, and ACKs without one).'
    union all select 5, '# TYPE wa_ack_backlog gauge'
    union all select 6, format('wa_ack_backlog{session="%s"} %s', internal.prometheus_label(session), unmatched) from backlog
    union all select 7, '# HELP wa_ack_backlog_oldest_seconds Age of the oldest error ACK waiting for its send record, per synced session ((unknown): the rest).'
    union all select 8, '# TYPE wa_ack_backlog_oldest_seconds gauge'
    union all select 9, format('wa_ack_backlog_oldest_seconds{session="%s"} %s', internal.prometheus_label(session), oldest_age_seconds)
    from backlog
    union all select 10, '# HELP wa_quarantine_unresolved Quarantined bodies and events nobody resolved yet, by code.'
    union all select 11, '# TYPE wa_quarantine_unresolved gauge'
    union all select 12, format('wa_quarantine_unresolved{code="%s"} %s', internal.prometheus_label(code), count(*))
    from wa_data.message_error_quarantine where resolved_at is null group by code
    union all select 13, '# HELP wa_campaigns Campaigns by status.'
    union all select 14, '# TYPE wa_campaigns gauge'
    union all select 15, format('wa_campaigns{status="%s"} %s', s, coalesce(x.n, 0))
    from jsonb_array_elements_text(internal.value_rules() -> 'CampaignStatus' -> 'enum') s
    left join (select status, count(*) as n from wa_data.notification_campaigns group by status) x on x.status = s
    union all select 16, '# HELP wa_restricted_sessions Sessions WhatsApp restricted (see api.sessions).'
    union all select 17, '# TYPE wa_restricted_sessions gauge'
    union all select 18, format('wa_restricted_sessions %s', count(*)) from wa_data.whatsapp_sessions where restricted_at is not null
  )
  select string_agg(line, E'\n' order by n, line) || E'\n' into body from lines;
  return convert_to(body, 'UTF8')::api."*/*";
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.metrics() from public;
grant execute on function api.metrics() to ops;
comment on function api.metrics is 'Ops: Prometheus metrics (text format 0.0.4). GET /rpc/metrics.';
