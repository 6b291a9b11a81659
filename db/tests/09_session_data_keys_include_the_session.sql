-- Schema: the keys of a session's campaigns and groups include session_id (what Citus needs to
-- enforce them per shard, docs/citus.md) with the id first (lookups by id keep their index), and
-- a campaign row refers to its campaign and its group within its own session; so do the inboxes'
-- and the lock rows' keys (message ids are unique per session). Foreign keys have no SET NULL
-- (Citus refuses it with the distribution column): the sync that removes a group lets go of it.
begin;
select plan(8);

select is(
  (select array_agg(format('%s %s', conrelid::regclass, pg_get_constraintdef(oid)) order by conrelid::regclass::text, contype, conname)
   from pg_constraint
   where conrelid in ('wa_data.notification_campaigns'::regclass, 'wa_data.whatsapp_groups'::regclass,
                      'wa_data.notification_campaign_groups'::regclass)
     and contype in ('p', 'u')),
  array['notification_campaign_groups PRIMARY KEY (id, session_id)',
        'notification_campaign_groups UNIQUE (campaign_id, group_jid, session_id)',
        'notification_campaigns PRIMARY KEY (id, session_id)',
        'whatsapp_groups PRIMARY KEY (id, session_id)',
        'whatsapp_groups UNIQUE (session_id, group_jid)'],
  'primary and unique keys include session_id, the id first');

select is(
  (select array_agg(format('%s %s', conrelid::regclass, pg_get_constraintdef(oid)) order by conrelid::regclass::text, contype, conname)
   from pg_constraint
   where conrelid in ('wa_data.message_error_inbox'::regclass, 'wa_data.message_status_inbox'::regclass,
                      'wa_data.message_id_locks'::regclass)
     and contype in ('p', 'u')),
  array['message_error_inbox PRIMARY KEY (id, session_id)',
        'message_id_locks PRIMARY KEY (session_id, message_id)',
        'message_status_inbox PRIMARY KEY (id, session_id)',
        'message_status_inbox UNIQUE (message_id, session_id)'],
  'the inboxes and the lock rows are keyed within their session');

select is((select pg_get_indexdef(indexrelid) from pg_index where indexrelid = 'wa_data.notification_campaign_groups_message_id_key'::regclass),
  'CREATE UNIQUE INDEX notification_campaign_groups_message_id_key ON wa_data.notification_campaign_groups USING btree (message_id, session_id) WHERE (message_id IS NOT NULL)',
  'a message id is unique per session (rows without one are not indexed)');

select is(
  (select array_agg(replace(pg_get_constraintdef(oid), 'wa_data.', '') order by conname) from pg_constraint
   where conrelid = 'wa_data.notification_campaign_groups'::regclass and contype = 'f'),
  array['FOREIGN KEY (campaign_id, session_id) REFERENCES notification_campaigns(id, session_id) ON DELETE CASCADE',
        'FOREIGN KEY (group_id, session_id) REFERENCES whatsapp_groups(id, session_id)'],
  'a campaign row refers to its campaign and its group by (id, session_id)');

select tests.make_campaign('wa_k1', 2) as c1 \gset
select tests.sync_n('wa_k2', 2);
select throws_ok(format($$insert into notification_campaign_groups (campaign_id, group_jid, session_id)
                         values (%s, '120363000000000009@g.us', 'wa_k2')$$, :c1),
  '23503', null, 'a campaign row cannot name a campaign of another session');
select throws_ok(format($$update notification_campaign_groups set group_id = (select id from whatsapp_groups where session_id = 'wa_k2' limit 1)
                         where campaign_id = %s$$, :c1),
  '23503', null, 'a campaign row cannot name a group of another session');

select throws_ok($$delete from whatsapp_groups where session_id = 'wa_k1'$$,
  '23503', null, 'a group its campaign rows still name cannot be deleted behind their back');
-- Both groups became community parents: the sync removes them, and their campaign rows stay.
select from api.sync_groups(jsonb_build_object('sessionId', 'wa_k1', 'groups', jsonb_build_array(
  jsonb_build_object('id', tests.jid(1), 'subject', 'p1', 'isCommunity', true),
  jsonb_build_object('id', tests.jid(2), 'subject', 'p2', 'isCommunity', true))));
select is((select count(*)::int from notification_campaign_groups where campaign_id = :c1 and group_id is null and session_id = 'wa_k1'),
  2, 'a group the sync removes keeps its campaign rows (group_id cleared, session kept)');

select * from finish();
rollback;
