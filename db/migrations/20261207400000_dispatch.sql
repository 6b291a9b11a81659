-- migrate:up

-- Dispatch (issue 35): the database hands out the sends. A gateway claims due sends of one session
-- (api.claim_sends), each with its own time slot (the session's pace), a WhatsApp message id of
-- Baileys' format and a lease; it reports them through api.record_message_sent. A restricting error
-- or too many send-time failures in a row stop a session's claims. docs/design.md, "Dispatch".

-- The session's pacing settings are checked values (configure_session), with their rules.
create or replace function internal.value_rules() returns jsonb
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
return $rules$ {
  "Jid": {
    "type": "string",
    "pattern": "\\S",
    "maxLength": 200,
    "minLength": 1,
    "description": "Any WhatsApp JID (a group, a person, a community parent)."
  },
  "GroupJid": {
    "type": "string",
    "pattern": "^[0-9]{5,32}(-[0-9]{1,20})?@g\\.us$",
    "x-describe": "a group JID (like 120363041234567890@g.us)",
    "description": "A WhatsApp group JID: 120363041234567890@g.us, or the older 5511999999999-1600000000@g.us."
  },
  "MessageId": {
    "type": "string",
    "pattern": "\\S",
    "maxLength": 300,
    "minLength": 1,
    "description": "A message key id. WAHA ids true_<jid>_<id>[_<participant>] are unwrapped to <id>."
  },
  "SessionId": {
    "type": "string",
    "pattern": "\\S",
    "maxLength": 200,
    "minLength": 1,
    "description": "The gateway's name for one WhatsApp account (Baileys session, Evolution instance, WAHA session)."
  },
  "CampaignName": {
    "type": "string",
    "pattern": "\\S",
    "maxLength": 200,
    "minLength": 1
  },
  "ErrorMessage": {
    "type": "string",
    "maxLength": 4000
  },
  "GroupSubject": {
    "type": "string",
    "maxLength": 1000
  },
  "CampaignStatus": {
    "enum": [
      "draft",
      "scheduled",
      "sending",
      "completed",
      "failed",
      "partial_failure",
      "cancelled"
    ],
    "type": "string",
    "x-final": [
      "completed",
      "failed",
      "partial_failure",
      "cancelled"
    ],
    "description": "A campaign's status: draft or scheduled until its first send result, sending while groups are pending, then final (x-final): completed, failed, partial_failure, or cancelled."
  },
  "IdempotencyKey": {
    "type": "string",
    "pattern": "^[!-~]+$",
    "maxLength": 255,
    "minLength": 1,
    "x-describe": "1 to 255 visible ASCII characters (a UUID, say)",
    "description": "The Idempotency-Key request header: any visible ASCII (a UUID, say), quoted or not."
  },
  "CampaignMessage": {
    "type": "string",
    "pattern": "\\S",
    "maxLength": 65536,
    "minLength": 1
  },
  "GatewayErrorCode": {
    "type": "integer",
    "maximum": 999999999,
    "minimum": 0,
    "description": "The gateway's error code (WhatsApp's, e.g. 420 or 463).",
    "x-string-pattern": "^[ \\t\\n\\r]*[0-9]{1,9}[ \\t\\n\\r]*$"
  },
  "CampaignRowStatus": {
    "enum": [
      "pending",
      "sent",
      "failed",
      "cancelled"
    ],
    "type": "string",
    "x-final": [
      "failed",
      "cancelled"
    ],
    "description": "One campaign target's status: pending until its send result, sent, failed (at send time or by a later error ACK), or cancelled (never sent)."
  },
  "RatePerMinute": {
    "type": "integer",
    "minimum": 1,
    "maximum": 120,
    "description": "Messages one session may send per minute (claim_sends hands out one slot every 60/rate seconds, plus jitter). At most 120: green-api asks for at least 500 ms between messages."
  },
  "JitterSeconds": {
    "type": "integer",
    "minimum": 0,
    "maximum": 3600,
    "description": "A random extra delay in [0, jitter] seconds added after each slot of a session."
  },
  "DailyCap": {
    "type": "integer",
    "minimum": 1,
    "maximum": 1000000,
    "description": "At most this many sends claimed per session per UTC calendar day."
  },
  "MaxConsecutiveFailures": {
    "type": "integer",
    "minimum": 1,
    "maximum": 1000,
    "description": "After this many send-time failures in a row a session's dispatch pauses (resume_session starts it again)."
  },
  "LeaseSeconds": {
    "type": "integer",
    "minimum": 1,
    "maximum": 86400,
    "description": "How long after its notBefore a claimed send stays the claimer's; unreported by then, it is claimable again (same messageId)."
  }
} $rules$::jsonb;

create domain internal.rate_per_minute as integer check (value between (internal.value_rules() #>> '{RatePerMinute,minimum}')::integer
  and (internal.value_rules() #>> '{RatePerMinute,maximum}')::integer);
create domain internal.jitter_seconds as integer check (value between (internal.value_rules() #>> '{JitterSeconds,minimum}')::integer
  and (internal.value_rules() #>> '{JitterSeconds,maximum}')::integer);
create domain internal.daily_cap as integer check (value between (internal.value_rules() #>> '{DailyCap,minimum}')::integer
  and (internal.value_rules() #>> '{DailyCap,maximum}')::integer);
create domain internal.max_consecutive_failures as integer check (value between (internal.value_rules() #>> '{MaxConsecutiveFailures,minimum}')::integer
  and (internal.value_rules() #>> '{MaxConsecutiveFailures,maximum}')::integer);
create domain internal.lease_seconds as integer check (value between (internal.value_rules() #>> '{LeaseSeconds,minimum}')::integer
  and (internal.value_rules() #>> '{LeaseSeconds,maximum}')::integer);

-- One row per session that dispatches: its settings and its state, apart from
-- wa_data.whatsapp_sessions so that claims (which lock this row to hand out slots) never wait for a
-- sync or an ACK flagging the session (which lock that one). Made on the first claim or setting.
create table wa_data.session_dispatch (
  session_id internal.session_id not null
    check (length(session_id) between 1 and 200 and session_id ~ '\S'),
  rate_per_minute internal.rate_per_minute not null default 6,
  jitter_seconds internal.jitter_seconds not null default 5,
  daily_cap internal.daily_cap not null default 1000,
  max_consecutive_failures internal.max_consecutive_failures not null default 5,
  lease_seconds internal.lease_seconds not null default 300,
  next_slot_at timestamptz,
  cap_day date,
  cap_day_count integer not null default 0 check (cap_day_count >= 0),
  consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
  paused_at timestamptz,
  pause_reason text,
  updated_at timestamptz not null default now(),
  primary key (session_id)
);
comment on table wa_data.session_dispatch is
  'Per session: dispatch pacing settings (configure_session) and state: the next free send slot, the day''s claim count, send-time failures in a row and the pause they caused.';
comment on column wa_data.session_dispatch.next_slot_at is 'The earliest notBefore the next claimed send may get (slots are 60/rate s apart plus jitter).';
comment on column wa_data.session_dispatch.cap_day is 'The UTC day cap_day_count counts claims for (the daily cap is per UTC calendar day).';
alter table wa_data.session_dispatch enable row level security;
revoke all on wa_data.session_dispatch from public, gateway, crm;

-- Per campaign: when it may start (schedule_campaign's at), until when it may send (rows not sent
-- by then end cancelled, reason expired) and whether the CRM paused it.
alter table wa_data.notification_campaigns
  add column scheduled_at timestamptz,
  add column send_before timestamptz,
  add column paused_at timestamptz;
comment on column wa_data.notification_campaigns.scheduled_at is 'A scheduled campaign is due from then (null: at once).';
comment on column wa_data.notification_campaigns.send_before is 'Rows not sent by then are cancelled with reason expired.';
comment on column wa_data.notification_campaigns.paused_at is 'Set by pause_campaign: no send is claimed while set.';

-- Per row: the message id the dispatcher assigned (kept beside message_id, the id the send was
-- reported with), the slot and lease of its last claim, how often it was claimed, and why it was
-- cancelled.
alter table wa_data.notification_campaign_groups
  add column dispatch_message_id internal.message_id,
  add column not_before timestamptz,
  add column lease_until timestamptz,
  add column claim_count integer not null default 0 check (claim_count >= 0),
  add column cancel_reason text check (cancel_reason in ('cancelled', 'expired'));
comment on column wa_data.notification_campaign_groups.dispatch_message_id is
  'The WhatsApp message id claim_sends assigned (Baileys'' format), fixed from the first claim; message_id is the id the send was reported with (the same for Baileys, the gateway''s own for WAHA and Evolution API).';
comment on column wa_data.notification_campaign_groups.lease_until is 'The last claim holds the row until then; unreported by then it is claimable again.';
comment on column wa_data.notification_campaign_groups.cancel_reason is 'cancelled (cancel_campaign) or expired (not sent before the campaign''s send_before).';
update wa_data.notification_campaign_groups set cancel_reason = 'cancelled' where status = 'cancelled';

create unique index notification_campaign_groups_dispatch_message_id_key
  on wa_data.notification_campaign_groups (dispatch_message_id, session_id);
-- A claim reads a campaign's pending rows in id order.
create index notification_campaign_groups_pending_idx
  on wa_data.notification_campaign_groups (session_id, campaign_id, id) where status = 'pending';
-- A claim reads its session's campaigns that may send.
create index notification_campaigns_dispatch_idx
  on wa_data.notification_campaigns (session_id, id) where status in ('scheduled', 'sending');

-- migrate:down
drop index wa_data.notification_campaigns_dispatch_idx;
drop index wa_data.notification_campaign_groups_pending_idx;
drop index wa_data.notification_campaign_groups_dispatch_message_id_key;
alter table wa_data.notification_campaign_groups
  drop column dispatch_message_id, drop column not_before, drop column lease_until, drop column claim_count,
  drop column cancel_reason;
alter table wa_data.notification_campaigns drop column scheduled_at, drop column send_before, drop column paused_at;
drop table wa_data.session_dispatch;
drop domain internal.rate_per_minute, internal.jitter_seconds, internal.daily_cap, internal.max_consecutive_failures,
  internal.lease_seconds;
