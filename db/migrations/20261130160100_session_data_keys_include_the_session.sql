-- migrate:up

-- The keys of a session's campaigns and groups include session_id, so that Citus can enforce them
-- within one shard group (docs/citus.md); the id comes first, so lookups by id keep their index.
-- No guarantee is lost: ids come from identity sequences, and a campaign's rows are its session's
-- (create_campaign takes the session's groups). One is gained: a campaign row now refers to its
-- campaign and its group within its own session. Deleting a group still keeps its campaign rows,
-- clearing only group_id (PostgreSQL 15's SET NULL with a column list). The campaign rows' own
-- primary key and unique message id wait for ACKs that always carry a session.
alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_campaign_id_fkey,
  drop constraint notification_campaign_groups_group_id_fkey,
  drop constraint notification_campaign_groups_campaign_id_group_jid_key;

alter table wa_data.notification_campaigns
  drop constraint notification_campaigns_pkey,
  add constraint notification_campaigns_pkey primary key (id, session_id);

alter table wa_data.whatsapp_groups
  drop constraint whatsapp_groups_pkey,
  add constraint whatsapp_groups_pkey primary key (id, session_id);

alter table wa_data.notification_campaign_groups
  add constraint notification_campaign_groups_campaign_id_group_jid_key unique (campaign_id, group_jid, session_id),
  add constraint notification_campaign_groups_campaign_id_fkey foreign key (campaign_id, session_id)
    references wa_data.notification_campaigns (id, session_id) on delete cascade,
  add constraint notification_campaign_groups_group_id_fkey foreign key (group_id, session_id)
    references wa_data.whatsapp_groups (id, session_id) on delete set null (group_id);

-- migrate:down
alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_campaign_id_fkey,
  drop constraint notification_campaign_groups_group_id_fkey,
  drop constraint notification_campaign_groups_campaign_id_group_jid_key;
alter table wa_data.notification_campaigns
  drop constraint notification_campaigns_pkey,
  add constraint notification_campaigns_pkey primary key (id);
alter table wa_data.whatsapp_groups
  drop constraint whatsapp_groups_pkey,
  add constraint whatsapp_groups_pkey primary key (id);
alter table wa_data.notification_campaign_groups
  add constraint notification_campaign_groups_campaign_id_group_jid_key unique (campaign_id, group_jid),
  add constraint notification_campaign_groups_campaign_id_fkey foreign key (campaign_id)
    references wa_data.notification_campaigns (id) on delete cascade,
  add constraint notification_campaign_groups_group_id_fkey foreign key (group_id)
    references wa_data.whatsapp_groups (id) on delete set null;
