// How long anything in `npm test` may take before it is called hung: a guard against hangs, never a
// speed assertion (speed is measured in bench/). A busy 2-core machine makes a 10,000-group sync
// take most of a minute; a hang takes forever. One value for the test timeouts (vitest.config.ts),
// the API roles' statement timeouts during the HTTP tests (scripts/test.ts) and the test front
// door's proxy timeouts (test/support/nginx.ts).
export const HANG_GUARD_MS = 10 * 60_000;
