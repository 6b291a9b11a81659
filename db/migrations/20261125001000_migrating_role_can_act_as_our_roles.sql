-- migrate:up

-- Where the migrating role is not a superuser (Supabase's postgres), it cannot SET ROLE to the
-- roles it created unless it is their member: the DBA running the pgTAP suite (tests.act_as),
-- and a PostgREST connected with the project's connection string, need that. Membership in our
-- own roles only; no role of the host changes.
do $$
begin
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant gateway, crm to %I', current_user);
  end if;
end
$$;

-- migrate:down
