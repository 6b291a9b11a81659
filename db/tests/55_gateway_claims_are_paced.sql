-- Gateway: every claimed send carries its own notBefore slot, taken from the session's next free
-- slot: consecutive slots are 60/rate s apart plus a jitter in [0, jitter], across claims; slots
-- are handed out only within the claim horizon (claimAheadSeconds); the daily cap holds.
begin;
select plan(11);

select from tests.make_campaign('wa_p', 30, 'scheduled');
update session_dispatch set rate_per_minute = 10, jitter_seconds = 0, daily_cap = 12 where session_id = 'wa_p';

select from tests.act_as('gateway');
create temp table claims (n serial, r jsonb);
insert into claims (r) select api.claim_sends('{"sessionId": "wa_p", "max": 3}');
insert into claims (r) select api.claim_sends('{"sessionId": "wa_p", "max": 50}');
select from tests.act_as_admin();
create temp table slots as
  select (s ->> 'notBefore')::timestamptz as t, row_number() over (order by c.n, k) as i
  from claims c, jsonb_array_elements(c.r -> 'sends') with ordinality x(s, k);

select is((select count(*)::int from slots), 10,
  'rate 10/min: the 10 slots of the next 60 s are handed out (3 then 7), the rest waits');
select is((select min(t) from slots), now(), 'the first slot is now');
select is((select array_agg(distinct b.t - a.t) from slots a join slots b on b.i = a.i + 1), array[interval '6 seconds'],
  'consecutive slots are 60/rate s apart, across claims');
select is((select (r ->> 'nextAt')::timestamptz from claims where n = 2),
  (select next_slot_at from session_dispatch where session_id = 'wa_p') - interval '60 seconds',
  'nextAt: when the next slot comes within the horizon');
select ok((select bool_and((s ->> 'leaseUntil')::timestamptz = (s ->> 'notBefore')::timestamptz + interval '300 seconds')
           from claims, jsonb_array_elements(r -> 'sends') s), 'each lease runs lease_seconds past the send''s slot');

-- The daily cap: 12 per UTC day.
update session_dispatch set next_slot_at = null where session_id = 'wa_p';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_p", "max": 50}') -> 'sends'), 2, 'the daily cap leaves two more');
create temp table capped as select api.claim_sends('{"sessionId": "wa_p"}') as r;
select is((select r -> 'held' ->> 'reason' from capped), 'daily_cap_reached', 'then the cap holds the session');
select is((select (r ->> 'nextAt')::timestamptz from capped), (current_date + 1)::timestamp at time zone 'UTC',
  '… until the next UTC day');
select from tests.act_as_admin();
update session_dispatch set cap_day = current_date - 1 where session_id = 'wa_p';
select from tests.act_as('gateway');
select is(jsonb_array_length(api.claim_sends('{"sessionId": "wa_p", "max": 1}') -> 'sends'), 1, 'a new day, a new count');

-- With a jitter of 2 s, gaps are from 6 to 8 s.
select from tests.act_as_admin();
select from tests.make_campaign('wa_q', 30, 'scheduled');
update session_dispatch set rate_per_minute = 10, jitter_seconds = 2 where session_id = 'wa_q';
select from tests.act_as('gateway');
create temp table jittered as
  select (s ->> 'notBefore')::timestamptz as t, k
  from jsonb_array_elements(api.claim_sends('{"sessionId": "wa_q", "max": 50}') -> 'sends') with ordinality x(s, k);
select ok((select count(*) between 8 and 10 from jittered), 'with jitter, fewer slots fit the horizon');
select ok((select bool_and(b.t - a.t between interval '6 seconds' and interval '8 seconds') from jittered a join jittered b on b.k = a.k + 1),
  'consecutive slots are 60/rate s plus at most the jitter apart');

select * from finish();
rollback;
