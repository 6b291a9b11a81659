-- Each checked value is a domain over one rule of internal.value_rules(): no table repeats a
-- length or a pattern, and every column holding such a value has its domain. The one exception is
-- the session id's CHECK on each table, compiled from its rule (Citus cannot distribute by a domain
-- with a CHECK): pgTAP 08 holds it to the rule as it is now.
begin;
select plan(4);

select is(
  (select array_agg(format('%s.%s', conrelid::regclass, conname) order by 1) from pg_constraint
   where connamespace = 'wa_data'::regnamespace and contype = 'c' and conrelid <> 0
     and pg_get_constraintdef(oid) ~ '(length\(|~)'
     and conname <> (select relname from pg_class where oid = conrelid) || '_session_id_check'), -- pgTAP 08
  null, 'no data table constraint writes a length or a pattern of its own (internal: operators'' settings)');

select is(
  (select array_agg(format('%s.%s', a.attrelid::regclass, a.attname) order by 1)
   from pg_attribute a join pg_class c on c.oid = a.attrelid
   where c.relnamespace = 'wa_data'::regnamespace and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
     and a.attname in ('session_id', 'group_jid', 'message_id', 'error_code', 'error_message', 'linked_parent_jid', 'status')
     and (select typtype from pg_type where oid = a.atttypid) <> 'd'),
  null, 'every column holding a checked value has its domain');

select is(
  (select array_agg(t.typname order by 1) from pg_type t
   where t.typnamespace = 'internal'::regnamespace and t.typtype = 'd'
     and not internal.value_rules() ? replace(initcap(replace(t.typname, '_', ' ')), ' ', '')),
  null, 'every domain is named for its rule in internal.value_rules()');

select throws_ok($$select 'x@g.us'::internal.group_jid$$, '23514', null,
  'a domain refuses what its rule refuses');

select * from finish();
rollback;
