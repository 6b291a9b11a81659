-- Ops: /ack_backlog counts the error ACKs still waiting for their send record, not those matched
-- late nor those an operator expired; and GET /rpc/metrics writes every family as the Prometheus
-- text format 0.0.4 wants it (docs: "Exposition formats"): its # HELP, then its # TYPE, then its
-- samples, each sample after the # TYPE of its own metric, with a sample of every family present;
-- and each family's samples exactly (pgTAP 52 checks that some lines are there, not the order nor
-- that no other line is): error ACKs by outcome, the backlog by synced session ((unknown) for one
-- never synced), quarantined bodies still unresolved by code, campaigns by status, restricted
-- sessions; served as text/plain 0.0.4.
begin;
select plan(9);

select from tests.sync_n('wa_bl', 1);
select from tests.make_campaign('wa_bl2', 1);
select from tests.sync_n('wa_bl3', 1);
update whatsapp_sessions set restricted_at = now(), restricted_code = 463 where session_id = 'wa_bl3';
select from tests.act_as('gateway');
select from api.record_message_error('{"events": [{"sessionId": "wa_bl", "messageId": "BL1", "errorCode": 420},
  {"sessionId": "wa_bl", "messageId": "BL2", "errorCode": 420}, {"sessionId": "wa_bl", "messageId": "BL3", "errorCode": 420}]}');
select from api.record_message_error('{"sessionId": "wa_never_synced_bl", "messageId": "BL4", "errorCode": 420}');
-- Two refused bodies, quarantined: one resolved since.
select from api.record_message_error('{"sessionId": "wa_bl", "messageId": 7}');
select from api.record_message_error('{"sessionId": "wa_bl", "messageId": "BL5", "errorCode": "x"}');
select from tests.act_as_admin();
update message_error_quarantine set resolved_at = now(), resolution = 'dismissed' where code <> 'invalid_message_id';
create temp table statuses as
  select array_agg(format('wa_campaigns{status="%s"} %s', st, case st when 'draft' then 1 else 0 end) order by st) as lines
  from jsonb_array_elements_text(internal.value_rules() -> 'CampaignStatus' -> 'enum') st;
grant select on statuses to public;
select is((select array_agg(code::text order by code) from message_error_quarantine), array['invalid_error_code', 'invalid_message_id'],
  '(two quarantined bodies, by code)');
update message_error_inbox set matched_at = now(), resolution = 'applied' where message_id = 'BL2';
update message_error_inbox set expired_at = now() where message_id = 'BL3';
-- One ACK long in the inbox that nobody quarantined or resolved.
select from tests.act_as('ops');
select is((select (session_id, unmatched)::text from api.ack_backlog where session_id = 'wa_bl'), '(wa_bl,1)',
  'the backlog counts the one ACK still waiting: not the one matched late, not the expired one');

create temp table m as select l, n from unnest(string_to_array(rtrim(convert_from(api.metrics()::bytea, 'UTF8'), E'\n'), E'\n'))
  with ordinality x(l, n);
select ok(exists (select from m where l like 'wa_ack_backlog{session="wa_bl"} 1'), 'the metrics have the backlog sample');
select ok(exists (select from m where l like 'wa_ack_backlog_oldest_seconds{session="wa_bl"} %'), '… and its age sample');
select ok(current_setting('response.headers', true) like '%text/plain; version=0.0.4%', 'served as the text format 0.0.4');
select is((select array_agg(l order by n) from m where l not like '#%'),
  array['wa_error_acks{outcome="applied"} 0', 'wa_error_acks{outcome="duplicate"} 0', 'wa_error_acks{outcome="expired"} 1',
        'wa_error_acks{outcome="pending_match"} 3',
        'wa_ack_backlog{session="(unknown)"} 1', 'wa_ack_backlog{session="wa_bl"} 1']
  || (select array_agg(l order by l) from m where l like 'wa_ack_backlog_oldest_seconds{%')
  || array['wa_quarantine_unresolved{code="invalid_message_id"} 1']
  || (select lines from statuses)
  || array['wa_restricted_sessions 1'],
  'every sample, exactly: ACKs by outcome (matched late still pending_match), the backlog by session, the one unresolved body, campaigns by status, one restricted session');
select is((select count(*)::int from m where l like 'wa_ack_backlog_oldest_seconds{%'), 2, '… and an age per backlog session');
-- Each sample: the last # TYPE line before it names its metric.
select is((select array_agg(s.l order by s.n) from m s
           where s.l not like '#%'
             and split_part(split_part(s.l, '{', 1), ' ', 1) is distinct from
                 (select split_part(t.l, ' ', 3) from m t where t.l like '# TYPE %' and t.n < s.n order by t.n desc limit 1)),
  null, 'every sample follows the # TYPE of its own metric');
-- Each # TYPE: right after the # HELP of the same metric.
select is((select array_agg(t.l order by t.n) from m t
           where t.l like '# TYPE %'
             and (select split_part(h.l, ' ', 3) from m h where h.n = t.n - 1 and h.l like '# HELP %') is distinct from split_part(t.l, ' ', 3)),
  null, 'every # TYPE comes right after the # HELP of its metric');

select * from finish();
rollback;
