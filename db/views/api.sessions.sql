-- GET /sessions (crm, ops): the WhatsApp accounts, whether WhatsApp restricted one, and which
-- gateway last posted for it.
create view api.sessions
with (security_invoker = true)
as
  select session_id, last_synced_at, group_count, restricted_at, restricted_code, gateway, gateway_seen_at
  from wa_data.whatsapp_sessions;
comment on view api.sessions is
  'WhatsApp accounts (gateway sessions): last sync, and whether WhatsApp restricted the account (restricted_at, restricted_code).';
revoke all on api.sessions from public;
grant select on api.sessions to crm, ops;
