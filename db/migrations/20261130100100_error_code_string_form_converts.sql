-- migrate:up

-- A value the rules accept must convert. GatewayErrorCode's string form allowed any white space
-- around the digits (\s, which both PostgreSQL and JavaScript read as Unicode white space, U+2003
-- among it), while the conversion to integer trims only ASCII white space: " 463" with an em space
-- passed the check and failed the cast, refusing the whole batch. The rule now says what converts
-- (internal.error_code), ASCII space, tab and line breaks; the rest of the rules are unchanged.
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
    "x-string-pattern": "^[ \\t\\n\\r]*[0-9]{1,9}[ \\t\\n\\r]*$"
  }
} $rules$::jsonb;

-- migrate:down
select 1;
