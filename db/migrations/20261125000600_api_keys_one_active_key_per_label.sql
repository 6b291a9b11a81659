-- migrate:up

-- A label names at most one active key, so that revoke and rotate act on exactly one. Labels
-- already shared by several active keys are told apart by their id (no key is revoked here).
update internal.api_keys k set label = left(k.label, 180) || ' #' || k.id
where k.revoked_at is null
  and exists (select from internal.api_keys o where o.label = k.label and o.revoked_at is null and o.id > k.id);
create unique index api_keys_active_label_key on internal.api_keys (label) where revoked_at is null;

comment on column internal.api_keys.revoked_at is
  'When the key stops (or stopped) working. In the future while a rotated key is retiring (rotate --grace).';

-- migrate:down
drop index internal.api_keys_active_label_key;
