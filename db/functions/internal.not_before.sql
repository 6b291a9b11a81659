-- A gateway's time `t` bounded below by `floor` (a row's send: clock skew never puts a delivery
-- before it); null stays null (greatest() alone would turn "no time" into the floor). No SET
-- clause: it inlines into its callers' plans.
create or replace function internal.not_before(t timestamptz, floor timestamptz)
returns timestamptz
language sql
immutable
parallel safe
return case
  when t is not null then greatest(t, floor)
end;
revoke all on function internal.not_before(timestamptz, timestamptz) from public;
