import { defineConfig } from "vitest/config";
import { HANG_GUARD_MS } from "./scripts/lib/hang-guard.js";

// Run by scripts/test.ts (npm test), which starts the database and PostgREST and passes
// WA_API_URL, WA_DB_URL and WA_JWT_SECRET. Timeouts only guard against hangs (scripts/lib/hang-guard.ts):
// no test sets one of its own.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "clients/ts/test/**/*.test.ts"],
    testTimeout: HANG_GUARD_MS,
    hookTimeout: HANG_GUARD_MS,
  },
});
