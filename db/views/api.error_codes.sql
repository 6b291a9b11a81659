-- GET /error_codes (ops): failures per campaign, session and error code.
create view api.error_codes
with (security_invoker = true)
as
  select
    r.campaign_id,
    r.session_id,
    r.error_code,
    count(*)::integer as failures,
    max(r.failed_at) as last_failed_at
  from wa_data.notification_campaign_groups r
  where r.status = 'failed'
  group by r.campaign_id, r.session_id, r.error_code;
comment on view api.error_codes is 'Failures per campaign, session and error code.';
revoke all on api.error_codes from public;
grant select on api.error_codes to ops;
