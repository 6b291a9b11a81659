-- The host's own app, created by postgres before our migrations: a table the anon role reads
-- through the Data API (RLS, one policy) and a function it calls.
create table public.notes (
  id bigint generated always as identity primary key,
  body text not null,
  secret boolean not null default false
);
insert into public.notes (body, secret)
values
  ('hello', false),
  ('hidden', true);
alter table public.notes enable row level security;
create policy anon_reads_public_notes on public.notes for select to anon using (not secret);
create function public.hello(name text default 'world')
returns text
language sql
stable
as $$
  select 'hello ' || name;
$$;
-- A table of the very name our campaigns use: it must stay the host's.
create table public.notification_campaigns (id bigint primary key, title text);
insert into public.notification_campaigns values (1, 'the host''s own');
