-- Locks the lock rows of these message ids (creating the missing ones), in id order so that
-- concurrent callers cannot deadlock. Held until the transaction ends. The caller's next
-- statement takes a snapshot after the locks are granted, so it sees what the previous holder
-- committed. Row locks: no slot of the shared lock table per id, whatever the batch size.
create or replace function internal.lock_message_ids(ids text[]) returns void
language sql volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into wa_data.message_id_locks (message_id)
  select distinct id from unnest(ids) id where id is not null order by 1
  on conflict (message_id) do update set message_id = excluded.message_id
$$;
revoke all on function internal.lock_message_ids(text[]) from public;
