-- migrate:up

-- Never backwards: beside dbmate's wa_data.schema_migrations, every migrate that changes the
-- function set (db/functions) writes one row here, so that an older checkout can tell that the
-- database runs functions newer than its own and refuse instead of dropping them
-- (scripts/lib/downgrade.ts, docs/operations.md "Upgrades"). Written by migrate only.
create table wa_data.function_sets (
  id          bigint generated always as identity primary key,
  fingerprint text not null,   -- hex SHA-256 of the folder's file names and contents
  -- The newest migration the migrating checkout had, and its git commit when it was a git checkout.
  migration   text not null,
  git_commit  text,
  -- True when an operator went back on purpose (--allow-downgrade).
  downgrade   boolean not null default false,
  applied_at  timestamptz not null default now()
);
comment on table wa_data.function_sets is
  'One row per migrate that changed db/functions: its fingerprint (SHA-256 of the folder), in the order applied; read by migrate to refuse an older checkout.';
alter table wa_data.function_sets enable row level security;
revoke all on wa_data.function_sets from public, gateway, crm, ops;

-- migrate:down
drop table wa_data.function_sets;
