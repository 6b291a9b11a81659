-- migrate:up

-- Every checked value is defined once, here, as JSON Schema facets (type, minLength, maxLength,
-- pattern): the domains below check with them, the RPCs validate payloads with them
-- (internal.conforms), and `npm run gen:types` writes them into db/contracts/values.schema.json,
-- from which the contracts, the OpenAPI document and the client's types take them. Patterns use
-- the syntax PostgreSQL and JavaScript regular expressions share. A rule changes in a migration:
-- existing rows must satisfy the new one.
create or replace function internal.value_rules() returns jsonb
language sql immutable parallel safe
return $rules$ {
  "GroupJid": {
    "type": "string", "pattern": "^[0-9]{5,32}(-[0-9]{1,20})?@g\\.us$",
    "description": "A WhatsApp group JID: 120363041234567890@g.us, or the older 5511999999999-1600000000@g.us.",
    "x-describe": "a group JID (like 120363041234567890@g.us)"
  },
  "Jid": {
    "type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S",
    "description": "Any WhatsApp JID (a group, a person, a community parent)."
  },
  "SessionId": {
    "type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S",
    "description": "The gateway's name for one WhatsApp account (Baileys session, Evolution instance, WAHA session)."
  },
  "MessageId": {
    "type": "string", "minLength": 1, "maxLength": 300, "pattern": "\\S",
    "description": "A message key id. WAHA ids true_<jid>_<id>[_<participant>] are unwrapped to <id>."
  },
  "CampaignName": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
  "CampaignMessage": {"type": "string", "minLength": 1, "maxLength": 65536, "pattern": "\\S"},
  "GroupSubject": {"type": "string", "maxLength": 1000},
  "ErrorMessage": {"type": "string", "maxLength": 4000},
  "GatewayErrorCode": {
    "type": "integer", "minimum": 0, "maximum": 999999999,
    "description": "The gateway's error code (WhatsApp's, e.g. 420 or 463).",
    "x-string-pattern": "^\\s*[0-9]{1,9}\\s*$"
  }
} $rules$::jsonb;
revoke all on function internal.value_rules() from public;

-- Whether a text satisfies a string rule of value_rules(). With a constant rule name the planner
-- inlines this and folds the rule to constants: checking costs what a hand-written CHECK costs.
create or replace function internal.conforms(v text, rule text) returns boolean
language sql immutable parallel safe
return length(v) >= coalesce((internal.value_rules() -> rule ->> 'minLength')::integer, 0)
   and length(v) <= coalesce((internal.value_rules() -> rule ->> 'maxLength')::integer, 2147483647)
   and v ~ coalesce(internal.value_rules() -> rule ->> 'pattern', '');
revoke all on function internal.conforms(text, text) from public;

create domain internal.group_jid as text check (internal.conforms(value, 'GroupJid'));
create domain internal.jid as text check (internal.conforms(value, 'Jid'));
create domain internal.session_id as text check (internal.conforms(value, 'SessionId'));
create domain internal.message_id as text check (internal.conforms(value, 'MessageId'));
create domain internal.campaign_name as text check (internal.conforms(value, 'CampaignName'));
create domain internal.campaign_message as text check (internal.conforms(value, 'CampaignMessage'));
create domain internal.group_subject as text check (internal.conforms(value, 'GroupSubject'));
create domain internal.error_message as text check (internal.conforms(value, 'ErrorMessage'));
create domain internal.gateway_error_code as integer
  check (value between (internal.value_rules() #>> '{GatewayErrorCode,minimum}')::integer
                   and (internal.value_rules() #>> '{GatewayErrorCode,maximum}')::integer);

-- The columns take their domains (no rewrite: same storage; each row is checked once). The
-- views over them are recreated as they were: a view pins its columns' types.
drop view api.sendable_groups, api.campaign_groups, api.campaigns;

alter table wa_data.whatsapp_groups
  drop constraint whatsapp_groups_group_jid_check,
  drop constraint whatsapp_groups_linked_parent_jid_check,
  drop constraint whatsapp_groups_name_check,
  drop constraint whatsapp_groups_session_id_check,
  alter column session_id type internal.session_id,
  alter column group_jid type internal.group_jid,
  alter column name type internal.group_subject,
  alter column linked_parent_jid type internal.jid;

alter table wa_data.whatsapp_sessions
  drop constraint whatsapp_sessions_session_id_check,
  alter column session_id type internal.session_id;

alter table wa_data.notification_campaigns
  drop constraint notification_campaigns_name_check,
  drop constraint notification_campaigns_message_check,
  drop constraint notification_campaigns_session_id_check,
  alter column name type internal.campaign_name,
  alter column message type internal.campaign_message,
  alter column session_id type internal.session_id;

alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_message_id_check,
  alter column group_jid type internal.group_jid,
  alter column group_name type internal.group_subject,
  alter column session_id type internal.session_id,
  alter column message_id type internal.message_id,
  alter column error_code type internal.gateway_error_code,
  alter column error_message type internal.error_message;

alter table wa_data.message_error_inbox
  alter column session_id type internal.session_id,
  alter column message_id type internal.message_id,
  alter column group_jid type internal.jid,
  alter column error_code type internal.gateway_error_code,
  alter column error_message type internal.error_message;

alter table wa_data.message_id_locks
  alter column message_id type internal.message_id;

create view api.campaigns with (security_invoker = true) as
select id, name, message, session_id, status,
       total_groups, pending_count, sent_count, failed_count, created_at, updated_at
from wa_data.notification_campaigns;
comment on view api.campaigns is 'Campaigns with their live totals and status.';

create view api.campaign_groups with (security_invoker = true) as
select id, campaign_id, group_jid, group_name, session_id, status, message_id,
       error_code, error_message, sent_at, failed_at, updated_at
from wa_data.notification_campaign_groups;
comment on view api.campaign_groups is
  'One row per campaign target. Filter status=eq.failed for the failed groups and their errors.';

create view api.sendable_groups with (security_invoker = true) as
select session_id, group_jid, name, participant_count, is_community_announce,
       linked_parent_jid, announce, first_seen_at, updated_at
from wa_data.whatsapp_groups
where inactive_since is null and not is_community;
comment on view api.sendable_groups is
  'Groups a campaign may target: active, never community parents.';

revoke all on api.campaigns, api.campaign_groups, api.sendable_groups from public;
grant select on api.campaigns, api.campaign_groups, api.sendable_groups to crm;

-- migrate:down
-- (Not reversible in place: the domains' rules are the columns' rules now.)
select 1;
