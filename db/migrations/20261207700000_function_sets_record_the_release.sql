-- migrate:up

-- Releases (docs/operations.md, "Releases"): every migrate records the release version it ran
-- (package.json's semver) beside the function set's fingerprint, so that internal.version() can say
-- which release a database runs and an installed package older than it is refused without git
-- (scripts/lib/downgrade.ts). Rows written before this migration have none (null).
alter table wa_data.function_sets add column version text;
comment on column wa_data.function_sets.version is
  'The release version (semver) of the package or checkout that migrated; null before releases were recorded.';

-- migrate:down
alter table wa_data.function_sets drop column version;
