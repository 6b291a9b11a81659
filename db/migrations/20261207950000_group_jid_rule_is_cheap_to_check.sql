-- migrate:up

-- GroupJid's pattern without bounded repeats. PostgreSQL's regex engine builds its automaton's
-- states on every match, and `[0-9]{5,32}` / `{1,20}` cost one state per repeat: about 4 µs per
-- value checked here, against 1 µs for `[0-9]{5,}` — on every group JID a call validates and every
-- value stored in a group_jid column (10,000 of each in a create_campaign of 10,000: bench/RESULTS.md,
-- section 7, issue 36). The length bounds move to maxLength (58: 32 digits, a dash, 20 digits and
-- "@g.us"). Loosening only: every stored value still conforms; a first part of more than 32 digits
-- or a suffix of more than 20 (no WhatsApp JID has either) now passes within the 58 characters.
do $do$
declare
  rules jsonb := jsonb_set(
    jsonb_set(internal.value_rules(), '{GroupJid,pattern}', to_jsonb('^[0-9]{5,}(-[0-9]+)?@g\.us$'::text)),
    '{GroupJid,maxLength}', '58');
begin
  execute format($f$create or replace function internal.value_rules() returns jsonb
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    return %L::jsonb$f$, rules::text);
end
$do$;

-- migrate:down
do $do$
declare
  rules jsonb := jsonb_set(internal.value_rules() #- '{GroupJid,maxLength}', '{GroupJid,pattern}',
    to_jsonb('^[0-9]{5,32}(-[0-9]{1,20})?@g\.us$'::text));
begin
  execute format($f$create or replace function internal.value_rules() returns jsonb
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    return %L::jsonb$f$, rules::text);
end
$do$;
