// npm run bench [-- --quick] — every scenario, both sides in the same run on this machine.
// Writes bench/results.json, bench/RESULTS.md and bench/ack-latency.svg.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/lib/paths.js";
import { startBenchEnv } from "./lib/env.js";
import { describeMachine } from "./lib/machine.js";
import { ackLatencySvg } from "./lib/plot.js";
import { ackLatency } from "./scenarios/ack-latency.js";
import { ackBatchThroughput, ackThroughput } from "./scenarios/ack-throughput.js";
import { campaignCreation } from "./scenarios/campaign-creation.js";
import { groupSync } from "./scenarios/group-sync.js";
import { totalsTrigger } from "./scenarios/totals-trigger.js";
import { staleStatistics } from "./scenarios/stale-statistics.js";
import { scopedKeys } from "./scenarios/scoped-keys.js";
import { renderResults } from "./lib/report.js";

const quick = process.argv.includes("--quick");
const plan = quick
  ? { latencySizes: [100, 10_000], samples: 15, levels: [1, 8], seconds: 3, syncSizes: [1_000], createSizes: [10_000], repeats: 1, triggerSingles: 200, triggerRounds: 4, staleSizes: [5_000], scopedRounds: 40 }
  : { latencySizes: [100, 10_000, 100_000], samples: 60, levels: [1, 8, 32], seconds: 10, syncSizes: [1_000, 10_000, 50_000], createSizes: [10_000, 100_000], repeats: 3, triggerSingles: 500, triggerRounds: 6, staleSizes: [5_000, 20_000], scopedRounds: 150 };

const env = await startBenchEnv();
try {
  const machine = await describeMachine(env.target.adminUrl);
  console.log(`bench (${quick ? "quick" : "full"}) on ${machine.cpu}, ${machine.cores} cores`);
  // First, on the fresh database: its statistics are then the ones the scenario sets up.
  console.log("6. stale statistics: no payload-table join vs plain joins");
  const stale = await staleStatistics(env, plan.staleSizes);
  console.log("1. error ACK latency vs campaign size");
  const latency = await ackLatency(env, plan.latencySizes, plan.samples);
  console.log("2. error ACK throughput vs pgbench");
  const throughput = await ackThroughput(env, plan.levels, plan.seconds);
  const batchThroughput = ackBatchThroughput(env, Math.max(...plan.levels), plan.seconds, 100);
  console.log("3. group sync");
  const sync = await groupSync(env, plan.syncSizes);
  console.log("4. campaign creation");
  const creation = await campaignCreation(env, plan.createSizes, plan.repeats);
  console.log("5. totals trigger: static SQL vs EXECUTE format");
  const trigger = await totalsTrigger(env, plan.triggerSingles, plan.triggerRounds);
  console.log("7. a gateway key bound to sessions vs an unscoped one");
  const scoped = await scopedKeys(env, plan.scopedRounds);
  const results = {
    command: `npm run bench${quick ? " -- --quick" : ""}`, date: new Date().toISOString(), mode: quick ? "quick" : "full",
    machine, plan, latency, throughput, batchThroughput, sync, creation, trigger, stale, scoped,
  };
  const suffix = quick ? ".quick" : "";
  writeFileSync(join(repoRoot, "bench", `results${suffix}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(repoRoot, "bench", `RESULTS${suffix}.md`), renderResults(results));
  writeFileSync(join(repoRoot, "bench", `ack-latency${suffix}.svg`), await ackLatencySvg(latency));
  console.log(`wrote bench/RESULTS${suffix}.md, bench/results${suffix}.json, bench/ack-latency${suffix}.svg`);
} finally {
  await env.close();
}
