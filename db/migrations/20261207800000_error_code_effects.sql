-- migrate:up

-- What a gateway error code does, one row per (code, effect): the one table both recording paths
-- (error ACKs, send-time failures) read through internal.apply_error_code_effects. Adding a code
-- with an effect is one INSERT here (CONVENTIONS.md, "The path of a change"). Effects:
--   restricts_session — the account itself is restricted: the session is flagged (whatsapp_sessions
--                       .restricted_at), no campaign starts from it until the CRM clears it;
--   group_unsendable  — this group cannot take sends now: the group is marked
--                       (group_unsendable_marks) and is not sendable until a sync of its session
--                       reports it again.
create table wa_data.error_code_effects (
  code     internal.gateway_error_code not null,
  effect   text not null check (effect in ('restricts_session', 'group_unsendable')),
  meaning  text not null,
  -- Where the code's effect is known from (a gateway's source and version, a production report).
  source   text not null,
  added_at timestamptz not null default now(),
  primary key (code, effect)
);
comment on table wa_data.error_code_effects is
  'Gateway error codes and what each does when an error ACK or a send-time failure reports it: restricts_session, group_unsendable.';

insert into wa_data.error_code_effects (code, effect, meaning, source, added_at)
select r.code, 'restricts_session', r.meaning,
       'Baileys 7.0.0-rc (messageStubParameters [''463'', ''Your account has been restricted'']); WAHA NOWEB payload.error.code "463"',
       r.added_at
from wa_data.restricting_error_codes r;
-- No code makes a group unsendable yet: 420 is seen on community parents, which a sync never
-- stores, and CRMs retry 420 failures (docs/crm.md, retry_failed_groups); no gateway source says
-- what a 420 on an ordinary group means (docs/gateway.md, "Error codes and their effects").

drop table wa_data.restricting_error_codes;
-- The old name, for readers and operators that know it (and the dispatch brake): the codes that
-- restrict the session. An INSERT through it adds a restricting code, as before.
create view wa_data.restricting_error_codes with (security_invoker = true) as
select e.code, e.meaning, e.added_at, e.effect, e.source
from wa_data.error_code_effects e
where e.effect = 'restricts_session'
with local check option;
alter view wa_data.restricting_error_codes alter column effect set default 'restricts_session';
alter view wa_data.restricting_error_codes alter column source set default 'added by an operator';
comment on view wa_data.restricting_error_codes is
  'Gateway error codes that flag the sending session as restricted: the restricts_session rows of wa_data.error_code_effects.';

-- A group a code of effect group_unsendable was reported for, per session: read by the sendable
-- rule (internal.unsendable_groups, an anti-join), written by the recording paths with INSERT … ON
-- CONFLICT DO NOTHING (the first mark stays), deleted by a sync that reports the group again. Its
-- own table, not a column of whatsapp_groups: the ACK path locks no group row (docs/design.md,
-- "Locks": groups before campaign rows).
create table wa_data.group_unsendable_marks (
  session_id internal.session_id not null,
  group_jid  internal.group_jid not null,
  code       internal.gateway_error_code not null,
  marked_at  timestamptz not null default now(),
  api_key_id bigint,
  primary key (session_id, group_jid)
);
comment on table wa_data.group_unsendable_marks is
  'Groups made unsendable by an error code (wa_data.error_code_effects, group_unsendable) until a sync of their session reports them again.';

-- The session id's rule compiled into the table's CHECK, as for every table of a session's data
-- (20261130190000; pgTAP 08).
do $$
declare
  r constant jsonb := internal.value_rules() -> 'SessionId';
begin
  execute format('alter table wa_data.group_unsendable_marks add constraint group_unsendable_marks_session_id_check '
                 'check (length(session_id) between %s and %s and session_id ~ %L)',
                 coalesce((r ->> 'minLength')::int, 0), coalesce((r ->> 'maxLength')::int, 2147483647), coalesce(r ->> 'pattern', ''));
end
$$;

alter table wa_data.error_code_effects enable row level security;
alter table wa_data.group_unsendable_marks enable row level security;
revoke all on wa_data.error_code_effects, wa_data.group_unsendable_marks, wa_data.restricting_error_codes
  from public, gateway, crm;
grant select on wa_data.error_code_effects, wa_data.group_unsendable_marks, wa_data.restricting_error_codes to crm;
create policy crm_reads_error_code_effects on wa_data.error_code_effects for select to crm using (true);
create policy crm_reads_unsendable_marks on wa_data.group_unsendable_marks for select to crm using (true);

-- migrate:down
drop view wa_data.restricting_error_codes;
create table wa_data.restricting_error_codes (
  code     internal.gateway_error_code primary key,
  meaning  text not null,
  added_at timestamptz not null default now()
);
insert into wa_data.restricting_error_codes (code, meaning, added_at)
select code, meaning, added_at from wa_data.error_code_effects where effect = 'restricts_session';
alter table wa_data.restricting_error_codes enable row level security;
revoke all on wa_data.restricting_error_codes from public, gateway, crm;
grant select on wa_data.restricting_error_codes to crm;
create policy crm_reads_restricting_codes on wa_data.restricting_error_codes for select to crm using (true);
drop table wa_data.group_unsendable_marks, wa_data.error_code_effects;
