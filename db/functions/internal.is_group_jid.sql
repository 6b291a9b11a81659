-- A WhatsApp group JID: 120363041234567890@g.us, or the older 5511999999999-1600000000@g.us.
create or replace function internal.is_group_jid(jid text) returns boolean
language sql immutable parallel safe
return jid ~ '^[0-9]{5,32}(-[0-9]{1,20})?@g\.us$';
revoke all on function internal.is_group_jid(text) from public;
