-- The work behind api.retry_failed_groups: {"campaignId", "errorCodes"?: [420, ...], "name"?}. A new
-- campaign (same message and session) over the campaign's failed groups — only those with one of
-- errorCodes when given — that can still be targeted: active, never community parents; a
-- restricted session is refused as create_campaign refuses it. The new campaign starts as a draft.
create or replace function internal.retry_failed_groups(jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- Read, not locked: retry only reads the old campaign (a lock on it, held while the new
  -- campaign holds its groups, could close a cycle with a sync and an ACK: docs/design.md, "Locks").
  campaign wa_data.notification_campaigns := internal.campaign_of($1, lock => false);
  codes integer[];
  jids jsonb;
  failed integer;
  retry_name text;
begin
  if coalesce(jsonb_typeof($1 -> 'errorCodes'), 'null') not in ('array', 'null')
     or exists (select from jsonb_array_elements(case when jsonb_typeof($1 -> 'errorCodes') = 'array' then $1 -> 'errorCodes' end) c
                where jsonb_typeof(c) <> 'number' or not internal.is_error_code(c)) then
    perform internal.raise_api_error(422, 'invalid_error_code', 'errorCodes, when given, must be an array of error codes.');
  end if;
  if coalesce(jsonb_typeof($1 -> 'name'), 'null') not in ('string', 'null')
     or not internal.conforms($1 ->> 'name', 'CampaignName') then
    perform internal.raise_api_error(422, 'invalid_name', format('name, when given, must be %s.', internal.describe_value('CampaignName')));
  end if;
  if jsonb_typeof($1 -> 'errorCodes') = 'array' then
    codes := array(select internal.error_code(c) from jsonb_array_elements($1 -> 'errorCodes') c);
  end if;
  retry_name := coalesce($1 ->> 'name', left(campaign.name, (internal.value_rules() #>> '{CampaignName,maxLength}')::integer - 8) || ' (retry)');

  select count(*) filter (where true),
         jsonb_agg(r.group_jid order by r.group_jid) filter (where g.ok)
    into failed, jids
  from wa_data.notification_campaign_groups r
  left join lateral (select true as ok from wa_data.whatsapp_groups w
                     where w.session_id = r.session_id and w.group_jid = r.group_jid
                       and internal.group_is_sendable(w.inactive_since, w.is_community)
                       and not exists (select from internal.unsendable_groups u
                                       where u.session_id = w.session_id and u.group_jid = w.group_jid)
                     limit 1) g on true
  where r.session_id = campaign.session_id and r.campaign_id = campaign.id and r.status = 'failed' and (codes is null or r.error_code = any(codes));
  if jids is null then
    perform internal.raise_api_error(422, 'nothing_to_retry',
      format('Campaign %s has no failed groups%s that can still be targeted.', campaign.id,
             case when codes is not null then ' with those error codes' else '' end),
      jsonb_build_object('failed', failed));
  end if;
  return internal.create_campaign(jsonb_build_object('name', retry_name, 'message', campaign.message,
                                                'sessionId', campaign.session_id, 'groupJids', jids))
         || jsonb_build_object('retryOf', campaign.id, 'skipped', failed - jsonb_array_length(jids));
end
$$;
revoke all on function internal.retry_failed_groups(jsonb) from public;
