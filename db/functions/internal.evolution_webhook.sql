-- The work behind api.evolution_webhook: Evolution API v2's webhook body as posted (global or
-- per-instance webhook, webhookByEvents off): {"event", "instance", "data", "apikey", ...}.
-- messages.update: an ERROR status of our own message becomes an error ACK (session = instance;
-- Evolution drops the server's error code), DELIVERY_ACK / READ / PLAYED become delivery progress.
-- groups.upsert / groups.update upsert those groups (internal.upsert_groups). Anything else is
-- answered "ignored" and not stored. The instance's `apikey` is never stored: bodies are kept
-- (quarantine) without it. Returns the response body with its HTTP status in "status".
create or replace function internal.evolution_webhook(body jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = pg_catalog, pg_temp
-- Generic plans from the first call: they do not depend on the values (docs/design.md).
set plan_cache_mode = force_generic_plan
as $$
declare
  event text := lower(replace(body ->> 'event', '_', '.'));
  instance text := body ->> 'instance';
  items jsonb;
  errors jsonb;
  progress jsonb;
  error_result jsonb;
  progress_result jsonb;
  ignored integer;
  refusal jsonb;
begin
  if jsonb_typeof(body) is distinct from 'object' or jsonb_typeof(body -> 'event') is distinct from 'string'
     or jsonb_typeof(body -> 'instance') is distinct from 'string' then
    return internal.quarantine_refusal(400, 'invalid_body',
      'The body must be an Evolution API webhook: {"event": "...", "instance": "...", "data": ...}.',
      body - 'apikey', octet_length(body::text));
  end if;
  -- A key bound to sessions (instances) posts for those only: another's body is refused, not stored.
  refusal := internal.refuse_out_of_scope(internal.session_scope(), array[instance]);
  if refusal is not null then
    return refusal;
  end if;
  if not internal.conforms(instance, 'SessionId') then
    return internal.quarantine_refusal(422, 'invalid_session_id',
      format('instance must be %s.', internal.describe_value('SessionId')), body - 'apikey', octet_length(body::text));
  end if;
  items := case jsonb_typeof(body -> 'data') when 'array' then body -> 'data'
                                              when 'object' then jsonb_build_array(body -> 'data')
                                              else '[]'::jsonb end;

  if event = 'messages.update' then
    -- Status names as Evolution sends them (Baileys' numbers 0..5 accepted too).
    with u as (
      select d, case when jsonb_typeof(d -> 'status') = 'number'
                     then (array['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'])[(d ->> 'status')::int + 1]
                     else upper(d ->> 'status') end as status
      from jsonb_array_elements(items) d
      where jsonb_typeof(d) = 'object' and (d -> 'fromMe') is distinct from 'false'::jsonb
    )
    select jsonb_agg(jsonb_build_object('event', 'message_error', 'sessionId', instance,
                       'messageId', coalesce(d -> 'keyId', d -> 'id'),
                       'groupJid', case when internal.conforms(d ->> 'remoteJid', 'GroupJid') then d ->> 'remoteJid' end))
             filter (where status = 'ERROR'),
           jsonb_agg(jsonb_build_object('sessionId', instance, 'messageId', coalesce(d -> 'keyId', d -> 'id'),
                       'status', case status when 'DELIVERY_ACK' then 'delivered' when 'READ' then 'read' else 'played' end))
             filter (where status in ('DELIVERY_ACK', 'READ', 'PLAYED')),
           count(*) filter (where status is null or status not in ('ERROR', 'DELIVERY_ACK', 'READ', 'PLAYED'))
      into errors, progress, ignored
    from u;
    ignored := ignored + (select count(*) from jsonb_array_elements(items) d
                          where jsonb_typeof(d) <> 'object' or (d -> 'fromMe') = 'false'::jsonb);
    if errors is not null then error_result := internal.record_message_error(jsonb_build_object('events', errors)); end if;
    if progress is not null then progress_result := internal.record_message_status(jsonb_build_object('events', progress)); end if;
    return jsonb_build_object('event', event, 'outcome', 'recorded',
      'errors', error_result -> 'counts', 'progress', progress_result -> 'counts', 'ignored', ignored);
  elsif event in ('groups.upsert', 'groups.update') then
    return jsonb_build_object('event', event, 'outcome', 'recorded',
      'groups', internal.upsert_groups(instance, items, event = 'groups.upsert'));
  end if;
  return jsonb_build_object('event', event, 'outcome', 'ignored');
end
$$;
revoke all on function internal.evolution_webhook(jsonb) from public;
grant execute on function internal.evolution_webhook(jsonb) to gateway;
