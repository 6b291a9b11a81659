-- Ops: /ack_backlog counts the error ACKs still waiting for their send record, not those matched
-- late nor those an operator expired; and GET /rpc/metrics writes every family as the Prometheus
-- text format 0.0.4 wants it (docs: "Exposition formats"): its # HELP, then its # TYPE, then its
-- samples, each sample after the # TYPE of its own metric, with a backlog sample among them.
-- pgTAP 52 checks the values, not the order of the lines.
begin;
select plan(5);

select from tests.sync_n('wa_bl', 1);
select from tests.act_as('gateway');
select from api.record_message_error('{"events": [{"sessionId": "wa_bl", "messageId": "BL1", "errorCode": 420},
  {"sessionId": "wa_bl", "messageId": "BL2", "errorCode": 420}, {"sessionId": "wa_bl", "messageId": "BL3", "errorCode": 420}]}');
select from tests.act_as_admin();
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
