// npm run db:migrate — migrate the database (local cluster or DATABASE_URL), re-apply functions,
// and rewrite the committed schema dump db/schema.sql.
import { dumpSchema, migrate } from "./lib/migrate.js";
import { devTarget, setAuthenticatorPassword } from "./lib/target.js";

const target = await devTarget();
await migrate(target.adminUrl);
if (process.env.AUTHENTICATOR_PASSWORD) {
  // For deployments where PostgREST runs elsewhere (docker compose): authenticator logs in with it.
  await setAuthenticatorPassword(target.adminUrl, process.env.AUTHENTICATOR_PASSWORD);
}
if (!process.argv.includes("--no-dump")) {
  dumpSchema(target.adminUrl);
  console.log("wrote db/schema.sql");
}
await target.teardown();
