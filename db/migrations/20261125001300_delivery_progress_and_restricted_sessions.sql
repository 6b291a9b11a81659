-- migrate:up

-- Delivery progress: when each campaign row's message was first delivered and first read
-- (docs/gateway.md, "What delivered means for a group message"), and per campaign how many rows
-- were, kept by the totals trigger like the other totals.
alter table wa_data.notification_campaign_groups
  add column delivered_at timestamptz,
  add column read_at timestamptz;
comment on column wa_data.notification_campaign_groups.delivered_at is
  'When the message first reached a device in the group (any participant); never moves later.';
comment on column wa_data.notification_campaign_groups.read_at is
  'When the message was first read (or played) in the group; never moves later.';

alter table wa_data.notification_campaigns
  add column delivered_count integer not null default 0,
  add column read_count integer not null default 0,
  add constraint notification_campaigns_progress_within_total
    check (delivered_count between 0 and total_groups and read_count between 0 and total_groups);

alter type internal.campaign_row_change add attribute delivered integer, add attribute read integer;

-- Progress reported per message id, kept whether or not its send is recorded yet (one row per
-- message: the earliest times seen), so that a send recorded later starts from it.
create table wa_data.message_status_inbox (
  message_id   internal.message_id primary key,
  session_id   internal.session_id,
  delivered_at timestamptz,
  read_at      timestamptz,
  received_at  timestamptz not null default now(),
  updated_at   timestamptz not null default now()
);
comment on table wa_data.message_status_inbox is
  'Delivery progress per message id (earliest delivered/read seen), applied to campaign rows when they are sent.';

-- Accounts WhatsApp restricted: error codes that mean the sending account itself is restricted.
-- Extendable with an INSERT (docs/gateway.md, "Restricted accounts").
create table wa_data.restricting_error_codes (
  code     internal.gateway_error_code primary key,
  meaning  text not null,
  added_at timestamptz not null default now()
);
comment on table wa_data.restricting_error_codes is
  'Gateway error codes that flag the sending session as restricted (463 to begin with).';
insert into wa_data.restricting_error_codes (code, meaning) values
  (463, 'The account is restricted from sending (Baileys 7: "Your account has been restricted").');

-- A session can be flagged before its first sync.
alter table wa_data.whatsapp_sessions
  alter column last_synced_at drop not null,
  alter column group_count set default 0,
  add column restricted_at timestamptz,
  add column restricted_code internal.gateway_error_code;

alter table wa_data.message_status_inbox enable row level security;
alter table wa_data.restricting_error_codes enable row level security;
revoke all on wa_data.message_status_inbox, wa_data.restricting_error_codes from public, gateway, crm;
grant select on wa_data.whatsapp_sessions, wa_data.restricting_error_codes to crm;
create policy crm_reads_sessions on wa_data.whatsapp_sessions for select to crm using (true);
create policy crm_reads_restricting_codes on wa_data.restricting_error_codes for select to crm using (true);

-- The views grow (new columns at the end), and a restricted session's groups are not sendable.
create or replace view api.campaigns with (security_invoker = true) as
select id, name, message, session_id, status,
       total_groups, pending_count, sent_count, failed_count, created_at, updated_at,
       delivered_count, read_count
from wa_data.notification_campaigns;

create or replace view api.campaign_groups with (security_invoker = true) as
select id, campaign_id, group_jid, group_name, session_id, status, message_id,
       error_code, error_message, sent_at, failed_at, updated_at, delivered_at, read_at
from wa_data.notification_campaign_groups;

create or replace view api.sendable_groups with (security_invoker = true) as
select g.session_id, g.group_jid, g.name, g.participant_count, g.is_community_announce,
       g.linked_parent_jid, g.announce, g.first_seen_at, g.updated_at
from wa_data.whatsapp_groups g
where g.inactive_since is null and not g.is_community
  and not exists (select from wa_data.whatsapp_sessions s
                  where s.session_id = g.session_id and s.restricted_at is not null);
comment on view api.sendable_groups is
  'Groups a campaign may target: active, never community parents, never of a restricted session.';

create view api.sessions with (security_invoker = true) as
select session_id, last_synced_at, group_count, restricted_at, restricted_code
from wa_data.whatsapp_sessions;
comment on view api.sessions is
  'WhatsApp accounts (gateway sessions): last sync, and whether WhatsApp restricted the account (restricted_at, restricted_code).';
revoke all on api.sessions from public;
grant select on api.sessions to crm;

-- Shared secrets that gateways sign their webhooks with (WAHA's HMAC key). Set by the operator
-- (docs/gateway.md); read only by the webhook functions, as their owner.
-- WAHA configures its key per session: one row per session, or '*' for every session without one.
create table internal.webhook_secrets (
  gateway    text not null check (gateway in ('waha')),
  session_id text not null default '*',
  secret     text not null check (length(secret) >= 16),
  created_at timestamptz not null default now(),
  primary key (gateway, session_id)
);
comment on table internal.webhook_secrets is 'HMAC keys of gateway webhooks (WAHA). When set, unsigned or wrongly signed bodies are refused 401.';
alter table internal.webhook_secrets enable row level security;
revoke all on internal.webhook_secrets from public, gateway, crm;

-- migrate:down
drop table internal.webhook_secrets;
drop view api.sessions;
drop table wa_data.restricting_error_codes, wa_data.message_status_inbox;
