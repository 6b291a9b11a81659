-- migrate:up

-- Our tables live in a schema of their own, never in public: a host project (Supabase) exposes
-- public through its Data API, grants anon/authenticated/service_role on what is created there by
-- default, and a CRM of this kind often has tables of these very names in public already.
-- ALTER TABLE … SET SCHEMA moves a table with its data, indexes, constraints, identity sequence,
-- triggers and policies; the api views and every grant follow (they refer to the table, not to
-- its name).
-- (npm run db:migrate creates it first: dbmate's own table, wa_data.schema_migrations, lives here.)
create schema if not exists wa_data;
comment on schema wa_data is 'WhatsApp campaign data: groups, campaigns, their targets, the error-ACK inbox and quarantine. Never exposed; read through the api views.';
revoke all on schema wa_data from public;

-- Deployments migrated before the earlier migrations created the tables in wa_data have them in
-- public: move each one that is ours (there is no wa_data table of that name yet). A host's own
-- table of the same name, next to ours, is never touched.
do $$
declare
  t text;
begin
  foreach t in array array['whatsapp_groups', 'whatsapp_sessions', 'notification_campaigns',
                           'notification_campaign_groups', 'message_error_inbox',
                           'message_error_quarantine', 'message_id_locks'] loop
    if to_regclass('wa_data.' || t) is null and to_regclass('public.' || t) is not null then
      execute format('alter table public.%I set schema wa_data', t);
    end if;
  end loop;
end
$$;

-- Deployments migrated earlier granted usage on api to anon, gateway and crm by name.
grant usage on schema api to public;

-- The CRM's views run as the CRM (security_invoker): it needs to see the schema, and the grants
-- and RLS policies on the tables decide the rest.
grant usage on schema wa_data to crm;

-- No platform role gets anything on our objects, whatever default privileges the host has.
do $$
declare
  platform name;
begin
  foreach platform in array array['anon', 'authenticated', 'service_role'] loop
    if exists (select from pg_roles where rolname = platform) then
      execute format('revoke all on all tables in schema wa_data from %I', platform);
      execute format('revoke all on all sequences in schema wa_data from %I', platform);
      execute format('revoke all on all tables in schema api from %I', platform);
      execute format('revoke all on all functions in schema api, internal from %I', platform);
      execute format('revoke all on schema api, internal from %I', platform);
    end if;
  end loop;
end
$$;

-- migrate:down
alter table wa_data.message_id_locks set schema public;
alter table wa_data.message_error_quarantine set schema public;
alter table wa_data.message_error_inbox set schema public;
alter table wa_data.notification_campaign_groups set schema public;
alter table wa_data.notification_campaigns set schema public;
alter table wa_data.whatsapp_sessions set schema public;
alter table wa_data.whatsapp_groups set schema public;
drop schema wa_data;
