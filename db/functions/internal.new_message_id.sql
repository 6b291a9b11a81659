-- A new WhatsApp message id in the format Baileys makes its own (generateMessageIDV2 in
-- lib/Utils/generics.js of @whiskeysockets/baileys 6.7.24 and 7.0.0-rc14: "3EB0" and the first 18
-- upper-case hex digits of a SHA-256 over the time, the account and 16 random bytes): "3EB0" and 18
-- upper-case hex digits of a SHA-256 over a random UUID. A gateway sends with it
-- (sock.sendMessage(jid, content, {messageId})), so the row knows its id before the send.
create or replace function internal.new_message_id()
returns text
language sql
volatile
parallel safe
set search_path = pg_catalog, pg_temp
return '3EB0' || upper(left(encode(sha256(uuid_send(gen_random_uuid())), 'hex'), 18));
revoke all on function internal.new_message_id() from public;
