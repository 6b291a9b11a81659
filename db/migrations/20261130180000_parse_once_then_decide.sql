-- migrate:up

-- Parse once, then decide (issue 25.1; docs/design.md, "Parse once, then decide"): the gateway
-- event batches (error ACKs, delivery progress) are parsed once into rows of these types, held in
-- a PL/pgSQL variable; the locks, the decisions and the answer read those rows, never the body again.

-- An error ACK as internal.parse_message_error reads it; `idx` is its 1-based place in the body,
-- `bytes` the size of `raw` as text, `at` the gateway's time (never later than now), problem_code
-- null when it is valid.
create type internal.error_event as (
  idx integer, raw jsonb, bytes integer, session_id text, message_id text, group_jid text,
  error_code integer, error_message text, at timestamptz, problem_code text, problem text);

-- Delivery progress as internal.parse_message_status reads it.
create type internal.progress_event as (
  idx integer, raw jsonb, session_id text, message_id text, delivered_at timestamptz,
  read_at timestamptz, problem_code text, problem text);

-- One event's answer, for the shared answer builder (internal.answer_events): the item of
-- "results", and for a refused event its code, reason and body (kept in quarantine).
create type internal.event_answer as (idx integer, answer jsonb, problem_code text, problem text, body jsonb);

-- The parsers change shape (no scope: a session is resolved after the locks; the time and the
-- message id come out once): the old ones go, the functions folder defines the new.
drop function if exists internal.parse_message_error(jsonb, text[]);
drop function if exists internal.parse_message_status(jsonb, text[]);
drop function if exists internal.message_id_parts(text);
drop function if exists internal.event_session(text, text, text[]);

-- migrate:down
-- (With the functions that take them: the functions folder of the build migrated to defines its own.)
drop type internal.event_answer cascade;
drop type internal.progress_event cascade;
drop type internal.error_event cascade;
