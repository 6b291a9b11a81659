-- Schema: the session id's rule is checked by each table that stores one (a CHECK calling
-- internal.conforms), not by its domain: Citus, whose distribution column is the session id,
-- misreads a domain with a CHECK (docs/citus.md). Stored rows are held to the same rule.
begin;
select plan(4);

select is(
  (select count(*)::int from pg_constraint where contypid = 'internal.session_id'::regtype),
  0, 'the session id''s domain has no CHECK (a distribution column''s type must not)');

select is(
  (select array_agg(format('%s.%s', a.attrelid::regclass, a.attname) order by 1)
   from pg_attribute a join pg_class c on c.oid = a.attrelid
   where c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
     and a.atttypid = 'internal.session_id'::regtype
     and not exists (select from pg_constraint k
                     where k.conrelid = a.attrelid and k.contype = 'c' and k.conkey = array[a.attnum]
                       and pg_get_constraintdef(k.oid) like '%internal.conforms((' || a.attname || ')::text, ''SessionId''::text)%')),
  null, 'every table column holding a session id checks it against the SessionId rule');

select from tests.make_campaign('wa_x', 1);
select throws_ok($$insert into whatsapp_groups (session_id, group_jid) values ('   ', '120363000000000001@g.us')$$,
  '23514', null, 'a table refuses a session id its rule refuses');
select throws_ok($$update notification_campaigns set session_id = repeat('s', 500)$$,
  '23514', null, 'an update to a session id its rule refuses is refused');

select * from finish();
rollback;
