-- Shared pgTAP helpers, loaded once into the test copy of the database (schema tests).
-- Test files call them unqualified: npm test runs pg_prove with search_path tests, wa_data, public.
set check_function_bodies = off; -- helpers refer to each other regardless of order
-- Act as a role for the rest of the transaction (gateway, crm, anon); tests.act_as_admin() undoes it.
create function tests.act_as(role_name name)
returns void
language plpgsql
as $$
begin
  execute format('set local role %I', role_name);
end $$;

create function tests.act_as_admin()
returns void
language sql
as $$
  reset role;
$$;

-- Runs a statement and returns the API error it raised as {status, code, message, details},
-- or null when it succeeded. The statement's effects are rolled back when it fails.
create function tests.api_error(sql text)
returns jsonb
language plpgsql
as $$
declare
  msg text;
  detail text;
  state text;
begin
  execute sql;
  return null;
exception when others then
  get stacked diagnostics msg = message_text, detail = pg_exception_detail, state = returned_sqlstate;
  if state = 'PGRST' then
    -- details arrive as JSON text (PostgREST wants a string); give tests the structure back.
    return msg::jsonb || jsonb_build_object('status', (detail::jsonb ->> 'status')::int,
      'details', (msg::jsonb ->> 'details')::jsonb);
  end if;
  return jsonb_build_object('status', 500, 'code', state, 'message', msg);
end $$;

-- The status and code of the refusal `sql` raises, {"status": …, "code": …} (null when it succeeds):
-- what a client reads to decide whether to retry.
create function tests.refusal(sql text)
returns jsonb
language sql
as $$
  select
    case
      when e is not null then jsonb_build_object('status', e -> 'status', 'code', e -> 'code')
    end
  from tests.api_error(sql) e;
$$;

-- A Baileys GroupMetadata object, with `extra` merged in (use it to set flags or drop keys).
create function tests.group_json(n integer, subject text default null, extra jsonb default '{}')
returns jsonb
language sql
as $$
  select
    jsonb_build_object(
      'id',
      tests.jid(n),
      'subject',
      coalesce(subject, 'Group ' || n),
      'owner',
      '5511999999999@s.whatsapp.net',
      'creation',
      1700000000,
      'subjectTime',
      null,
      'restrict',
      false,
      'announce',
      false,
      'participants',
      jsonb_build_array(
        jsonb_build_object('id', '5511900000001@s.whatsapp.net', 'admin', null),
        jsonb_build_object('id', '5511900000002@s.whatsapp.net', 'admin', 'admin')
      )
    ) || extra;
$$;

create function tests.jid(n integer)
returns text
language sql
immutable
as $$
  select (120363000000000000 + n)::text || '@g.us';
$$;

-- Syncs groups 1..n (ordinary) for a session and returns the sync result.
create function tests.sync_n(session text, n integer)
returns jsonb
language sql
as $$
  select
    api.sync_groups(
      jsonb_build_object(
        'sessionId',
        session,
        'groups',
        (select jsonb_agg(tests.group_json(i)) from generate_series(1, n) i)
      )
    );
$$;

-- A campaign over groups 1..n of a fresh session; returns its id.
create function tests.make_campaign(session text, n integer, status text default 'draft')
returns bigint
language sql
as $$
  select tests.sync_n(session, n);
  select
    (
      api.create_campaign(
        jsonb_build_object(
          'name',
          'test',
          'message',
          'hello',
          'sessionId',
          session,
          'status',
          status,
          'groupJids',
          (select jsonb_agg(tests.jid(i)) from generate_series(1, n) i)
        )
      ) ->> 'campaignId'
    )::bigint;
$$;

-- Marks groups from..to of a campaign sent with message ids '<prefix><i>'.
create function tests.mark_sent(campaign bigint, from_n integer, to_n integer, prefix text default 'MSG')
returns jsonb
language sql
as $$
  select
    api.record_message_sent(
      jsonb_build_object(
        'campaignId',
        campaign,
        'sends',
        (
          select jsonb_agg(jsonb_build_object('groupJid', tests.jid(i), 'messageId', prefix || i))
          from generate_series(from_n, to_n) i
        )
      )
    );
$$;

-- True when the campaign's totals equal its rows' actual counts.
create function tests.totals_match(campaign bigint)
returns boolean
language sql
as $$
  select
    (c.total_groups, c.pending_count, c.sent_count, c.failed_count) = (
      select
        count(*)::int,
        count(*) filter (where status = 'pending')::int,
        count(*) filter (where status = 'sent')::int,
        count(*) filter (where status = 'failed')::int
      from wa_data.notification_campaign_groups
      where campaign_id = c.id
    )
  from wa_data.notification_campaigns c
  where c.id = campaign;
$$;

-- Sets what PostgREST sets before it calls internal.pre_request: the request headers and path,
-- and search_path led by the schema the request is for (api unless told otherwise).
create function tests.with_headers(
  headers jsonb,
  path text default '/rpc/sync_groups',
  target_schema text default 'api'
)
returns void
language sql
as $$
  select
    set_config('request.headers', headers::text, true),
    set_config('request.path', path, true),
    set_config('search_path', format('%I, ', target_schema) || current_setting('search_path'), true);
$$;

grant usage on schema tests to anon, gateway, crm, ops;
grant execute on all functions in schema tests to anon, gateway, crm, ops;
