-- migrate:up

-- The session id's rule moves from its domain onto each table that stores one: the same
-- internal.conforms(…, 'SessionId') check, now a table CHECK. Citus (docs/citus.md) distributes
-- by session_id and misreads a distribution column whose type is a domain with a CHECK (lookups
-- by session find no row, single-row inserts fail, updates and deletes crash the backend). The
-- domain stays (columns keep naming their kind of value); the RPCs validate with
-- internal.conforms before they write, as before. Every stored row already satisfied the domain.
alter domain internal.session_id drop constraint session_id_check;

alter table wa_data.whatsapp_sessions
  add constraint whatsapp_sessions_session_id_check check (internal.conforms(session_id, 'SessionId'));
alter table wa_data.whatsapp_groups
  add constraint whatsapp_groups_session_id_check check (internal.conforms(session_id, 'SessionId'));
alter table wa_data.notification_campaigns
  add constraint notification_campaigns_session_id_check check (internal.conforms(session_id, 'SessionId'));
alter table wa_data.notification_campaign_groups
  add constraint notification_campaign_groups_session_id_check check (internal.conforms(session_id, 'SessionId'));
alter table wa_data.message_error_inbox
  add constraint message_error_inbox_session_id_check check (internal.conforms(session_id, 'SessionId'));
alter table wa_data.message_status_inbox
  add constraint message_status_inbox_session_id_check check (internal.conforms(session_id, 'SessionId'));

-- migrate:down
alter table wa_data.whatsapp_sessions drop constraint whatsapp_sessions_session_id_check;
alter table wa_data.whatsapp_groups drop constraint whatsapp_groups_session_id_check;
alter table wa_data.notification_campaigns drop constraint notification_campaigns_session_id_check;
alter table wa_data.notification_campaign_groups drop constraint notification_campaign_groups_session_id_check;
alter table wa_data.message_error_inbox drop constraint message_error_inbox_session_id_check;
alter table wa_data.message_status_inbox drop constraint message_status_inbox_session_id_check;
alter domain internal.session_id add constraint session_id_check check (internal.conforms(value, 'SessionId'));
