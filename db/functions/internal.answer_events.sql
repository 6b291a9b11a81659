-- The one answer of the gateway event endpoints (record_message_error, record_message_status, and the
-- webhooks through them): {"results": [each event's answer, in body order], "counts": {outcome: n}
-- for each of `outcomes`}, plus the first refused event's 422 (its HTTP status in "status": the api
-- wrapper answers with it). A refused event (problem_code set, answer null) answers "quarantined"
-- with its code and reason, and is kept in quarantine as a body of `endpoint`
-- (internal.keep_in_quarantine).
-- PL/pgSQL: called once per request; its statement keeps its plan for the connection.
create or replace function internal.answer_events(
  endpoint text,
  answers internal.event_answer[],
  outcomes text[]
)
returns jsonb
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
declare
  result jsonb;
  refused jsonb;
begin
  with a as materialized (
    select x.idx, x.problem_code, x.problem, x.body,
           coalesce(x.answer, jsonb_build_object('index', x.idx - 1, 'outcome', 'quarantined',
                                                 'code', x.problem_code, 'message', x.problem)) as answer
    from unnest(answers) x
  )
  select jsonb_build_object(
           'results', (select jsonb_agg(a.answer order by a.idx) from a),
           'counts', (select jsonb_object_agg(o.outcome, (select count(*) from a where a.answer ->> 'outcome' = o.outcome))
                      from unnest(outcomes) o(outcome)))
         || coalesce((select jsonb_build_object(
                        'status', 422, 'code', a.problem_code, 'message', format('events[%s]: %s', a.idx - 1, a.problem),
                        'details', jsonb_build_object('index', a.idx - 1),
                        'hint', 'Invalid events were kept in quarantine; valid ones were recorded.')
                      from a where a.problem_code is not null order by a.idx limit 1), '{}'::jsonb),
         (select jsonb_agg(jsonb_build_object('code', a.problem_code, 'reason', a.problem, 'body', a.body) order by a.idx)
          from a where a.problem_code is not null)
    into result, refused;
  -- Refused events are kept (once per value, however often a gateway retries them).
  if refused is not null then
    perform internal.keep_in_quarantine(endpoint, refused);
  end if;
  return result;
end
$$;
revoke all on function internal.answer_events(text, internal.event_answer[], text[]) from public;
