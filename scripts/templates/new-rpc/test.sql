-- {{ROLE}}: {{name}} TODO(new:rpc) what this file proves, in a sentence.
begin;
select plan(1);

select from tests.act_as('{{role}}');
select is(tests.api_error($$select api.{{name}}('[]')$$) ->> 'code', 'invalid_body', 'an array is refused');
-- TODO(new:rpc): the rule's cases (each a test that could fail), its refusals, and that a refused
-- call changes nothing; then set plan() to the count.

select * from finish();
rollback;
