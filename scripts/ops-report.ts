// npm run ops:report -- <campaignId> [--out file.svg] — a campaign's progress over time and its
// failures by error code as an SVG chart (local cluster or DATABASE_URL). Default file:
// campaign-<id>.svg in the current directory.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { campaignReport } from "./lib/campaign-report.js";
import { devTarget } from "./lib/target.js";

const { values, positionals } = parseArgs({ options: { out: { type: "string" } }, allowPositionals: true });
const campaignId = Number(positionals[0]);
if (!Number.isInteger(campaignId) || campaignId <= 0) {
  console.error("usage: npm run ops:report -- <campaignId> [--out file.svg]");
  process.exit(2);
}
const target = await devTarget();
try {
  const report = await campaignReport(target.adminUrl, campaignId);
  const out = values.out ?? `campaign-${campaignId}.svg`;
  writeFileSync(out, report.svg);
  console.log(`wrote ${out} (campaign ${campaignId}: ${report.name})`);
} finally {
  await target.teardown();
}
