import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";
import { HANG_GUARD_MS } from "./scripts/lib/hang-guard.js";

// The test files Stryker runs (npm run test:stryker, scripts/test-stryker.ts, which starts the
// database and PostgREST and passes WA_API_URL, WA_DB_URL and WA_JWT_SECRET). Stryker runs, per
// mutant, only the tests that covered it (coverageAnalysis perTest) and stops at the first failure.
// First the fast files that need no backend (fake timers, local HTTP servers answering as WAHA and
// Evolution do: milliseconds per mutant), then those that call the real API through PostgREST.
// Not here: dispatch-processes.test.ts (its dispatchers run in child processes, which Stryker's
// mutants do not reach; 55 s a run) and the package/typecheck tests (no client code runs).
/** No backend: fake timers, local HTTP servers answering as WAHA and Evolution do (milliseconds a file). */
const unitFiles = [
  "clients/ts/test/batcher.test.ts",
  "clients/ts/test/retry.test.ts",
  "clients/ts/test/client-units.test.ts",
  "clients/ts/test/dispatcher-loop.test.ts",
  "clients/ts/test/baileys-gateway-loop.test.ts",
  "clients/ts/test/gateway-senders.test.ts",
];
/** The real API through PostgREST (seconds a file). */
const apiFiles = [
  "clients/ts/test/baileys-helpers.test.ts",
  "clients/ts/test/baileys-gateway-outage.test.ts",
  "clients/ts/test/baileys-real-socket.test.ts",
  "clients/ts/test/baileys-dispatch-real-socket.test.ts",
  "clients/ts/test/waha-group-sync.test.ts",
  "clients/ts/test/evolution-group-sync.test.ts",
  "clients/ts/test/gateway-client.test.ts",
  "clients/ts/test/crm-client.test.ts",
  "clients/ts/test/crm-reads-never-truncate.test.ts",
  "clients/ts/test/ops-and-lifecycle-client.test.ts",
];
const files = [...unitFiles, ...apiFiles];

/**
 * The files in the order above (vitest's own runs the slowest first): Stryker runs one file at a
 * time and stops at the first failure, so a mutant the fast files kill never waits for the API.
 * Projects run by name: "1-unit" before "2-api".
 */
class InOrder extends BaseSequencer {
  override async sort(specs: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (s: TestSpecification) => files.indexOf(relative(s.project.config.root, s.moduleId));
    return [...specs].sort((a, b) => a.project.name.localeCompare(b.project.name) || rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: InOrder },
    projects: [
      {
        // A mutant that makes a unit test wait forever (a promise never settled) fails it here in
        // 3 s, instead of reaching Stryker's own timeout, which restarts the test runner.
        test: { name: "1-unit", include: unitFiles, testTimeout: 3_000, hookTimeout: 3_000, sequence: { sequencer: InOrder } },
      },
      {
        test: {
          name: "2-api",
          include: apiFiles,
          testTimeout: HANG_GUARD_MS,
          hookTimeout: HANG_GUARD_MS,
          sequence: { sequencer: InOrder },
        },
      },
    ],
  },
});
