-- Whether a hex signature from a request header is `expected` (an HMAC), compared so that the
-- time taken tells nothing about how much of it was right. A plain comparison (=, is distinct
-- from) stops at the first differing byte, and an attacker timing many guesses could learn the
-- HMAC byte by byte. Here the two are compared only after hashing each again (SHA-256): a guess
-- that shares a prefix with the right signature shares nothing with its digest, so where the
-- comparison stops is unrelated to the guess (the "double HMAC" comparison). What the checks before
-- it reveal — is it hex, has it the right length — is public anyway. Null when there is no
-- signature.
-- PL/pgSQL, not SQL: called once per request, where a SQL function with a SET clause is
-- planned again on every call (PL/pgSQL keeps its plan; CONVENTIONS.md).
create or replace function internal.signature_matches(given text, expected bytea)
returns boolean
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  return case when given is null then false
              when btrim(given) !~ '^[0-9A-Fa-f]+$' or length(btrim(given)) <> 2 * length(expected) then false
              else sha256(decode(btrim(given), 'hex')) = sha256(expected) end;
end
$$;
revoke all on function internal.signature_matches(text, bytea) from public;
