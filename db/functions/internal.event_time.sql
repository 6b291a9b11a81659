-- A gateway's event time as the API accepts it (`at` of delivery progress and error ACKs, and the
-- times the webhooks read from WAHA's bodies): epoch seconds, or milliseconds (13 digits), or an
-- ISO 8601 time with its zone. Null when it is not one, and also when it only looks like one: a
-- day that does not exist (30 February), an hour 24, a zone past ±15:59, year 0. So a value this
-- accepts always converts (issue 22.3: the cast never fails a whole batch with 22008), and the
-- callers quarantine the one event whose time is null instead. Never raises.
-- One regular expression (a match test: no captures, PostgreSQL's fast path) checks the shape
-- and every field's range but the day of the month past 28, read at its fixed place; nested CASEs
-- keep the order (a cast only sees digits). No SET clause: it inlines into its callers' cached
-- plans (internal.parse_message_status), at about the cost of the cast itself.
create or replace function internal.event_time(v jsonb)
returns timestamptz
language sql
stable
parallel safe
as $$
  select
    case jsonb_typeof(v)
      when 'number' then case
        when v::text ~ '^[0-9]{9,13}(\.[0-9]+)?$' then to_timestamp(
          case
            when length(split_part(v::text, '.', 1)) = 13 then v::text::numeric / 1000
            else v::text::numeric
          end
        )
      end
      when 'string' then case -- year 0001..9999, month, day, hh:mm[:ss[.f]], zone
        when v #>> '{}' ~ (
          '^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})' || '-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' || '[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?' || '(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)$'
        ) then case
          when substr(v #>> '{}', 9, 2) <= '28'
          or substr(v #>> '{}', 9, 2)::integer <= case substr(v #>> '{}', 6, 2)
            when '02' then case
              when substr(v #>> '{}', 1, 4)::integer % 4 = 0
              and (
                substr(v #>> '{}', 1, 4)::integer % 100 <> 0
                or substr(v #>> '{}', 1, 4)::integer % 400 = 0
              ) then 29
              else 28
            end
            when '04' then 30
            when '06' then 30
            when '09' then 30
            when '11' then 30
            else 31
          end then (v #>> '{}')::timestamptz
        end
      end
    end;
$$;
revoke all on function internal.event_time(jsonb) from public;
