-- The campaign status rules, as one pure function of the current status and the counts.
-- cancelled is final: once the CRM cancels, the rows not yet sent are cancelled and the campaign
-- stays cancelled (late error ACKs still fail its sent rows; the counts say so). Rows cancelled
-- because the campaign's window closed (dispatch: cancel_reason expired) make it cancelled once no
-- row is pending: rows still under a claim's lease keep it going until they are reported or expire.
create or replace function internal.campaign_status(
  current_status text,
  pending integer,
  sent integer,
  failed integer,
  cancelled integer
)
returns text
language sql
immutable
parallel safe
return case
  when current_status = 'cancelled'
  or (cancelled > 0 and pending = 0) then 'cancelled'
  -- Set by the CRM; kept until the first send result arrives.
  when sent + failed = 0
  and current_status in ('draft', 'scheduled') then current_status
  when pending > 0 then 'sending'
  when failed = 0 then 'completed'
  when sent = 0 then 'failed'
  else 'partial_failure'
end;
revoke all on function internal.campaign_status(text, integer, integer, integer, integer) from public;
