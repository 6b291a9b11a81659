// npm start [-- --allow-downgrade] — run the service: the local cluster (or DATABASE_URL),
// migrations (refused for a checkout older than the database, like npm run db:migrate), PostgREST.
import { dirname, join } from "node:path";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { API_ROLES, localDevKeys } from "./lib/api-keys.js";
import { dataDir } from "./lib/paths.js";
import { portInUse } from "./lib/run.js";
import { migrateOrExit } from "./lib/migrate.js";
import { POSTGREST_PID_FILE, startPostgrest } from "./lib/postgrest.js";
import { jwtSecret } from "./lib/secrets.js";
import { devTarget } from "./lib/target.js";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
// PostgREST's admin server (GET /live, /ready) for load balancers and probes: PORT + 1 unless set.
const adminPort = Number(process.env.ADMIN_PORT || port + 1);

if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
  console.warn(
    `HOST=${host}: the API is reachable from other machines. In production put the nginx front door ` +
      `in front of it (docs/deployment.md): PostgREST itself does not limit request bodies.`,
  );
}

// Before anything is started or migrated: a busy port is one clear line, not a crash later.
for (const [name, p] of [
  ["PORT", port],
  ["ADMIN_PORT", adminPort],
] as const) {
  if (!Number.isInteger(p) || p <= 0 || p > 65535) {
    console.error(`${name}=${String(p)} is not a port number.`);
    process.exit(1);
  }
  if (await portInUse(host, p)) {
    console.error(`Port ${p} on ${host} is in use (another npm start?): choose another with ${name}=${p + 10} npm start`);
    process.exit(1);
  }
}
const target = await devTarget();
await migrateOrExit(target);
const api = await startPostgrest({
  dbUri: await target.postgrestUri(),
  jwtSecret: jwtSecret(),
  port,
  adminPort,
  host,
  logLevel: (process.env.PGRST_LOG_LEVEL as "info" | undefined) ?? "error",
});

// For `npm run db:migrate`: PostgREST behind a transaction pool (PgBouncer) never hears NOTIFY
// pgrst, so migrate signals this process instead (docs/deployment.md).
// .data/ need not exist: with DATABASE_URL and the secrets in the environment nothing else makes it.
mkdirSync(dirname(POSTGREST_PID_FILE), { recursive: true });
writeFileSync(POSTGREST_PID_FILE, `${api.child.pid}\n`);
console.log(`\nAPI:      ${api.url}`);
console.log(`OpenAPI:  ${api.url}/`);
console.log(`Health:   ${api.adminUrl}/live  ${api.adminUrl}/ready`);
if (!process.env.DATABASE_URL) {
  // Local development only: the same keys on every start (kept in .data/dev-keys.json), so
  // another start never invalidates what a running instance printed.
  const keys = await localDevKeys(target.adminUrl, join(dataDir, "dev-keys.json"));
  // One per role, ops included (GET /rpc/metrics, /quarantine, ...: docs/operations.md).
  console.log(`\nLocal development keys (kept in .data/dev-keys.json; labels ${API_ROLES.map((r) => `local-dev-${r}`).join(", ")}):`);
  for (const role of API_ROLES) console.log(`  ${`${role}:`.padEnd(8)} ${keys[role]}`);
  console.log(`\nTry:\n  curl -s ${api.url}/rpc/sync_groups -H 'x-api-key: ${keys.gateway}' \\
    -H 'content-type: application/json' \\
    -d '{"sessionId":"wa_demo","groups":[{"id":"120363041234567890@g.us","subject":"Demo"}]}'`);
}
console.log("\nCtrl-C stops everything started here.");

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  rmSync(POSTGREST_PID_FILE, { force: true });
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
