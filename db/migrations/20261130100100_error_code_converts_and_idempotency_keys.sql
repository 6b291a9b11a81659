-- migrate:up

-- A value the rules accept must convert. GatewayErrorCode's string form allowed any white space
-- around the digits (\s, which both PostgreSQL and JavaScript read as Unicode white space, U+2003
-- among it), while the conversion to integer trims only ASCII white space: " 463" with an em space
-- passed the check and failed the cast, refusing the whole batch. The rule now says what converts
-- (internal.error_code), ASCII space, tab and line breaks. And a new rule, IdempotencyKey, for the
-- Idempotency-Key request header (wa_data.idempotency_keys below).
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

-- What an RPC that creates something answered to a call carrying an Idempotency-Key (IETF httpapi
-- draft): the same caller repeating the key with the same body gets this answer again, instead of
-- a second campaign. Kept for the idempotency_keys retention horizon (a day by default).
create domain internal.idempotency_key as text check (internal.conforms(value, 'IdempotencyKey'));
create table wa_data.idempotency_keys (
  caller       text not null,                    -- the API key (key:<id>) or JWT subject that called
  key          internal.idempotency_key not null,
  endpoint     text not null,
  request_hash bytea not null,                   -- SHA-256 of the body as the RPC received it (jsonb)
  response     jsonb,
  created_at   timestamptz not null default now(),
  primary key (caller, key)
);
comment on table wa_data.idempotency_keys is
  'Answers of RPCs called with an Idempotency-Key, replayed to a repeat of the same call; pruned after a day.';
create index idempotency_keys_created_idx on wa_data.idempotency_keys (created_at);
alter table wa_data.idempotency_keys enable row level security;
revoke all on wa_data.idempotency_keys from public, gateway, crm, ops;
insert into internal.retention_policy (kind, keep, description) values
  ('idempotency_keys', '1 day', 'Answers kept for Idempotency-Key repeats, after the first call.');

-- migrate:down
drop table wa_data.idempotency_keys;
drop domain internal.idempotency_key;
delete from internal.retention_policy where kind = 'idempotency_keys';
select 1;
