-- Flags a session as restricted when `code` is one of wa_data.restricting_error_codes (the first
-- flag's code and time are kept until the CRM clears it). Returns whether the code restricts.
create or replace function internal.flag_restricted_session(session text, code integer)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if session is null or code is null
     or not exists (select from wa_data.restricting_error_codes r where r.code = flag_restricted_session.code) then
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
