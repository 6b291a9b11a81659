-- migrate:up

-- Every session has its dispatch row (settings and state): the sessions known before dispatch get
-- theirs here with the defaults, new ones from the trigger tg_whatsapp_sessions__dispatch
-- (db/functions/internal.tg_whatsapp_sessions__dispatch.sql), so api.sessions shows every
-- session's pace, and the defaults are written once (the columns' defaults).
insert into wa_data.session_dispatch (session_id)
select s.session_id from wa_data.whatsapp_sessions s
on conflict (session_id) do nothing;

-- migrate:down
select 1;
