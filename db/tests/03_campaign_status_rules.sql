-- The campaign status rules, as the pure function internal.campaign_status(status, pending, sent, failed).
begin;
select plan(11);

select is(internal.campaign_status('draft', 5, 0, 0), 'draft', 'draft stays draft until sends start');
select is(internal.campaign_status('scheduled', 5, 0, 0), 'scheduled', 'scheduled stays until sends start');
select is(internal.campaign_status('cancelled', 5, 0, 0), 'cancelled', 'cancelled stays until sends start');
select is(internal.campaign_status('draft', 4, 1, 0), 'sending', 'a first send result makes it sending');
select is(internal.campaign_status('sending', 1, 3, 1), 'sending', 'sending while any row is pending');
select is(internal.campaign_status('sending', 0, 5, 0), 'completed', 'none pending, no failures: completed');
select is(internal.campaign_status('sending', 0, 0, 5), 'failed', 'none pending, all failed: failed');
select is(internal.campaign_status('sending', 0, 4, 1), 'partial_failure', 'some failed: partial_failure');
select is(internal.campaign_status('completed', 0, 4, 1), 'partial_failure', 'a late error turns completed into partial_failure');
select is(internal.campaign_status('completed', 0, 0, 1), 'failed', 'a late error on the only group makes it failed');
select is(
  (select provolatile from pg_proc where oid = 'internal.campaign_status(text, integer, integer, integer)'::regprocedure),
  'i'::"char", 'the status function is immutable (pure)');

select * from finish();
rollback;
