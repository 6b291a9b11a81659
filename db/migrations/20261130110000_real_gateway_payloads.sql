-- migrate:up

-- The quarantine knows where a kept body belongs (issue 22.1: a replay goes to the path its body
-- came to; a body whose kind cannot be told is never guessed at), and keeps a retried body once
-- (issue 21.10: WAHA retries every failure 15 times, Evolution every non-4xx up to 10 times):
-- the same bytes refused for the same reason at the same endpoint are one row, with how many
-- times they arrived and when last.
alter table wa_data.message_error_quarantine
  add column endpoint text check (endpoint in
    ('record_message_error', 'record_message_status', 'waha_webhook', 'evolution_webhook')),
  add column body_sha256 bytea,
  add column times_received integer not null default 1 check (times_received >= 1),
  add column last_received_at timestamptz;
comment on column wa_data.message_error_quarantine.endpoint is
  'The endpoint whose body shape raw has: where a replay posts it. Null for rows kept before this was recorded (not replayable).';
comment on column wa_data.message_error_quarantine.body_sha256 is
  'SHA-256 of endpoint, code, reason and the whole body received: an unresolved row is kept once per value.';
comment on column wa_data.message_error_quarantine.times_received is
  'How many times this body arrived and was refused for this reason (gateways retry).';
update wa_data.message_error_quarantine set last_received_at = received_at;
alter table wa_data.message_error_quarantine
  alter column last_received_at set default now(),
  alter column last_received_at set not null;
create unique index message_error_quarantine_unresolved_body_key
  on wa_data.message_error_quarantine (body_sha256) where resolved_at is null;

-- Rows kept before: the endpoint where a code could only have come from one (never a guess
-- from the body's shape).
update wa_data.message_error_quarantine set endpoint = case
    when code = 'invalid_signature' then 'waha_webhook'
    when code in ('invalid_progress_status', 'invalid_timestamp') then 'record_message_status'
    when code in ('invalid_event_type', 'invalid_error_code', 'invalid_error_message') then 'record_message_error'
  end
where endpoint is null;

-- WAHA accepts any HMAC key (its documented examples are shorter than 16 characters): the
-- backend accepts what WAHA accepts; `npm run api-key -- webhook-key` warns about short ones.
alter table internal.webhook_secrets drop constraint webhook_secrets_secret_check,
  add constraint webhook_secrets_secret_check check (secret <> '');

-- Which gateway reports for a session (the last one that posted): a campaign's progress source.
-- Evolution API posts no delivery or read receipt for group messages, so a CRM shows "not
-- reported" there rather than a delivered count that stays 0 (docs/gateway.md).
alter table wa_data.whatsapp_sessions
  add column gateway text check (gateway in ('direct', 'waha', 'evolution_api')),
  add column gateway_seen_at timestamptz;
comment on column wa_data.whatsapp_sessions.gateway is
  'The gateway that last posted events for this session: direct (our RPCs, e.g. the Baileys helpers), waha or evolution_api.';

create or replace view api.campaigns with (security_invoker = true) as
select c.id, c.name, c.message, c.session_id, c.status,
       c.total_groups, c.pending_count, c.sent_count, c.failed_count, c.created_at, c.updated_at,
       c.delivered_count, c.read_count, c.cancelled_count, c.finished_at,
       s.gateway as progress_source,
       case s.gateway when 'evolution_api' then false when 'waha' then true when 'direct' then true end as progress_reported
from wa_data.notification_campaigns c
left join wa_data.whatsapp_sessions s on s.session_id = c.session_id;
comment on view api.campaigns is
  'Campaigns with their live totals and status. progress_source: the gateway reporting for the session; progress_reported false means delivered/read are never reported there (Evolution API, group messages).';

create or replace view api.sessions with (security_invoker = true) as
select session_id, last_synced_at, group_count, restricted_at, restricted_code, gateway, gateway_seen_at
from wa_data.whatsapp_sessions;

create or replace view api.quarantine with (security_invoker = true) as
select id, received_at, code, reason, left(raw::text, 500) as preview, raw_bytes, resolved_at, resolution,
       api_key_id, endpoint, times_received, last_received_at
from wa_data.message_error_quarantine;

-- migrate:down
drop view api.quarantine;
create view api.quarantine with (security_invoker = true) as
select id, received_at, code, reason, left(raw::text, 500) as preview, raw_bytes, resolved_at, resolution, api_key_id
from wa_data.message_error_quarantine;
revoke all on api.quarantine from public;
grant select on api.quarantine to ops;
drop view api.sessions;
create view api.sessions with (security_invoker = true) as
select session_id, last_synced_at, group_count, restricted_at, restricted_code
from wa_data.whatsapp_sessions;
revoke all on api.sessions from public;
grant select on api.sessions to crm, ops;
drop view api.campaigns;
create view api.campaigns with (security_invoker = true) as
select id, name, message, session_id, status,
       total_groups, pending_count, sent_count, failed_count, created_at, updated_at,
       delivered_count, read_count, cancelled_count, finished_at
from wa_data.notification_campaigns;
revoke all on api.campaigns from public;
grant select on api.campaigns to crm, ops;
alter table wa_data.whatsapp_sessions drop column gateway, drop column gateway_seen_at;
alter table internal.webhook_secrets drop constraint webhook_secrets_secret_check,
  add constraint webhook_secrets_secret_check check (length(secret) >= 16);
drop index wa_data.message_error_quarantine_unresolved_body_key;
alter table wa_data.message_error_quarantine
  drop column endpoint, drop column body_sha256, drop column times_received, drop column last_received_at;
