-- migrate:up

-- Our tables live in a schema of their own (docs/design.md): a host project exposes public, grants
-- on what is created there by default, and may well have tables of these very names.
-- (Deployments migrated before this file said so had them in public: 20261125000800 moves them.)
create schema if not exists wa_data;

-- A WhatsApp session's groups as the gateway last reported them.
create table wa_data.whatsapp_groups (
  id                    bigint generated always as identity primary key,
  session_id            text not null check (length(session_id) between 1 and 200),
  group_jid             text not null check (group_jid ~ '^[0-9]{5,32}(-[0-9]{1,20})?@g\.us$'),
  name                  text check (length(name) <= 1000),
  participant_count     integer not null default 0 check (participant_count >= 0),
  -- Community parents are never stored (they are not sendable); the column documents the rule.
  is_community          boolean not null default false
                        constraint whatsapp_groups_no_community_parents check (not is_community),
  is_community_announce boolean not null default false,
  linked_parent_jid     text check (length(linked_parent_jid) <= 200),
  announce              boolean not null default false,
  first_seen_at         timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  -- Soft delete: campaign history keeps pointing at groups the session no longer reports.
  inactive_since        timestamptz,
  unique (session_id, group_jid)
);
comment on table wa_data.whatsapp_groups is
  'Sendable groups per WhatsApp session, kept by api.sync_groups. Never holds community parents.';

-- One row per session: when it last synced (kept here so that a no-change sync rewrites no group row).
create table wa_data.whatsapp_sessions (
  session_id     text primary key check (length(session_id) between 1 and 200),
  last_synced_at timestamptz not null,
  group_count    integer not null
);

create table wa_data.notification_campaigns (
  id            bigint generated always as identity primary key,
  name          text not null check (length(name) between 1 and 200),
  message       text not null check (length(message) between 1 and 65536),
  session_id    text not null check (length(session_id) between 1 and 200),
  status        text not null default 'draft' check (status in
                  ('draft', 'scheduled', 'cancelled', 'sending', 'completed', 'failed', 'partial_failure')),
  -- Kept by trigger tg_campaign_groups__totals; no role but the owner can write them.
  total_groups  integer not null default 0 check (total_groups >= 0),
  pending_count integer not null default 0 check (pending_count >= 0),
  sent_count    integer not null default 0 check (sent_count >= 0),
  failed_count  integer not null default 0 check (failed_count >= 0),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  constraint notification_campaigns_totals_add_up
    check (total_groups = pending_count + sent_count + failed_count)
);

create table wa_data.notification_campaign_groups (
  id            bigint generated always as identity primary key,
  campaign_id   bigint not null references wa_data.notification_campaigns (id) on delete cascade,
  -- The group may be removed later (a parent cleaned up): history keeps the snapshot below.
  group_id      bigint references wa_data.whatsapp_groups (id) on delete set null,
  group_jid     text not null,
  group_name    text,
  session_id    text not null,
  status        text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  message_id    text check (length(message_id) between 1 and 200),
  error_code    integer,
  error_message text,
  sent_at       timestamptz,
  failed_at     timestamptz,
  updated_at    timestamptz not null default now(),
  unique (campaign_id, group_jid),
  constraint notification_campaign_groups_sent_has_message_id
    check (status <> 'sent' or message_id is not null),
  constraint notification_campaign_groups_pending_has_no_message_id
    check (status <> 'pending' or message_id is null)
);
-- Error ACKs find their row by message id; a message id is unique within a session.
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id, session_id);
create index notification_campaign_groups_group_id_idx
  on wa_data.notification_campaign_groups (group_id);
create index notification_campaign_groups_failed_idx
  on wa_data.notification_campaign_groups (campaign_id) where status = 'failed';

-- Every valid error ACK the gateway sent, in arrival order. Rows are never deleted.
create table wa_data.message_error_inbox (
  id                bigint generated always as identity primary key,
  received_at       timestamptz not null default now(),
  session_id        text,
  message_id        text not null,
  group_jid         text,
  error_code        integer,
  error_message     text,
  raw               jsonb not null,
  -- What the gateway was answered: applied | duplicate | pending_match.
  outcome           text not null check (outcome in ('applied', 'duplicate', 'pending_match')),
  -- For pending_match: when and how it was matched later (applied or duplicate).
  matched_at        timestamptz,
  resolution        text check (resolution in ('applied', 'duplicate')),
  -- Deliberately no foreign key: a key-share lock on the campaign from this insert, followed by
  -- the totals trigger's update of the same campaign, deadlocks under concurrent ACKs (lock
  -- upgrade). The row's link is campaign_group_id; campaign_id is a copy for reading.
  campaign_id       bigint,
  campaign_group_id bigint references wa_data.notification_campaign_groups (id) on delete set null
);
create index message_error_inbox_unmatched_idx
  on wa_data.message_error_inbox (message_id) where outcome = 'pending_match' and matched_at is null;
create index message_error_inbox_campaign_group_idx
  on wa_data.message_error_inbox (campaign_group_id);
create index message_error_inbox_campaign_idx
  on wa_data.message_error_inbox (campaign_id);

-- Error ACKs that failed validation, kept with the reason they were refused.
create table wa_data.message_error_quarantine (
  id          bigint generated always as identity primary key,
  received_at timestamptz not null default now(),
  code        text not null,
  reason      text not null,
  raw         jsonb
);

comment on table wa_data.whatsapp_sessions is 'When each WhatsApp session last synced its groups.';
comment on table wa_data.notification_campaigns is
  'Campaigns; totals and status kept by trigger tg_campaign_groups__totals_* (never by callers).';
comment on table wa_data.notification_campaign_groups is
  'One row per campaign target, with a snapshot of the group''s JID and name, its status and error.';
comment on table wa_data.message_error_inbox is
  'Every valid error ACK received, with what the gateway was answered and how it was matched. Never deleted.';
comment on table wa_data.message_error_quarantine is 'Error ACKs refused by validation, with their code and reason.';

-- Row level security everywhere; the RPCs are SECURITY DEFINER (owner bypasses RLS), and the
-- CRM's read views run as the CRM (security_invoker), so only these policies let it read.
alter table wa_data.whatsapp_groups enable row level security;
alter table wa_data.whatsapp_sessions enable row level security;
alter table wa_data.notification_campaigns enable row level security;
alter table wa_data.notification_campaign_groups enable row level security;
alter table wa_data.message_error_inbox enable row level security;
alter table wa_data.message_error_quarantine enable row level security;

revoke all on wa_data.whatsapp_groups, wa_data.whatsapp_sessions, wa_data.notification_campaigns,
  wa_data.notification_campaign_groups, wa_data.message_error_inbox, wa_data.message_error_quarantine
  from public, gateway, crm;
grant select on wa_data.whatsapp_groups, wa_data.notification_campaigns,
  wa_data.notification_campaign_groups to crm;
create policy crm_reads_groups on wa_data.whatsapp_groups for select to crm using (true);
create policy crm_reads_campaigns on wa_data.notification_campaigns for select to crm using (true);
create policy crm_reads_campaign_groups on wa_data.notification_campaign_groups
  for select to crm using (true);

-- migrate:down
drop table wa_data.message_error_quarantine, wa_data.message_error_inbox,
  wa_data.notification_campaign_groups, wa_data.notification_campaigns,
  wa_data.whatsapp_sessions, wa_data.whatsapp_groups;
