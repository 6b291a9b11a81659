// The same package from CommonJS code (require), with its types. npm test runs it like
// crm-usage.ts, from the installed tarball.
import { createCrmClient, BackendError, type Campaign } from "@wa-campaigns/client";

async function main() {
  const crm = createCrmClient({ url: process.env.BACKEND_URL ?? "http://127.0.0.1:3000", apiKey: process.env.CRM_KEY! });
  const campaigns: Campaign[] = await crm.listCampaigns({ limit: 5 });
  let notFound = "";
  await crm.getCampaign(-1).catch((e: unknown) => {
    if (e instanceof BackendError) notFound = e.code;
  });
  console.log(JSON.stringify({ module: typeof module, campaigns: campaigns.length, notFound }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
