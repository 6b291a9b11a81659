-- migrate:up

-- The ops role: operators (and Prometheus) read the backlog, the quarantine and the metrics, and
-- tend them. Created like gateway and crm (only if missing; settings only on what we create).
do $$
begin
  if not exists (select from pg_roles where rolname = 'ops') then
    create role ops nologin noinherit;
    alter role ops set statement_timeout = '30s';
  end if;
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant ops to %I', current_user);
  end if;
end
$$;
grant ops to authenticator;

alter table internal.api_keys drop constraint api_keys_role_check,
  add constraint api_keys_role_check check (role in ('gateway', 'crm', 'ops'));

-- Cancelling: rows not yet sent become cancelled (never sent later), and the totals say so.
alter table wa_data.notification_campaign_groups drop constraint notification_campaign_groups_status_check,
  add constraint notification_campaign_groups_status_check check (status in ('pending', 'sent', 'failed', 'cancelled')),
  add column cancelled_at timestamptz;
alter table wa_data.notification_campaigns
  add column cancelled_count integer not null default 0 check (cancelled_count >= 0),
  add column finished_at timestamptz,
  drop constraint notification_campaigns_totals_add_up,
  add constraint notification_campaigns_totals_add_up
    check (total_groups = pending_count + sent_count + failed_count + cancelled_count);
comment on column wa_data.notification_campaigns.finished_at is
  'When the campaign reached a final status (completed, failed, partial_failure, cancelled): retention counts from here.';

-- Unmatched ACKs an operator expired (older than anything that could still match).
alter table wa_data.message_error_inbox add column expired_at timestamptz;
drop index wa_data.message_error_inbox_unmatched_idx;
create index message_error_inbox_unmatched_idx on wa_data.message_error_inbox (message_id)
  where outcome = 'pending_match' and matched_at is null and expired_at is null;
create index message_error_inbox_received_idx on wa_data.message_error_inbox (received_at);

-- The quarantine is tended: an event is dismissed or replayed, once.
alter table wa_data.message_error_quarantine
  add column resolved_at timestamptz,
  add column resolution text check (resolution in ('dismissed', 'replayed'));
create index message_error_quarantine_received_idx on wa_data.message_error_quarantine (received_at);

-- The views grow (new columns at the end).
create or replace view api.campaigns with (security_invoker = true) as
select id, name, message, session_id, status,
       total_groups, pending_count, sent_count, failed_count, created_at, updated_at,
       delivered_count, read_count, cancelled_count, finished_at
from wa_data.notification_campaigns;

create or replace view api.campaign_groups with (security_invoker = true) as
select id, campaign_id, group_jid, group_name, session_id, status, message_id,
       error_code, error_message, sent_at, failed_at, updated_at, delivered_at, read_at, cancelled_at
from wa_data.notification_campaign_groups;

-- Operators' views (ops). Their tables grant ops SELECT with a policy each.
create view api.ack_backlog with (security_invoker = true) as
select coalesce(session_id, '') as session_id, count(*)::integer as unmatched,
       min(received_at) as oldest_received_at,
       extract(epoch from now() - min(received_at))::integer as oldest_age_seconds
from wa_data.message_error_inbox
where outcome = 'pending_match' and matched_at is null and expired_at is null
group by coalesce(session_id, '');
comment on view api.ack_backlog is
  'Error ACKs waiting for their send record, per session (empty string: ACKs without a session): how many, and the oldest.';

create view api.quarantine with (security_invoker = true) as
select id, received_at, code, reason, left(raw::text, 500) as preview, raw_bytes, resolved_at, resolution
from wa_data.message_error_quarantine;
comment on view api.quarantine is
  'Bodies and events the gateways sent that could not be recorded: code, reason, when, the first 500 characters.';

create view api.error_codes with (security_invoker = true) as
select r.campaign_id, r.session_id, r.error_code, count(*)::integer as failures, max(r.failed_at) as last_failed_at
from wa_data.notification_campaign_groups r
where r.status = 'failed'
group by r.campaign_id, r.session_id, r.error_code;
comment on view api.error_codes is 'Failures per campaign, session and error code.';

revoke all on api.ack_backlog, api.quarantine, api.error_codes from public;
grant select on api.ack_backlog, api.quarantine, api.error_codes, api.campaigns, api.sessions to ops;
grant select on wa_data.message_error_inbox, wa_data.message_error_quarantine, wa_data.notification_campaign_groups,
  wa_data.notification_campaigns, wa_data.whatsapp_sessions to ops;
create policy ops_reads_inbox on wa_data.message_error_inbox for select to ops using (true);
create policy ops_reads_quarantine on wa_data.message_error_quarantine for select to ops using (true);
create policy ops_reads_campaign_groups on wa_data.notification_campaign_groups for select to ops using (true);
create policy ops_reads_campaigns on wa_data.notification_campaigns for select to ops using (true);
create policy ops_reads_sessions on wa_data.whatsapp_sessions for select to ops using (true);

-- PostgREST 12 media type handler: a function returning this domain answers any Accept header
-- (Prometheus sends its own) with the body as is; api.metrics() sets Content-Type itself.
create domain api."*/*" as bytea;

-- Retention (docs/operations.md): how long each kind of record is kept, applied by
-- internal.prune() (pg_cron where it exists, else npm run db:prune). A DBA changes a horizon with
-- an UPDATE; no code change.
create table internal.retention_policy (
  kind        text primary key,
  keep        interval not null check (keep >= interval '1 day'),
  description text not null
);
insert into internal.retention_policy (kind, keep, description) values
  ('inbox_settled', '90 days', 'Error ACKs that were applied or found duplicate (or matched later), after they arrived.'),
  ('inbox_expired', '30 days', 'Error ACKs an operator expired, after they were expired.'),
  ('quarantine_resolved', '30 days', 'Quarantined bodies dismissed or replayed, after they were resolved.'),
  ('quarantine_unresolved', '90 days', 'Quarantined bodies nobody resolved, after they arrived.'),
  ('status_inbox', '30 days', 'Delivery progress per message id, after its last update.'),
  ('finished_campaigns', '365 days', 'Campaigns that reached a final status, with all their rows, after they finished.');
alter table internal.retention_policy enable row level security;
revoke all on internal.retention_policy from public, gateway, crm, ops;
create index notification_campaigns_finished_idx on wa_data.notification_campaigns (finished_at) where finished_at is not null;
create index message_status_inbox_updated_idx on wa_data.message_status_inbox (updated_at);

-- migrate:down
drop table internal.retention_policy;
drop view api.error_codes, api.quarantine, api.ack_backlog;
