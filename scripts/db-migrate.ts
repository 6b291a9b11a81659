// npm run db:migrate [-- --allow-downgrade] [--no-dump] — migrate the database (local cluster or
// DATABASE_URL), re-apply functions, and rewrite the committed schema dump db/schema.generated.sql.
// Refuses a checkout older than the database unless --allow-downgrade (docs/operations.md, "Upgrades").
import { dumpSchema, migrateOrExit } from "./lib/migrate.js";
import { devTarget, isHostProject, setAuthenticatorPassword } from "./lib/target.js";
import { signalRunningPostgrest } from "./lib/postgrest.js";
import { MIGRATION_LOCK_FILE, recordNewMigrations } from "./lib/migration-lock.js";

const target = await devTarget();
await migrateOrExit(target);
if (process.env.AUTHENTICATOR_PASSWORD) {
  // For deployments where PostgREST runs elsewhere (docker compose): authenticator logs in with it.
  // In a host project (Supabase) authenticator and its password are the platform's (supautils
  // refuses the change): say so and go on.
  if (await isHostProject(target.adminUrl)) {
    console.log("AUTHENTICATOR_PASSWORD ignored: in a host project (Supabase) authenticator's password is the platform's; unset it.");
  } else {
    await setAuthenticatorPassword(target.adminUrl, process.env.AUTHENTICATOR_PASSWORD);
  }
}
// NOTIFY pgrst (sent by migrate) reaches a PostgREST connected directly; one behind PgBouncer
// only hears a signal.
if (signalRunningPostgrest()) console.log("reloaded the PostgREST npm start runs (SIGUSR1/SIGUSR2)");
if (!process.argv.includes("--no-dump")) {
  await dumpSchema(target.adminUrl);
  console.log("wrote db/schema.generated.sql");
  // A migration applied here for the first time is recorded: from now on it is immutable.
  const recorded = recordNewMigrations();
  if (recorded.length) console.log(`recorded in ${MIGRATION_LOCK_FILE}: ${recorded.join(", ")}`);
}
await target.teardown();
