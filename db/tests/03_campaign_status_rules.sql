-- The campaign status rules and transitions, as the pure functions internal.campaign_status(status,
-- pending, sent, failed, cancelled) and internal.campaign_transition(status, action).
begin;
select plan(20);

select is(internal.campaign_status('draft', 5, 0, 0, 0), 'draft', 'draft stays draft until sends start');
select is(internal.campaign_status('scheduled', 5, 0, 0, 0), 'scheduled', 'scheduled stays until sends start');
select is(internal.campaign_status('cancelled', 5, 0, 0, 0), 'cancelled', 'cancelled stays');
select is(internal.campaign_status('sending', 0, 3, 1, 2), 'cancelled', 'cancelled rows make it cancelled');
select is(internal.campaign_status('sending', 1, 3, 0, 2), 'sending', 'expired rows beside one still claimed: sending until it settles');
select is(internal.campaign_status('cancelled', 0, 3, 2, 1), 'cancelled', 'a late error on a cancelled campaign keeps it cancelled');
select is(internal.campaign_status('draft', 4, 1, 0, 0), 'sending', 'a first send result makes it sending');
select is(internal.campaign_status('sending', 1, 3, 1, 0), 'sending', 'sending while any row is pending');
select is(internal.campaign_status('sending', 0, 5, 0, 0), 'completed', 'none pending, no failures: completed');
select is(internal.campaign_status('sending', 0, 0, 5, 0), 'failed', 'none pending, all failed: failed');
select is(internal.campaign_status('sending', 0, 4, 1, 0), 'partial_failure', 'some failed: partial_failure');
select is(internal.campaign_status('completed', 0, 4, 1, 0), 'partial_failure', 'a late error turns completed into partial_failure');
select is(internal.campaign_status('completed', 0, 0, 1, 0), 'failed', 'a late error on the only group makes it failed');
select is(
  (select provolatile from pg_proc where oid = 'internal.campaign_status(text, integer, integer, integer, integer)'::regprocedure),
  'i'::"char", 'the status function is immutable (pure)');

-- The transitions the CRM may ask for.
select is(internal.campaign_transition('draft', 'schedule'), 'scheduled', 'schedule a draft');
select is(internal.campaign_transition('scheduled', 'unschedule'), 'draft', 'unschedule');
select is(internal.campaign_transition('sending', 'cancel'), 'cancelled', 'cancel while sending');
select is(internal.campaign_transition('sending', 'schedule'), null, 'a campaign that is sending cannot be scheduled');
select is(internal.campaign_transition('completed', 'cancel'), null, 'a finished campaign cannot be cancelled');
select is(internal.campaign_transition('cancelled', 'cancel'), null, 'nor cancelled twice');

select * from finish();
rollback;
