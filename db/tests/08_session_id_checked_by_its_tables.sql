-- Schema: the session id's rule is checked by each table that stores one, not by its domain:
-- Citus, whose distribution column is the session id, misreads a domain with a CHECK
-- (docs/citus.md). The CHECK is the SessionId rule of internal.value_rules() compiled into plain
-- SQL (20261130190000: a CHECK calling internal.conforms is prepared again by every statement);
-- this test compiles the rule as it is now and fails when a table's CHECK says something else.
begin;
select plan(4);

select is(
  (select count(*)::int from pg_constraint where contypid = 'internal.session_id'::regtype),
  0, 'the session id''s domain has no CHECK (a distribution column''s type must not)');

-- The rule as it is now, compiled the way the migration compiles it, normalised by PostgreSQL.
create temp table rule_probe (session_id text);
do $$
declare r constant jsonb := internal.value_rules() -> 'SessionId';
begin
  execute format('alter table rule_probe add constraint rule_probe_check check (length(session_id) between %s and %s and session_id ~ %L)',
                 coalesce((r ->> 'minLength')::int, 0), coalesce((r ->> 'maxLength')::int, 2147483647), coalesce(r ->> 'pattern', ''));
end $$;
select is(
  (select array_agg(format('%s.%s', a.attrelid::regclass, a.attname) order by 1)
   from pg_attribute a join pg_class c on c.oid = a.attrelid
   where c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
     and c.relnamespace = 'wa_data'::regnamespace
     and a.atttypid = 'internal.session_id'::regtype
     and not exists (select from pg_constraint k
                     where k.conrelid = a.attrelid and k.contype = 'c' and k.conkey = array[a.attnum]
                       and replace(pg_get_constraintdef(k.oid), '(' || a.attname || ')::text', a.attname) =
                           (select pg_get_constraintdef(p.oid) from pg_constraint p where p.conname = 'rule_probe_check'))),
  null, 'every table column holding a session id checks it against the SessionId rule as it is now');

select from tests.make_campaign('wa_x', 1);
select throws_ok($$insert into whatsapp_groups (session_id, group_jid) values ('   ', '120363000000000001@g.us')$$,
  '23514', null, 'a table refuses a session id its rule refuses');
select throws_ok($$update notification_campaigns set session_id = repeat('s', 500)$$,
  '23514', null, 'an update to a session id its rule refuses is refused');

select * from finish();
rollback;
