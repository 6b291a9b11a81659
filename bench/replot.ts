// npm run bench:plot — redraw ack-latency.svg from results.json (after changing the plot only).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../scripts/lib/paths.js";
import { ackLatencySvg } from "./lib/plot.js";

const suffix = process.argv.includes("--quick") ? ".quick" : "";
const results = JSON.parse(readFileSync(join(repoRoot, "bench", `results${suffix}.json`), "utf8"));
writeFileSync(join(repoRoot, "bench", `ack-latency${suffix}.svg`), await ackLatencySvg(results.latency));
console.log(`wrote bench/ack-latency${suffix}.svg`);
