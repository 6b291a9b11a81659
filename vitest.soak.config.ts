import { defineConfig } from "vitest/config";

// npm run test:soak — minutes of load with PostgreSQL restarts; not part of npm test.
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.ts"],
    // One at a time: the restart soak stops PostgreSQL under load, which no other file expects.
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
