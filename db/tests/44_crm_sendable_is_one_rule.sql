-- CRM: "sendable" is one rule (issue 34): internal.group_is_sendable (active, not a community
-- parent), the views internal.restricted_sessions and internal.unsendable_groups (marked by an error
-- code) decide what api.sendable_groups lists, what
-- internal.create_campaign accepts and what internal.retry_failed_groups picks; none of them writes
-- the rule again, and the rule inlines into their plans (no function call left per element). The
-- two set rules are views, never SQL functions: Citus cannot see a distributed table inside an
-- inlined SQL function (docs/citus.md, item 30).
begin;
select plan(11);

-- Groups of every kind: active, inactive, and a group of a restricted session (a community parent
-- cannot be stored at all: whatsapp_groups_no_community_parents; the rule refuses one anyway).
select ok(not internal.group_is_sendable(null, true), 'a community parent is never sendable');
select from tests.sync_n('wa_rule', 2);
select from tests.sync_n('wa_rule_r', 1);
update wa_data.whatsapp_groups set inactive_since = now() where session_id = 'wa_rule' and group_jid = tests.jid(2);
update wa_data.whatsapp_sessions set restricted_at = now(), restricted_code = 463 where session_id = 'wa_rule_r';

select is(
  (select array_agg(g.session_id || ':' || g.group_jid order by 1) from wa_data.whatsapp_groups g
   where g.session_id like 'wa_rule%' and internal.group_is_sendable(g.inactive_since, g.is_community)
     and not exists (select from internal.restricted_sessions r where r.session_id = g.session_id)),
  array['wa_rule:' || tests.jid(1)], 'the rule keeps the active ordinary group of an unrestricted session only');

select from tests.act_as('crm');
select is((select array_agg(session_id || ':' || group_jid) from api.sendable_groups where session_id like 'wa_rule%'),
  array['wa_rule:' || tests.jid(1)], 'api.sendable_groups lists what the rule keeps');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_rule", "groupJids": [%s, %s, %s]}')$$,
    to_jsonb(tests.jid(1)), to_jsonb(tests.jid(2)), to_jsonb(tests.jid(3)))) -> 'details' ->> 'count', '2',
  'create_campaign refuses the inactive group and the unknown one');
select is(tests.api_error(format($$select api.create_campaign('{"name": "n", "message": "m", "sessionId": "wa_rule_r", "groupJids": [%s]}')$$,
    to_jsonb(tests.jid(1)))) ->> 'code', 'session_restricted', 'and a restricted session');
select from tests.act_as_admin();

-- Written once: each place calls the rule and none spells it again.
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.oid in ('internal.create_campaign(jsonb)'::regprocedure, 'internal.retry_failed_groups(jsonb)'::regprocedure)
    and (p.prosrc not like '%internal.group_is_sendable(%' or p.prosrc !~ 'internal\.unsendable_groups\M'
         or p.prosrc ~* 'group_unsendable_marks'
         or p.prosrc ~* 'inactive_since\s+is\s+null|not\s+\w+\.is_community|restricted_at\s+is\s+not\s+null')
$$, 'create_campaign and retry_failed_groups call the rule and do not write it again');
select ok(pg_get_viewdef('api.sendable_groups'::regclass) ~ 'group_is_sendable' and pg_get_viewdef('api.sendable_groups'::regclass) ~ 'restricted_sessions'
  and pg_get_viewdef('api.sendable_groups'::regclass) ~ 'unsendable_groups'
  and pg_get_viewdef('api.sendable_groups'::regclass) !~* 'inactive_since\s+is\s+null|not\s+\w+\.is_community|restricted_at|group_unsendable_marks',
  'api.sendable_groups reads the rule');

-- Views, so that Citus sees what they read; no SQL function of ours reads a table of a session's
-- data (wa_data) by inlining (Citus plans such a caller as a local query, or refuses it).
select is_empty($$
  select p.oid::regprocedure::text from pg_proc p
  where p.pronamespace in ('api'::regnamespace, 'internal'::regnamespace)
    and p.prolang = (select l.oid from pg_language l where l.lanname = 'sql')
    and p.proconfig is null and not p.prosecdef and p.provolatile <> 'v'
    and coalesce(pg_get_function_sqlbody(p.oid), p.prosrc) ~* 'wa_data\.'
$$, 'no inlinable SQL function reads a table: the set rules are views (internal.restricted_sessions, internal.unsendable_groups)');

-- Inlined: the plans hold the rule's expressions, never a call of it.
create temp table plans (p text);
do $$
declare
  line text;
begin
  for line in explain (verbose, costs off) select * from api.sendable_groups where session_id = 'wa_rule' loop
    insert into plans values (line);
  end loop;
end
$$;
select ok((select string_agg(p, ' ') from plans) ~ 'inactive_since IS NULL', 'the view''s plan holds the rule''s expression');
select ok((select string_agg(p, ' ') from plans) !~ 'group_is_sendable|restricted_sessions|unsendable_groups', 'and no call of it (inlined)');
select ok((select string_agg(p, ' ') from plans) ~ 'group_unsendable_marks', 'the marks are read in the view''s plan (the anti-join inlined)');

select * from finish();
rollback;
