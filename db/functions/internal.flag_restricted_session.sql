-- Flags a session as restricted when `code` restricts (wa_data.error_code_effects; the first
-- flag's code and time are kept until the CRM clears it). Returns whether the code restricts.
-- Called by internal.apply_error_code_effects.
create or replace function internal.flag_restricted_session(session text, code integer)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if session is null or code is null
     or not exists (select from wa_data.error_code_effects e
                    where e.code = flag_restricted_session.code and e.effect = 'restricts_session') then
    return false;
  end if;
  insert into wa_data.whatsapp_sessions as s (session_id, restricted_at, restricted_code, restricted_by)
  values (session, now(), code, internal.api_key_id())
  on conflict (session_id) do update
    set restricted_at = coalesce(s.restricted_at, excluded.restricted_at),
        restricted_code = case when s.restricted_at is null then excluded.restricted_code else s.restricted_code end,
        restricted_by = case when s.restricted_at is null then excluded.restricted_by else s.restricted_by end
    where s.restricted_at is null;
  return true;
end
$$;
revoke all on function internal.flag_restricted_session(text, integer) from public;
