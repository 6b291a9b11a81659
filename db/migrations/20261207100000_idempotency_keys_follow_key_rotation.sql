-- migrate:up

-- An Idempotency-Key belongs to the API key's lineage, not to one key: `npm run api-key -- rotate`
-- makes a new key (a new id) of the same lineage, and rotation is exactly when a CRM re-sends the
-- calls it lost (docs/operations.md, "A leaked key"). The lineage is the id of its first key:
-- null for that first key, the first key's id for every key a rotation made (internal.caller
-- reads coalesce(lineage, id), so the callers of keys never rotated keep their meaning). Revoke
-- then create under the same label is a new lineage: a new key, not a rotation.
alter table internal.api_keys add column lineage bigint;
comment on column internal.api_keys.lineage is
  'The first key of the rotation chain this key belongs to (npm run api-key -- rotate keeps it); null: this key is that first key. Idempotency-Key answers belong to the lineage.';

-- Keys rotated before this migration: rotate revokes the old key as of the new one's creation
-- (revoked_at = now() + grace, created_at = now(), one transaction), so a key whose predecessor
-- under its label (the key before it, same role) was still valid when it was created continues
-- that key's chain. A revoke followed later by a create starts a new one.
with k as (
  select id, label, role, created_at,
         lag(id) over w as prev_id, lag(role) over w as prev_role, lag(revoked_at) over w as prev_revoked
  from internal.api_keys
  window w as (partition by label order by id)
), chains as (
  select id, label,
         sum(case when prev_id is not null and prev_role = role and prev_revoked >= created_at then 0 else 1 end)
           over (partition by label order by id) as chain
  from k
), roots as (
  select id, min(id) over (partition by label, chain) as root from chains
)
update internal.api_keys a set lineage = r.root
from roots r
where a.id = r.id and r.root <> r.id;

-- Stored answers move to their lineage's caller (`key:<first id>`). Written anew and deleted, not
-- updated: on Citus the table is distributed by caller, whose value is never updated in place. Where
-- the lineage already has that Idempotency-Key, the answer stored under it stays (the first call's),
-- and of two moved ones the older.
insert into wa_data.idempotency_keys (caller, key, endpoint, request_hash, response, created_at)
select distinct on (a.lineage, i.key) 'key:' || a.lineage, i.key, i.endpoint, i.request_hash, i.response, i.created_at
from wa_data.idempotency_keys i
join internal.api_keys a on i.caller = 'key:' || a.id
where a.lineage is not null
order by a.lineage, i.key, i.created_at
on conflict (caller, key) do nothing;
delete from wa_data.idempotency_keys i
using internal.api_keys a
where i.caller = 'key:' || a.id and a.lineage is not null;

comment on column wa_data.idempotency_keys.caller is
  'Whose key this is (internal.caller): key:<the API key lineage''s first id>, jwt:<role>:<sub>, or jwt-claims:<role>:<SHA-256 of a subject-less JWT''s claims>.';

-- migrate:down
-- Answers stay under their lineage's caller (the first key's id): a key rotated afterwards is then
-- a new caller again, as before.
comment on column wa_data.idempotency_keys.caller is null;
alter table internal.api_keys drop column lineage;
