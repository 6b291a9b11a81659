// npm run db:migrate [-- --allow-downgrade] [--no-dump] — migrate the database (local cluster or
// DATABASE_URL), re-apply functions, and rewrite the committed schema dump db/schema.sql. Refuses
// a checkout older than the database unless --allow-downgrade (docs/operations.md, "Upgrades").
import { dumpSchema, migrateOrExit } from "./lib/migrate.js";
import { devTarget, setAuthenticatorPassword } from "./lib/target.js";
import { signalRunningPostgrest } from "./lib/postgrest.js";

const target = await devTarget();
await migrateOrExit(target);
if (process.env.AUTHENTICATOR_PASSWORD) {
  // For deployments where PostgREST runs elsewhere (docker compose): authenticator logs in with it.
  await setAuthenticatorPassword(target.adminUrl, process.env.AUTHENTICATOR_PASSWORD);
}
// NOTIFY pgrst (sent by migrate) reaches a PostgREST connected directly; one behind PgBouncer
// only hears a signal.
if (signalRunningPostgrest()) console.log("reloaded the PostgREST npm start runs (SIGUSR1/SIGUSR2)");
if (!process.argv.includes("--no-dump")) {
  await dumpSchema(target.adminUrl);
  console.log("wrote db/schema.sql");
}
await target.teardown();
