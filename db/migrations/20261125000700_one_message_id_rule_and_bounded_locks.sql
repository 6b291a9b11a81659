-- migrate:up

-- A WhatsApp message id names one message, whatever the session: ids are random per message, and
-- a gateway's error ACK may not say which session sent it. Unique on its own, an id matches at
-- most one campaign row, so an ACK changes at most one row, whether it arrives before or after
-- the send record (docs/design.md, "One message id, one row").
do $$
declare
  dup text;
begin
  select message_id into dup from wa_data.notification_campaign_groups
  where message_id is not null group by message_id having count(*) > 1 limit 1;
  if found then
    raise exception 'message id % is recorded for more than one campaign row', dup
      using hint = 'Resolve the duplicates (they cannot all be the same WhatsApp message), then migrate again.';
  end if;
end
$$;
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id);

-- One row per message id that an ACK or a send record has named. Both paths lock the rows of
-- their message ids (insert ... on conflict do update, in id order) before they read, so an ACK
-- and the send record of the same message never miss each other. Row locks live in the tuples:
-- unlike one advisory lock per id, they take no slot of the shared lock table, however large the
-- batch (docs/design.md, "Locks").
create table wa_data.message_id_locks (
  message_id text primary key
);
alter table wa_data.message_id_locks enable row level security;
revoke all on wa_data.message_id_locks from public, anon, gateway, crm;
comment on table wa_data.message_id_locks is
  'Lock rows: one per message id seen. ACKs and send records lock them before matching each other.';

-- What was kept of an ACK's raw body: known fields always, the whole body up to a limit.
alter table wa_data.message_error_inbox add column raw_bytes integer;
comment on column wa_data.message_error_inbox.raw_bytes is
  'Size of the event as received; raw holds only its known fields when it was over the limit.';
alter table wa_data.message_error_quarantine add column raw_bytes integer;

-- migrate:down
alter table wa_data.message_error_quarantine drop column raw_bytes;
alter table wa_data.message_error_inbox drop column raw_bytes;
drop table wa_data.message_id_locks;
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id, session_id);
