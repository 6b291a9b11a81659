-- Ops: api.metrics (GET /rpc/metrics) counts what the backend holds: error ACKs by outcome
-- (expired apart from those still waiting), campaigns by status.
begin;
select plan(3);

select from tests.make_campaign('wa_m', 1);
select from tests.act_as('gateway');
select from api.record_message_error('{"sessionId": "wa_m", "messageId": "M1"}');
select from api.record_message_error('{"sessionId": "wa_m", "messageId": "M2"}');
select from tests.act_as_admin();
update message_error_inbox set expired_at = now() where message_id = 'M1';

select from tests.act_as('ops');
create temp table m as select string_to_array(convert_from(api.metrics()::bytea, 'UTF8'), E'\n') as lines;
select ok((select 'wa_error_acks{outcome="expired"} 1' = any(lines) from m), 'the expired ACK is counted as expired');
select ok((select 'wa_error_acks{outcome="pending_match"} 1' = any(lines) from m), '… and not as waiting');
select ok((select 'wa_campaigns{status="draft"} 1' = any(lines) from m), 'campaigns by status');

select * from finish();
rollback;
