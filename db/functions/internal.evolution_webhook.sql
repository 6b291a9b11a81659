-- The work behind api.evolution_webhook: Evolution API v2's webhook body as posted (2.3.6 / 2.3.7,
-- src/api/integrations/event/webhook/webhook.controller.ts emit: {event, instance, data,
-- destination, date_time, sender, server_url, apikey}, webhookByEvents off).
-- messages.update (Evolution posts one per update; an array of items is taken too, in chunks of
-- ackEventsPerCall, so every item is recorded and none is dropped): an ERROR status of our own
-- message (fromMe) becomes an error ACK (session = instance, message id = keyId; Evolution drops
-- the server's error code), DELIVERY_ACK / READ / PLAYED become delivery progress. Evolution's
-- date_time is not used as the event time: it is the server's local time labelled as UTC.
-- groups.upsert, and groups.update under both spellings (Evolution's event is groups.update, its
-- webhook filter knows GROUP_UPDATE; 2.3.6 / 2.3.7 post neither), upsert those groups
-- (internal.upsert_groups). Anything else is answered "ignored" and not stored. The instance's
-- `apikey` is never stored, wherever it is in the body (internal.without_apikey). Returns the
-- response body with its HTTP status in "status".
create or replace function internal.evolution_webhook(body jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md). On Citus,
-- migrate resets it (a generic plan cannot be routed to a shard: docs/citus.md, item 9).
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  event text := lower(replace(body ->> 'event', '_', '.'));
  instance text := body ->> 'instance';
  chunk integer := internal.limit('ackEventsPerCall');
  items jsonb;
  errors jsonb;
  progress jsonb;
  kind text;
  todo jsonb;
  part jsonb;
  counts jsonb := '{}'::jsonb;
  result jsonb;
  ignored integer;
  refusal jsonb;
begin
  if jsonb_typeof(body) is distinct from 'object' or jsonb_typeof(body -> 'event') is distinct from 'string'
     or jsonb_typeof(body -> 'instance') is distinct from 'string' then
    return internal.quarantine_refusal(400, 'invalid_body',
      'The body must be an Evolution API webhook: {"event": "...", "instance": "...", "data": ...}.',
      internal.without_apikey(body), octet_length(body::text), 'evolution_webhook');
  end if;
  -- A key bound to sessions (instances) posts for those only: another's body is refused, not stored.
  refusal := internal.refuse_out_of_scope(internal.session_scope(), array[instance]);
  if refusal is not null then
    return refusal;
  end if;
  if not internal.conforms(instance, 'SessionId') then
    return internal.quarantine_refusal(422, 'invalid_session_id',
      format('instance must be %s.', internal.describe_value('SessionId')), internal.without_apikey(body),
      octet_length(body::text), 'evolution_webhook');
  end if;
  items := case jsonb_typeof(body -> 'data') when 'array' then body -> 'data'
                                              when 'object' then jsonb_build_array(body -> 'data')
                                              else '[]'::jsonb end;

  if event = 'messages.update' then
    -- Status names as Evolution sends them (Baileys' numbers 0..5 accepted too).
    with u as (
      select n, d, case when jsonb_typeof(d -> 'status') = 'number'
                        then (array['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'])[(d ->> 'status')::int + 1]
                        else upper(d ->> 'status') end as status
      from jsonb_array_elements(items) with ordinality x(d, n)
      where jsonb_typeof(d) = 'object' and (d -> 'fromMe') is distinct from 'false'::jsonb
    )
    select jsonb_agg(jsonb_build_object('event', 'message_error', 'sessionId', instance,
                       'messageId', coalesce(d -> 'keyId', d -> 'id'),
                       'groupJid', case when internal.conforms(d ->> 'remoteJid', 'GroupJid') then d ->> 'remoteJid' end)
                     order by n) filter (where status = 'ERROR'),
           jsonb_agg(jsonb_build_object('sessionId', instance, 'messageId', coalesce(d -> 'keyId', d -> 'id'),
                       'status', case status when 'DELIVERY_ACK' then 'delivered' when 'READ' then 'read' else 'played' end)
                     order by n) filter (where status in ('DELIVERY_ACK', 'READ', 'PLAYED')),
           count(*) filter (where status is null or status not in ('ERROR', 'DELIVERY_ACK', 'READ', 'PLAYED'))
      into errors, progress, ignored
    from u;
    ignored := ignored + (select count(*) from jsonb_array_elements(items) d
                          where jsonb_typeof(d) <> 'object' or (d -> 'fromMe') = 'false'::jsonb);
    -- Every item, in calls of at most ackEventsPerCall events (issue 22.4: never 2xx for a drop).
    foreach kind in array array['errors', 'progress'] loop
      todo := case kind when 'errors' then errors else progress end;
      for i in 0 .. coalesce(jsonb_array_length(todo), 0) - 1 by chunk loop
        part := jsonb_build_object('events',
          (select jsonb_agg(e order by n) from jsonb_array_elements(todo) with ordinality x(e, n) where n > i and n <= i + chunk));
        result := case kind when 'errors' then internal.record_message_error(part, 'evolution_api')
                            else internal.record_message_status(part, 'evolution_api') end;
        counts := counts || jsonb_build_object(kind, internal.add_counts(counts -> kind, result -> 'counts'));
      end loop;
    end loop;
    if errors is null and progress is null then
      perform internal.note_gateway(array[instance], 'evolution_api');
    end if;
    return jsonb_build_object('event', event, 'outcome', 'recorded',
      'errors', counts -> 'errors', 'progress', counts -> 'progress', 'ignored', ignored);
  elsif event in ('groups.upsert', 'groups.update', 'group.update') then
    perform internal.note_gateway(array[instance], 'evolution_api');
    return jsonb_build_object('event', event, 'outcome', 'recorded',
      'groups', internal.upsert_groups(instance, items, event = 'groups.upsert'));
  end if;
  return jsonb_build_object('event', event, 'outcome', 'ignored');
end
$$;
revoke all on function internal.evolution_webhook(jsonb) from public;
grant execute on function internal.evolution_webhook(jsonb) to gateway;
