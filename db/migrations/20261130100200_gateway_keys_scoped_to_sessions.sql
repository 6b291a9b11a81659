-- migrate:up

-- A gateway key may be bound to the WhatsApp sessions of its gateway server (one VPS runs some
-- sessions): it then acts only on those (internal.session_scope). Null: unscoped, every session
-- (one gateway, or a trusted one). Only gateway keys act on sessions.
alter table internal.api_keys
  add column sessions internal.session_id[],
  add constraint api_keys_sessions_check
    check (sessions is null or (role = 'gateway' and cardinality(sessions) between 1 and 1000));
comment on column internal.api_keys.sessions is
  'The sessions a gateway key may act on (npm run api-key -- create|scope --sessions ...); null: every session.';

-- Delivery progress is kept per message id *and session*: a key bound to sessions reports only
-- for its own, and its times never merge into what another session's gateway reports for the same
-- id (before, one row per message id merged everyone's earliest times). Progress that names no
-- session (an unscoped key) applies to the row whatever its session, as before.
alter table wa_data.message_status_inbox drop constraint message_status_inbox_pkey,
  add column id bigint generated always as identity primary key;
create unique index message_status_inbox_message_session_key
  on wa_data.message_status_inbox (message_id, coalesce(session_id, ''));

-- Audit: which key made each stored event, campaign, sync and restriction flag (null: a JWT, or
-- an operator in SQL). No foreign key: keys are never deleted (revoked only), and a key-share lock
-- per event on the hot path would buy nothing.
alter table wa_data.message_error_inbox add column api_key_id bigint;
alter table wa_data.message_status_inbox add column api_key_id bigint;
alter table wa_data.message_error_quarantine add column api_key_id bigint;
alter table wa_data.notification_campaigns add column api_key_id bigint;
alter table wa_data.whatsapp_sessions add column last_synced_by bigint, add column restricted_by bigint;
comment on column wa_data.message_error_inbox.api_key_id is 'The API key that posted this ACK (internal.api_keys.id).';
comment on column wa_data.message_status_inbox.api_key_id is 'The API key that first reported progress for this message.';
comment on column wa_data.message_error_quarantine.api_key_id is 'The API key that posted this body.';
comment on column wa_data.notification_campaigns.api_key_id is 'The API key that created the campaign.';
comment on column wa_data.whatsapp_sessions.last_synced_by is 'The API key of the last sync.';
comment on column wa_data.whatsapp_sessions.restricted_by is 'The API key whose event flagged the session restricted.';
-- What a key did, found by key (docs/operations.md, "A leaked key").
create index message_error_inbox_api_key_idx on wa_data.message_error_inbox (api_key_id) where api_key_id is not null;
create index message_error_quarantine_api_key_idx on wa_data.message_error_quarantine (api_key_id) where api_key_id is not null;

-- The ops views show the key.
create or replace view api.quarantine with (security_invoker = true) as
select id, received_at, code, reason, left(raw::text, 500) as preview, raw_bytes, resolved_at, resolution, api_key_id
from wa_data.message_error_quarantine;

-- Per key, what it did: the one place an operator looks after revoking a leaked key. Reads the
-- keys' public columns (never the hashes).
grant select (id, key_prefix, role, label, sessions, created_at, revoked_at) on internal.api_keys to ops;
create policy ops_reads_keys on internal.api_keys for select to ops using (true);
grant select on wa_data.message_status_inbox to ops;
create policy ops_reads_status_inbox on wa_data.message_status_inbox for select to ops using (true);
create view api.key_activity with (security_invoker = true) as
select k.id as api_key_id, k.label, k.role, k.key_prefix, k.sessions, k.created_at, k.revoked_at,
       coalesce(i.n, 0) as error_acks, coalesce(s.n, 0) as progress_messages, coalesce(q.n, 0) as quarantined,
       coalesce(c.n, 0) as campaigns, greatest(i.last, s.last, q.last, c.last) as last_seen_at
from internal.api_keys k
left join lateral (select count(*)::integer as n, max(received_at) as last from wa_data.message_error_inbox x where x.api_key_id = k.id) i on true
left join lateral (select count(*)::integer as n, max(updated_at) as last from wa_data.message_status_inbox x where x.api_key_id = k.id) s on true
left join lateral (select count(*)::integer as n, max(received_at) as last from wa_data.message_error_quarantine x where x.api_key_id = k.id) q on true
left join lateral (select count(*)::integer as n, max(created_at) as last from wa_data.notification_campaigns x where x.api_key_id = k.id) c on true;
comment on view api.key_activity is
  'Per API key: its sessions (null: all), state, and what it did (error ACKs, progress, quarantined bodies, campaigns, last seen).';
revoke all on api.key_activity from public;
grant select on api.key_activity to ops;

-- migrate:down
drop view api.key_activity;
drop policy ops_reads_status_inbox on wa_data.message_status_inbox;
drop index wa_data.message_status_inbox_message_session_key;
alter table wa_data.message_status_inbox drop column id, add primary key (message_id);
revoke select on wa_data.message_status_inbox from ops;
drop policy ops_reads_keys on internal.api_keys;
revoke select on internal.api_keys from ops;
drop view api.quarantine;
create view api.quarantine with (security_invoker = true) as
select id, received_at, code, reason, left(raw::text, 500) as preview, raw_bytes, resolved_at, resolution
from wa_data.message_error_quarantine;
revoke all on api.quarantine from public;
grant select on api.quarantine to ops;
alter table wa_data.whatsapp_sessions drop column last_synced_by, drop column restricted_by;
alter table wa_data.notification_campaigns drop column api_key_id;
alter table wa_data.message_error_quarantine drop column api_key_id;
alter table wa_data.message_status_inbox drop column api_key_id;
alter table wa_data.message_error_inbox drop column api_key_id;
alter table internal.api_keys drop constraint api_keys_sessions_check, drop column sessions;
