-- Advisory lock key for one message id. Every path that matches error ACKs to campaign rows
-- (record_message_error, record_message_sent) takes these locks, in key order, before reading:
-- an ACK and the send record of the same message can then never miss each other.
create or replace function internal.message_lock_key(message_id text) returns bigint
language sql immutable parallel safe
return hashtextextended('message:' || message_id, 0);
revoke all on function internal.message_lock_key(text) from public;
