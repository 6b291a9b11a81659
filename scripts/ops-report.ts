// npm run ops:report -- <campaignId> [--out file.svg] [--tz <IANA zone>] — a campaign's progress
// over time and its failures by error code as an SVG chart (local cluster or DATABASE_URL). Without
// --out it is written into a new temporary directory (never the repository or the current
// directory); the path is printed. Times are in --tz, else the machine's zone, and say which.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { campaignReport, defaultTimeZone } from "./lib/campaign-report.js";
import { devTarget } from "./lib/target.js";

const usage = "usage: npm run ops:report -- <campaignId> [--out file.svg] [--tz <IANA time zone, e.g. UTC, America/Sao_Paulo>]";
const parsed = (() => {
  try {
    return parseArgs({ options: { out: { type: "string" }, tz: { type: "string" } }, allowPositionals: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
const { values, positionals } = parsed;
const campaignId = Number(positionals[0]);
if (!Number.isInteger(campaignId) || campaignId <= 0 || positionals.length !== 1) {
  console.error(usage);
  process.exit(2);
}
const timeZone = values.tz ?? defaultTimeZone();
try {
  new Intl.DateTimeFormat("en", { timeZone });
} catch {
  console.error(`--tz ${timeZone}: not a time zone (an IANA name such as UTC or Europe/Lisbon)\n${usage}`);
  process.exit(2);
}
const target = await devTarget();
try {
  const report = await campaignReport(target.adminUrl, campaignId, { timeZone });
  const out = resolve(values.out ?? join(mkdtempSync(join(tmpdir(), "wa-report-")), `campaign-${campaignId}.svg`));
  writeFileSync(out, report.svg);
  console.log(`wrote ${out} (campaign ${campaignId}: ${report.name}; ${report.bin.label} bins, times in ${report.timeZone})`);
} finally {
  await target.teardown();
}
