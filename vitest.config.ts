import { defineConfig } from "vitest/config";

// Run by scripts/test.ts (npm test), which starts the database and PostgREST and passes
// WA_API_URL, WA_DB_URL and WA_JWT_SECRET.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "clients/ts/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
