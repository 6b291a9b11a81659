-- migrate:up

-- A session's rate may go up to 600 a minute (it was capped at 120, green-api's 500 ms floor). The
-- backend paces what the CRM configured; it must never be what limits a campaign (issue 35). The
-- defaults stay 6 a minute with jitter, and docs/design.md keeps the vendors' guidance beside them:
-- going past green-api's floor is the CRM's decision, made per session with configure_session.
-- Only RatePerMinute's maximum and description change; every other rule is as it was. (Raising a
-- maximum: every stored value still conforms.)
do $do$
declare
  rules jsonb := jsonb_set(
    jsonb_set(internal.value_rules(), '{RatePerMinute,maximum}', '600'),
    '{RatePerMinute,description}',
    to_jsonb('Messages one session may send per minute (claim_sends hands out one slot every 60/rate seconds, plus jitter). '
             || 'At most 600 (10 a second); the default is 6. green-api asks for at least 500 ms between messages (120 a minute): '
             || 'faster is the CRM''s decision.'::text));
begin
  execute format($f$create or replace function internal.value_rules() returns jsonb
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    return %L::jsonb$f$, rules::text);
end
$do$;

-- migrate:down
do $do$
begin
  execute format($f$create or replace function internal.value_rules() returns jsonb
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    return %L::jsonb$f$, jsonb_set(internal.value_rules(), '{RatePerMinute,maximum}', '120')::text);
end
$do$;
