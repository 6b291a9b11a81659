// npm start — run the service: the local cluster (or DATABASE_URL), migrations, PostgREST.
import { createApiKey, revokeApiKey } from "./lib/api-keys.js";
import { migrate } from "./lib/migrate.js";
import { startPostgrest } from "./lib/postgrest.js";
import { jwtSecret } from "./lib/secrets.js";
import { devTarget } from "./lib/target.js";

const port = Number(process.env.PORT ?? 3000);
const target = await devTarget();
await migrate(target.adminUrl);
const api = await startPostgrest({
  dbUri: await target.postgrestUri(),
  jwtSecret: jwtSecret(),
  port,
  host: process.env.HOST ?? "127.0.0.1",
  logLevel: (process.env.PGRST_LOG_LEVEL as "info" | undefined) ?? "error",
});

console.log(`\nAPI:      ${api.url}`);
console.log(`OpenAPI:  ${api.url}/`);
if (!process.env.DATABASE_URL) {
  // Local development only: fresh keys on every start; the previous start's keys are revoked.
  await revokeApiKey(target.adminUrl, "local-dev");
  const gateway = await createApiKey(target.adminUrl, "gateway", "local-dev");
  const crm = await createApiKey(target.adminUrl, "crm", "local-dev");
  console.log(`\nLocal development keys (revoked at the next start):`);
  console.log(`  gateway: ${gateway.key}`);
  console.log(`  crm:     ${crm.key}`);
  console.log(`\nTry:\n  curl -s ${api.url}/rpc/sync_groups -H 'x-api-key: ${gateway.key}' \\
    -H 'content-type: application/json' \\
    -d '{"sessionId":"wa_demo","groups":[{"id":"120363041234567890@g.us","subject":"Demo"}]}'`);
}
console.log("\nCtrl-C stops everything started here.");

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  await api.stop();
  await target.teardown();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
api.child.on("exit", (code) => {
  if (!stopping) {
    console.error(`PostgREST exited (${code})`);
    void target.teardown().then(() => process.exit(1));
  }
});
