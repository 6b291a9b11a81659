-- migrate:up

-- Every key of a session's data includes session_id (docs/citus.md, items 3, 6, 7, 8), so that the
-- same schema runs on one server and on Citus distributed by session. Two guarantees change, on
-- both engines (CHANGELOG.md, 2026-12-01; docs/errors.md):
--   1. a message id is unique per session (it was unique across sessions): WhatsApp's ids are random
--      per message, so two sessions sharing one is a gateway bug, and a rule across sessions would
--      need a second, id-distributed registry (a two-node commit on every send and ACK);
--   2. every gateway event names its session (its sessionId, or the key is bound to one session):
--      an event that names none is quarantined with session_required, never kept unattributed.
-- No stored row is lost: the ones that named no session get theirs from the campaign row that has
-- their message id (unique across sessions until now: at most one); the error ACKs for which no row
-- exists go to the quarantine with session_required and their original body (replayable once the
-- operator knows the session); delivery progress for which no row exists (no body kept: nothing a
-- replay could post) is counted in a NOTICE and dropped.

alter type internal.campaign_row_change add attribute session_id text;

-- The lock rows hold no data (a row per message id seen, locked by ACKs and send records): keyed
-- per session now, they are created again on demand.
truncate wa_data.message_id_locks;
alter table wa_data.message_id_locks
  add column session_id internal.session_id not null,
  drop constraint message_id_locks_pkey,
  add constraint message_id_locks_pkey primary key (session_id, message_id);
-- Its session id checked like every table's (compiled from the one rule, as 20261130190000 does).
do $$
declare
  r constant jsonb := internal.value_rules() -> 'SessionId';
begin
  execute format('alter table wa_data.message_id_locks add constraint message_id_locks_session_id_check'
                 ' check (length(session_id) between %s and %s and session_id ~ %L)',
                 coalesce((r ->> 'minLength')::int, 0), coalesce((r ->> 'maxLength')::int, 2147483647),
                 coalesce(r ->> 'pattern', ''));
end
$$;

update wa_data.message_error_inbox i set session_id = r.session_id
from wa_data.notification_campaign_groups r
where i.session_id is null and r.message_id = i.message_id;

insert into wa_data.message_error_quarantine
  (received_at, code, reason, raw, raw_bytes, api_key_id, endpoint, body_sha256, last_received_at)
select i.received_at, 'session_required',
       'an error ACK that named no sessionId, for a message no campaign row has: kept by the migration to '
       || 'message ids per session (every event names its session now)',
       i.raw, i.raw_bytes, i.api_key_id, 'record_message_error',
       sha256(convert_to('20261201050000 message_error_inbox ' || i.id, 'UTF8')), i.received_at
from wa_data.message_error_inbox i
where i.session_id is null;
delete from wa_data.message_error_inbox where session_id is null;

update wa_data.message_status_inbox i set session_id = r.session_id
from wa_data.notification_campaign_groups r
where i.session_id is null and r.message_id = i.message_id;
do $$
declare
  dropped bigint;
begin
  delete from wa_data.message_status_inbox where session_id is null;
  get diagnostics dropped = row_count;
  if dropped > 0 then
    raise notice 'message ids per session: % delivery-progress entries named no session and matched no campaign row; dropped', dropped;
  end if;
end
$$;

-- A message id names one row per session.
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key
  on wa_data.notification_campaign_groups (message_id, session_id);
drop index wa_data.message_status_inbox_message_session_key;
alter table wa_data.message_status_inbox
  alter column session_id set not null,
  drop constraint message_status_inbox_pkey,
  add constraint message_status_inbox_pkey primary key (id, session_id),
  add constraint message_status_inbox_message_session_key unique (message_id, session_id);

-- Primary keys with the session; foreign keys within it, without SET NULL (Citus refuses SET NULL on
-- a key that includes the distribution column): the statements that delete a referenced row clear
-- the references first (api.sync_groups, internal.upsert_groups: group_id of campaign rows;
-- internal.prune_step: the inbox's campaign_group_id).
alter table wa_data.message_error_inbox
  drop constraint message_error_inbox_campaign_group_id_fkey;
alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_group_id_fkey,
  drop constraint notification_campaign_groups_pkey,
  add constraint notification_campaign_groups_pkey primary key (id, session_id),
  add constraint notification_campaign_groups_group_id_fkey foreign key (group_id, session_id)
    references wa_data.whatsapp_groups (id, session_id);
alter table wa_data.message_error_inbox
  alter column session_id set not null,
  drop constraint message_error_inbox_pkey,
  add constraint message_error_inbox_pkey primary key (id, session_id),
  add constraint message_error_inbox_campaign_group_id_fkey foreign key (campaign_group_id, session_id)
    references wa_data.notification_campaign_groups (id, session_id);

-- migrate:down
alter table wa_data.message_error_inbox
  drop constraint message_error_inbox_campaign_group_id_fkey,
  drop constraint message_error_inbox_pkey,
  add constraint message_error_inbox_pkey primary key (id),
  alter column session_id drop not null;
alter table wa_data.notification_campaign_groups
  drop constraint notification_campaign_groups_group_id_fkey,
  drop constraint notification_campaign_groups_pkey,
  add constraint notification_campaign_groups_pkey primary key (id),
  add constraint notification_campaign_groups_group_id_fkey foreign key (group_id, session_id)
    references wa_data.whatsapp_groups (id, session_id) on delete set null (group_id);
alter table wa_data.message_error_inbox
  add constraint message_error_inbox_campaign_group_id_fkey foreign key (campaign_group_id)
    references wa_data.notification_campaign_groups (id) on delete set null;
alter table wa_data.message_status_inbox
  drop constraint message_status_inbox_message_session_key,
  drop constraint message_status_inbox_pkey,
  add constraint message_status_inbox_pkey primary key (id),
  alter column session_id drop not null;
create unique index message_status_inbox_message_session_key
  on wa_data.message_status_inbox (message_id, (coalesce(session_id, '')));
drop index wa_data.notification_campaign_groups_message_id_key;
create unique index notification_campaign_groups_message_id_key on wa_data.notification_campaign_groups (message_id);
truncate wa_data.message_id_locks;
alter table wa_data.message_id_locks
  drop constraint message_id_locks_pkey,
  drop column session_id,
  add constraint message_id_locks_pkey primary key (message_id);
alter type internal.campaign_row_change drop attribute session_id;
