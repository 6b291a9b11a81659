-- Schema: the keys of a session's campaigns and groups include session_id (what Citus needs to
-- enforce them per shard, docs/citus.md) with the id first (lookups by id keep their index), and
-- a campaign row refers to its campaign and its group within its own session. The campaign rows'
-- own primary key waits for ACKs that always carry a session (the inbox refers to it).
begin;
select plan(5);

select is(
  (select array_agg(format('%s %s', conrelid::regclass, pg_get_constraintdef(oid)) order by conrelid::regclass::text, contype, conname)
   from pg_constraint
   where conrelid in ('wa_data.notification_campaigns'::regclass, 'wa_data.whatsapp_groups'::regclass,
                      'wa_data.notification_campaign_groups'::regclass)
     and contype in ('p', 'u')),
  array['notification_campaign_groups PRIMARY KEY (id)',
        'notification_campaign_groups UNIQUE (campaign_id, group_jid, session_id)',
        'notification_campaigns PRIMARY KEY (id, session_id)',
        'whatsapp_groups PRIMARY KEY (id, session_id)',
        'whatsapp_groups UNIQUE (session_id, group_jid)'],
  'primary and unique keys include session_id, the id first (campaign rows: not yet)');

select is(
  (select array_agg(replace(pg_get_constraintdef(oid), 'wa_data.', '') order by conname) from pg_constraint
   where conrelid = 'wa_data.notification_campaign_groups'::regclass and contype = 'f'),
  array['FOREIGN KEY (campaign_id, session_id) REFERENCES notification_campaigns(id, session_id) ON DELETE CASCADE',
        'FOREIGN KEY (group_id, session_id) REFERENCES whatsapp_groups(id, session_id) ON DELETE SET NULL (group_id)'],
  'a campaign row refers to its campaign and its group by (id, session_id)');

select tests.make_campaign('wa_k1', 2) as c1 \gset
select tests.sync_n('wa_k2', 2);
select throws_ok(format($$insert into notification_campaign_groups (campaign_id, group_jid, session_id)
                         values (%s, '120363000000000009@g.us', 'wa_k2')$$, :c1),
  '23503', null, 'a campaign row cannot name a campaign of another session');
select throws_ok(format($$update notification_campaign_groups set group_id = (select id from whatsapp_groups where session_id = 'wa_k2' limit 1)
                         where campaign_id = %s$$, :c1),
  '23503', null, 'a campaign row cannot name a group of another session');

delete from whatsapp_groups where session_id = 'wa_k1';
select is((select count(*)::int from notification_campaign_groups where campaign_id = :c1 and group_id is null and session_id = 'wa_k1'),
  2, 'deleting a group keeps its campaign rows (group_id set to null, session kept)');

select * from finish();
rollback;
