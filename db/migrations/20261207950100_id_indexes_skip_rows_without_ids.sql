-- migrate:up

-- A campaign row has no message id until its send result, and no dispatch id unless a gateway
-- claimed it: the two unique indexes on them held an entry for every such row, written by every
-- create_campaign (10,000 rows, 20,000 entries) and again by every update of a row (each update of
-- a row's status is a new tuple, entered in every index). Partial, they index only the rows that
-- have the id: the uniqueness is the same (NULLs never collided), and every lookup names an id
-- (`message_id = …` implies it is not null, so the planner uses them as before).
-- The rebuild holds writes to the table for its duration (CHANGELOG.md, upgrade notes).
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id, session_id) where message_id is not null;
drop index wa_data.notification_campaign_groups_dispatch_message_id_key;
create unique index notification_campaign_groups_dispatch_message_id_key
  on wa_data.notification_campaign_groups (dispatch_message_id, session_id) where dispatch_message_id is not null;

-- migrate:down
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id, session_id);
drop index wa_data.notification_campaign_groups_dispatch_message_id_key;
create unique index notification_campaign_groups_dispatch_message_id_key
  on wa_data.notification_campaign_groups (dispatch_message_id, session_id);
