-- Privileges by actor: the gateway only calls its two RPCs; the CRM gets the CRM surface and
-- cannot write totals; anonymous gets nothing.
begin;
select plan(16);

-- gateway
select ok(has_function_privilege('gateway', 'api.sync_groups(jsonb)', 'execute'), 'gateway may sync groups');
select ok(has_function_privilege('gateway', 'api.record_message_error(jsonb)', 'execute'), 'gateway may record errors');
select ok(not has_function_privilege('gateway', 'api.create_campaign(jsonb)', 'execute'), 'gateway may not create campaigns');
select ok(has_function_privilege('gateway', 'api.record_message_sent(jsonb)', 'execute'), 'gateway may record sends (dispatch: for its sessions)');
select ok(not has_table_privilege('gateway', 'api.campaigns', 'select'), 'gateway cannot read campaigns');
select ok(not has_table_privilege('gateway', 'wa_data.notification_campaigns', 'select'), 'gateway cannot read the campaigns table');
select ok(not has_table_privilege('gateway', 'wa_data.whatsapp_groups', 'select'), 'gateway cannot read the groups table');

-- crm
select ok(not has_function_privilege('crm', 'api.sync_groups(jsonb)', 'execute'), 'crm may not sync groups');
select ok(not has_function_privilege('crm', 'api.record_message_error(jsonb)', 'execute'), 'crm may not record error ACKs');
select ok(has_function_privilege('crm', 'api.create_campaign(jsonb)', 'execute'), 'crm may create campaigns');
select ok(has_table_privilege('crm', 'api.campaign_groups', 'select'), 'crm reads campaign groups');
select ok(not has_column_privilege('crm', 'wa_data.notification_campaigns', 'sent_count', 'update'),
  'crm cannot write campaign totals');
select ok(not has_table_privilege('crm', 'internal.api_keys', 'select'), 'crm cannot read API keys');

-- anonymous
select ok(not has_function_privilege('anon', 'api.sync_groups(jsonb)', 'execute'), 'anon may not sync groups');
select ok(not has_table_privilege('anon', 'api.sendable_groups', 'select'), 'anon cannot read groups');

-- As the gateway, reading a table fails for real.
select from tests.act_as('gateway');
select throws_ok('select * from wa_data.notification_campaigns', '42501', null,
  'a gateway session is refused the campaigns table');

select * from finish();
rollback;
