// The load generator for the throughput scenarios: Debian's wrk (C, light on the two cores the
// server shares with it), installed with apt-get where we are root; autocannon otherwise.
import { aptInstall } from "../../scripts/lib/postgres.js";
import { commandExists } from "../../scripts/lib/run.js";

export function ensureWrk(): boolean {
  if (commandExists("wrk")) return true;
  try {
    aptInstall(["wrk"], "wrk is");
    return commandExists("wrk");
  } catch (e) {
    console.warn(`wrk is not available (${(e as Error).message.split("\n")[0]}): throughput falls back to autocannon`);
    return false;
  }
}
