// npm run bench [-- --quick] — every scenario, both sides in the same run on this machine.
// npm run bench -- --against <git ref> [--quick] — the hot paths, this working tree (A) against
//   another build (B), interleaved (bench/lib/ab.ts).
// npm run bench -- --against <git ref> --profile [--quick] — the same, with pg_stat_statements:
//   where each hot path's time goes, the empty RPC, ACK throughput vs pgbench, sync vs the original
//   flow (bench/PROFILE.md).
// npm run bench -- --dispatch [--quick] — scenario 11 (dispatch) alone, added to the last run.
// npm run bench -- --ceiling [--quick] — scenario 12 (against PostgREST's and pgbench's ceilings) alone, added to the last run.
// npm run bench -- --largest [fresh,young,analysed,stale] [--idle] — every endpoint's largest legal
//   call in each state of the statistics and plan cache, idle and with two CPU hogs (section 10).
// npm run bench -- --volume [rows] [--quick] — the hot paths on a database holding a history of
//   `rows` campaign rows (default 3,000,000) against a near-empty one, same build.
// Writes bench/results*.json and bench/RESULTS.md (RESULTS.quick.md with --quick).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/lib/paths.js";
import { startBenchEnv } from "./lib/env.js";
import { describeMachine } from "./lib/machine.js";
import { ackLatencySvg } from "./lib/plot.js";
import { readResults, saveResults, writeReport } from "./lib/report.js";
import { ensureWrk } from "./lib/tools.js";
import { ackLatency } from "./scenarios/ack-latency.js";
import { ackBatchThroughput, ackThroughput } from "./scenarios/ack-throughput.js";
import { abAgainst } from "./scenarios/ab-against.js";
import { campaignCreation } from "./scenarios/campaign-creation.js";
import { groupSync } from "./scenarios/group-sync.js";
import { profileAgainst, renderProfile } from "./scenarios/profile.js";
import { totalsTrigger } from "./scenarios/totals-trigger.js";
import { staleStatistics } from "./scenarios/stale-statistics.js";
import { scopedKeys } from "./scenarios/scoped-keys.js";
import { dispatch } from "./scenarios/dispatch.js";
import { ceiling } from "./scenarios/ceiling.js";
import { volume } from "./scenarios/volume.js";
import { CONDITIONS, largest, type Condition } from "./scenarios/largest.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const suffix = quick ? ".quick" : "";
const flagValue = (flag: string) => {
  const i = args.indexOf(flag);
  const v = i >= 0 ? args[i + 1] : undefined;
  return v && !v.startsWith("--") ? v : undefined;
};

const plan = quick
  ? {
      latencySizes: [100, 10_000],
      samples: 15,
      levels: [1, 8],
      seconds: 3,
      syncSizes: [1_000],
      createSizes: [10_000],
      repeats: 1,
      triggerSingles: 200,
      triggerRounds: 4,
      staleSizes: [5_000],
      scopedRounds: 40,
      dispatch: [
        { workers: 1, batch: 1, messages: 50 },
        { workers: 1, batch: 10, messages: 300 },
        { workers: 1, batch: 100, messages: 1_000 },
        { workers: 4, batch: 100, messages: 2_000 },
      ],
    }
  : {
      latencySizes: [100, 10_000, 100_000],
      samples: 60,
      levels: [1, 8, 32],
      seconds: 10,
      syncSizes: [1_000, 10_000, 50_000],
      createSizes: [10_000, 100_000],
      repeats: 3,
      triggerSingles: 500,
      triggerRounds: 6,
      staleSizes: [5_000, 20_000],
      scopedRounds: 150,
      dispatch: [
        { workers: 1, batch: 1, messages: 300 },
        { workers: 1, batch: 10, messages: 2_000 },
        { workers: 1, batch: 100, messages: 10_000 },
        { workers: 4, batch: 100, messages: 20_000 },
      ],
    };

/** The runs against other builds or with a history: true when one of them ran. */
async function otherMode(): Promise<boolean> {
  if (args.includes("--against")) {
    const ref = flagValue("--against");
    if (!ref) throw new Error("usage: npm run bench -- --against <git ref> [--profile] [--quick]");
    if (args.includes("--profile")) {
      ensureWrk();
      const profile = await profileAgainst(ref, quick);
      writeFileSync(join(repoRoot, "bench", `results.profile${suffix}.json`), JSON.stringify(profile, null, 2) + "\n");
      writeFileSync(join(repoRoot, "bench", `PROFILE${suffix}.md`), renderProfile(profile));
      console.log(`wrote bench/PROFILE${suffix}.md, bench/results.profile${suffix}.json`);
    } else {
      saveResults("ab", quick, await abAgainst(ref, quick));
      writeReport(quick);
    }
    return true;
  } else if (args.includes("--scoped-keys")) {
    // Scenario 9 alone: its section of the last full (or quick) run is replaced, and says so.
    const main = readResults(quick);
    if (!main) throw new Error("npm run bench -- --scoped-keys updates a run's section 9: run npm run bench first");
    const env = await startBenchEnv();
    try {
      console.log("9. a gateway key bound to sessions vs an unscoped one");
      main.scoped = await scopedKeys(env, plan.scopedRounds);
    } finally {
      await env.close();
    }
    main.scopedRun = {
      command: `npm run bench -- --scoped-keys${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
    };
    saveResults("main", quick, main);
    writeReport(quick);
    return true;
  } else if (args.includes("--dispatch")) {
    // Scenario 11 alone (issue 35): added to the last full (or quick) run as its section 11.
    const main = readResults(quick);
    if (!main) throw new Error("npm run bench -- --dispatch adds section 11 to a run: run npm run bench first");
    const env = await startBenchEnv();
    try {
      console.log("11. dispatch: cost per message, one session's highest unpaced rate");
      main.dispatch = await dispatch(env, plan.dispatch);
    } finally {
      await env.close();
    }
    main.dispatchRun = {
      command: `npm run bench -- --dispatch${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
    };
    saveResults("main", quick, main);
    writeReport(quick);
    return true;
  } else if (args.includes("--ceiling")) {
    // Scenario 12 alone (issue 36): added to the last full (or quick) run as its section 12.
    const main = readResults(quick);
    if (!main) throw new Error("npm run bench -- --ceiling adds section 12 to a run: run npm run bench first");
    ensureWrk();
    const env = await startBenchEnv();
    try {
      console.log("12. against the ceiling: an empty RPC through PostgREST, pgbench");
      main.ceiling = await ceiling(env, [1, 8], plan.seconds);
    } finally {
      await env.close();
    }
    main.ceilingRun = {
      command: `npm run bench -- --ceiling${quick ? " --quick" : ""}`,
      date: new Date().toISOString(),
      mode: quick ? "quick" : "full",
    };
    saveResults("main", quick, main);
    writeReport(quick);
    return true;
  } else if (args.includes("--largest")) {
    const only = flagValue("--largest")?.split(",") as Condition[] | undefined;
    const unknown = only?.filter((c) => !CONDITIONS.includes(c)) ?? [];
    if (unknown.length) throw new Error(`usage: npm run bench -- --largest [${CONDITIONS.join(",")}] [--idle]`);
    saveResults("largest", quick, await largest(!args.includes("--idle"), only));
    writeReport(quick);
    return true;
  } else if (args.includes("--volume")) {
    const rows = Number(flagValue("--volume") ?? 3_000_000);
    if (!Number.isInteger(rows) || rows < 0) throw new Error("usage: npm run bench -- --volume [campaign rows] [--quick]");
    saveResults("volume", quick, await volume(rows, quick));
    writeReport(quick);
    return true;
  }
  return false;
}

if (await otherMode()) process.exit(0);

ensureWrk();
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
  console.log("12. against the ceiling: an empty RPC through PostgREST, pgbench");
  const ceilingRows = await ceiling(env, [1, 8], plan.seconds);
  console.log("3. group sync");
  const sync = await groupSync(env, plan.syncSizes);
  console.log("4. campaign creation");
  const creation = await campaignCreation(env, plan.createSizes, plan.repeats);
  console.log("5. totals trigger: static SQL vs EXECUTE format");
  const trigger = await totalsTrigger(env, plan.triggerSingles, plan.triggerRounds);
  console.log("9. a gateway key bound to sessions vs an unscoped one");
  const scoped = await scopedKeys(env, plan.scopedRounds);
  saveResults("main", quick, {
    command: `npm run bench${quick ? " -- --quick" : ""}`,
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine,
    plan,
    latency,
    throughput,
    batchThroughput,
    sync,
    creation,
    trigger,
    stale,
    scoped,
    ceiling: ceilingRows,
  });
  writeFileSync(join(repoRoot, "bench", `ack-latency${suffix}.svg`), await ackLatencySvg(latency));
  writeReport(quick);
} finally {
  await env.close();
}
