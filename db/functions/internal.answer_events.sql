-- The one answer of the gateway event endpoints (record_message_error, record_message_status, and the
-- webhooks through them): {"results": [each event's answer, in body order], "counts": {outcome: n}
-- for each of `outcomes`}, plus the first refused event's 422 (its HTTP status in "status": the api
-- wrapper answers with it). Refused events are kept in quarantine as bodies of `endpoint`
-- (internal.keep_in_quarantine).
-- PL/pgSQL: called once per request; its statement keeps its plan for the connection.
create or replace function internal.answer_events(endpoint text, answers internal.event_answer[], outcomes text[])
returns jsonb
language plpgsql volatile
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
as $$
declare
  result jsonb;
  refused jsonb;
begin
  select jsonb_build_object(
           'results', jsonb_agg(a.answer order by a.idx),
           'counts', (select jsonb_object_agg(o.outcome, (select count(*) from unnest(answers) x where x.answer ->> 'outcome' = o.outcome))
                      from unnest(outcomes) o(outcome)))
         || coalesce((array_agg(jsonb_build_object(
                        'status', 422, 'code', a.problem_code, 'message', format('events[%s]: %s', a.idx - 1, a.problem),
                        'details', jsonb_build_object('index', a.idx - 1),
                        'hint', 'Invalid events were kept in quarantine; valid ones were recorded.') order by a.idx)
                        filter (where a.problem_code is not null))[1], '{}'::jsonb),
         jsonb_agg(jsonb_build_object('code', a.problem_code, 'reason', a.problem, 'body', a.body) order by a.idx)
           filter (where a.problem_code is not null)
    into result, refused
  from unnest(answers) a;
  -- Refused events are kept (once per value, however often a gateway retries them).
  if refused is not null then
    perform internal.keep_in_quarantine(endpoint, refused);
  end if;
  return result;
end
$$;
revoke all on function internal.answer_events(text, internal.event_answer[], text[]) from public;
