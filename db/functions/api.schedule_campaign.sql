-- POST /rpc/schedule_campaign (crm): {"campaignId", "scheduled"?: true, "at"?, "sendBefore"?}
-- schedules a draft, due at `at` (at once without it; dispatch claims its sends from then), with
-- an optional send window end; "scheduled": false puts a scheduled campaign back to draft. Any
-- other transition is 409 invalid_transition.
create or replace function api.schedule_campaign(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  payload constant jsonb := $1;
  campaign wa_data.notification_campaigns;
  schedule boolean := true;
  due_at timestamptz := internal.event_time(payload -> 'at');
  window_end timestamptz := internal.event_time(payload -> 'sendBefore');
  action text;
  next_status text;
begin
  -- In the body, not the declaration: a lock wait there is inside the timeout handler below.
  campaign := internal.campaign_of(payload);
  if coalesce(jsonb_typeof(payload -> 'scheduled'), 'null') not in ('boolean', 'null') then
    perform internal.raise_api_error(422, 'invalid_scheduled', 'scheduled must be true (schedule) or false (back to draft).');
  end if;
  schedule := coalesce((payload ->> 'scheduled')::boolean, true);
  if coalesce(jsonb_typeof(payload -> 'at'), 'null') <> 'null' and (due_at is null or not schedule) then
    perform internal.raise_api_error(422, 'invalid_at',
      'at, when given, must be a time with its zone (ISO 8601, e.g. 2026-12-24T09:00:00Z, or epoch seconds), and only with scheduled: true.');
  end if;
  if coalesce(jsonb_typeof(payload -> 'sendBefore'), 'null') <> 'null'
     and (window_end is null or not schedule or window_end <= coalesce(due_at, now())) then
    perform internal.raise_api_error(422, 'invalid_send_before',
      'sendBefore, when given, must be a time with its zone (ISO 8601 or epoch seconds) later than at (and than now), and only with scheduled: true.');
  end if;
  action := case when schedule then 'schedule' else 'unschedule' end;
  next_status := internal.campaign_transition(campaign.status, action);
  if next_status is null then
    perform internal.raise_api_error(409, 'invalid_transition',
      format('Campaign %s is %s: it cannot %s.', campaign.id, campaign.status, action),
      jsonb_build_object('status', campaign.status, 'action', action));
  end if;
  update wa_data.notification_campaigns c
  set status = next_status,
      scheduled_at = due_at,
      send_before = coalesce(window_end, c.send_before),
      updated_at = now()
  where c.session_id = campaign.session_id and c.id = campaign.id
  returning * into campaign;
  return internal.campaign_summary(campaign);
exception
  -- The role's statement_timeout (or a cancel): a coded 503, not PostgreSQL's 500 (docs/design.md,
  -- "Statement timeouts").
  when query_canceled then
    raise sqlstate 'PGRST' using message = internal.statement_timeout_error(), detail = '{"status": 503, "headers": {"X-Error-Code": "statement_timeout"}}';
end
$$;
revoke all on function api.schedule_campaign(jsonb) from public;
grant execute on function api.schedule_campaign(jsonb) to crm;
comment on function api.schedule_campaign(jsonb) is
  'CRM: schedule a draft campaign, due at `at` (or at once) and until `sendBefore` (optional), or put a scheduled one back to draft (scheduled: false).';
