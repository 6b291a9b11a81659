-- migrate:up

-- The tables' session-id CHECKs (20261130160000) called internal.conforms(…, 'SessionId'), and
-- PostgreSQL prepares a table's CHECK expressions again for every statement that writes the
-- table: folding internal.value_rules() (a 3 KB jsonb) each time cost ~0.3 ms per UPDATE
-- statement (pgbench, one-row update of whatsapp_sessions: 0.65 ms with it, 0.34 ms without),
-- paid by every ACK (its row, its campaign, its session). A domain's CHECK is prepared once per
-- connection, but Citus cannot have one on its distribution column. So the rule is compiled into
-- each table's CHECK here, from internal.value_rules() (still the one definition: pgTAP 08 fails
-- when a compiled CHECK no longer says what the rule says, and a migration recompiles it).
do $$
declare
  r constant jsonb := internal.value_rules() -> 'SessionId';
  t text;
begin
  foreach t in array array['whatsapp_sessions', 'whatsapp_groups', 'notification_campaigns',
                           'notification_campaign_groups', 'message_error_inbox', 'message_status_inbox'] loop
    execute format('alter table wa_data.%I drop constraint %I', t, t || '_session_id_check');
    execute format('alter table wa_data.%I add constraint %I check (length(session_id) between %s and %s and session_id ~ %L)',
                   t, t || '_session_id_check', coalesce((r ->> 'minLength')::int, 0),
                   coalesce((r ->> 'maxLength')::int, 2147483647), coalesce(r ->> 'pattern', ''));
  end loop;
end
$$;

-- migrate:down
do $$
declare
  t text;
begin
  foreach t in array array['whatsapp_sessions', 'whatsapp_groups', 'notification_campaigns',
                           'notification_campaign_groups', 'message_error_inbox', 'message_status_inbox'] loop
    execute format('alter table wa_data.%I drop constraint %I', t, t || '_session_id_check');
    execute format('alter table wa_data.%I add constraint %I check (internal.conforms(session_id, %L))',
                   t, t || '_session_id_check', 'SessionId');
  end loop;
end
$$;
