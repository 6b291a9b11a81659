import { defineConfig } from "vitest/config";

// npm run test:soak — minutes of load with PostgreSQL restarts; not part of npm test.
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.ts"],
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
