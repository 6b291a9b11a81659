import { defineConfig } from "vitest/config";
import { HANG_GUARD_MS } from "./scripts/lib/hang-guard.js";

// The test files Stryker runs (npm run test:stryker, scripts/test-stryker.ts, which starts the
// database and PostgREST and passes WA_API_URL, WA_DB_URL and WA_JWT_SECRET): the client's tests
// that exercise the batcher and the retry (Baileys' error and progress forwarding, the gateway and
// CRM clients, withRetry on its own). Stryker runs, per mutant, only the tests that covered it.
export default defineConfig({
  test: {
    include: [
      "clients/ts/test/baileys-helpers.test.ts",
      "clients/ts/test/baileys-gateway-outage.test.ts",
      "clients/ts/test/baileys-real-socket.test.ts",
      "clients/ts/test/gateway-client.test.ts",
      "clients/ts/test/crm-client.test.ts",
      "clients/ts/test/retry.test.ts",
    ],
    testTimeout: HANG_GUARD_MS,
    hookTimeout: HANG_GUARD_MS,
  },
});
