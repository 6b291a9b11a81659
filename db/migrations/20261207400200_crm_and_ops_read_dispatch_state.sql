-- migrate:up

-- api.sessions and api.campaigns (security_invoker) show the dispatch settings and state: their
-- readers read wa_data.session_dispatch, as they read wa_data.whatsapp_sessions.
grant select on wa_data.session_dispatch to crm, ops;
create policy crm_reads_session_dispatch on wa_data.session_dispatch for select to crm using (true);
create policy ops_reads_session_dispatch on wa_data.session_dispatch for select to ops using (true);

-- migrate:down
drop policy ops_reads_session_dispatch on wa_data.session_dispatch;
drop policy crm_reads_session_dispatch on wa_data.session_dispatch;
revoke select on wa_data.session_dispatch from crm, ops;
