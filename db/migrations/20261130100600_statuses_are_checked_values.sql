-- migrate:up

-- Statuses are checked values like the others (docs/design.md, "Checked values and limits, defined
-- once"): CampaignStatus and CampaignRowStatus are rules of internal.value_rules() (an enum, and
-- x-final: the statuses nothing leaves but a late error), the status columns take their domains,
-- and the code reads the lists from the rules (internal.final_values) instead of writing them
-- again. internal.conforms learns the enum facet. The API views that read the columns are dropped
-- here and made again by migrate (db/views).
create or replace function internal.value_rules() returns jsonb
language sql immutable parallel safe
set search_path = pg_catalog, pg_temp
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
  "CampaignStatus": {
    "type": "string",
    "enum": ["draft", "scheduled", "sending", "completed", "failed", "partial_failure", "cancelled"],
    "x-final": ["completed", "failed", "partial_failure", "cancelled"],
    "description": "A campaign's status: draft or scheduled until its first send result, sending while groups are pending, then final (x-final): completed, failed, partial_failure, or cancelled."
  },
  "CampaignRowStatus": {
    "type": "string",
    "enum": ["pending", "sent", "failed", "cancelled"],
    "x-final": ["failed", "cancelled"],
    "description": "One campaign target's status: pending until its send result, sent, failed (at send time or by a later error ACK), or cancelled (never sent)."
  },
  "IdempotencyKey": {
    "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$",
    "description": "The Idempotency-Key request header: any visible ASCII (a UUID, say), quoted or not.",
    "x-describe": "1 to 255 visible ASCII characters (a UUID, say)"
  },
  "ErrorMessage": {"type": "string", "maxLength": 4000},
  "GatewayErrorCode": {
    "type": "integer", "minimum": 0, "maximum": 999999999,
    "description": "The gateway's error code (WhatsApp's, e.g. 420 or 463).",
    "x-string-pattern": "^[ \\t\\n\\r]*[0-9]{1,9}[ \\t\\n\\r]*$"
  }
} $rules$::jsonb;

create or replace function internal.conforms(v text, rule text) returns boolean
language sql immutable parallel safe
return length(v) >= coalesce((internal.value_rules() -> rule ->> 'minLength')::integer, 0)
   and length(v) <= coalesce((internal.value_rules() -> rule ->> 'maxLength')::integer, 2147483647)
   and v ~ coalesce(internal.value_rules() -> rule ->> 'pattern', '')
   and coalesce((internal.value_rules() -> rule -> 'enum') ? v, true);

create domain internal.campaign_status as text check (internal.conforms(value, 'CampaignStatus'));
create domain internal.campaign_row_status as text check (internal.conforms(value, 'CampaignRowStatus'));

drop view if exists api.campaigns, api.campaign_groups, api.error_codes;
alter table wa_data.notification_campaigns
  drop constraint notification_campaigns_status_check,
  alter column status type internal.campaign_status;
alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_status_check,
  alter column status type internal.campaign_row_status;

-- migrate:down
select 1;
