-- Notes which gateway posts for these sessions (wa_data.whatsapp_sessions.gateway: direct, waha,
-- evolution_api), so the CRM knows a campaign's progress source (api.campaigns). Only sessions
-- the backend knows (synced, or flagged) are noted: an ACK naming an invented session creates
-- nothing. Rows are written only when the gateway changes (the UPDATE locks only those), so the
-- ACK path never queues on a session's row; last, after the campaign rows, like every path
-- that writes a session's row, in session order: one statement per session (a locking read names
-- its session: one shard on Citus, docs/citus.md).
-- PL/pgSQL, not SQL: called once per request (never inlined, for its SET clause), a SQL function
-- is planned again on every call; PL/pgSQL keeps the plan for the connection.
create or replace function internal.note_gateway(sessions text[], gateway text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  session text;
begin
  for session in select distinct x from unnest(sessions) x where x is not null order by 1 loop
    update wa_data.whatsapp_sessions s set gateway = note_gateway.gateway, gateway_seen_at = now()
    where s.session_id = session
      and s.session_id in (select s2.session_id from wa_data.whatsapp_sessions s2
                           where s2.session_id = session and s2.gateway is distinct from note_gateway.gateway
                           for no key update);
  end loop;
end
$$;
revoke all on function internal.note_gateway(text[], text) from public;
